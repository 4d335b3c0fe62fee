"""Building the Blender extension zip and the pure-Python side of the add-on (no bpy).

``build_extension`` is imported on first use: the add-on imports this package inside Blender,
where the build-time tools (pip, packaging) are not needed.
"""

from __future__ import annotations

__all__ = ["build_extension"]


def __getattr__(name: str) -> object:
    if name == "build_extension":
        from synthscape.extension.build import build_extension

        return build_extension
    raise AttributeError(f"module 'synthscape.extension' has no attribute {name!r}")
