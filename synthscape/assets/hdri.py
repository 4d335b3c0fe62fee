"""Environment maps (HDRIs): Blender's eight built-in CC0 HDRIs by name, and HDRI folders (pure Python).

Blender ships eight 1K Poly Haven HDRIs (CC0; ``license.txt`` beside them names the originals):
``city``, ``courtyard``, ``forest``, ``interior``, ``night``, ``studio``, ``sunrise``, ``sunset``.
They live in ``<bpy package>/<version>/datafiles/studiolights/world/`` of the ``bpy`` wheel, or
``<blender>/<version>/datafiles/studiolights/world/`` of a Blender install. The folder is found
without importing ``bpy`` (:func:`builtin_hdri_folder`).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import sys
from pathlib import Path

HDRI_SUFFIXES = (".exr", ".hdr")
WORLD_LIGHTS = ("datafiles", "studiolights", "world")
"""Where a Blender version folder keeps its world HDRIs."""
LICENSE_FILE = "license.txt"
BUILTIN_HDRI_NAMES = ("city", "courtyard", "forest", "interior", "night", "studio", "sunrise", "sunset")
"""The built-in HDRIs of Blender 2.83 to 5.x, for checking names where ``bpy`` is not installed."""


class HdriError(ValueError):
    """An HDRI source that gives no usable file (the message says why and what is valid)."""


class BuiltinHdrisMissing(HdriError):
    """Blender's built-in HDRIs are not on this machine (no ``bpy`` package, no Blender around this Python)."""


def _version_key(path: Path) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in path.name.split("."))
    except ValueError:
        return (-1,)


def _world_folder_in(root: Path) -> Path | None:
    """``root/<version>/datafiles/studiolights/world`` (newest version) or ``root/datafiles/...``."""
    direct = root.joinpath(*WORLD_LIGHTS)
    if direct.is_dir():
        return direct
    versions = sorted((p for p in root.glob("*") if p.joinpath(*WORLD_LIGHTS).is_dir()), key=_version_key)
    return versions[-1].joinpath(*WORLD_LIGHTS) if versions else None


def _candidate_roots() -> list[Path]:
    """The bpy package folder (pip's ``bpy``; inside Blender ``<version>/scripts/modules/bpy``) and the
    folders above it, then the folders above this Python (Blender's bundled ``<version>/python/bin``)."""
    roots: list[Path] = []
    spec = importlib.util.find_spec("bpy") if "bpy" not in sys.modules else sys.modules["bpy"].__spec__
    for location in (getattr(spec, "submodule_search_locations", None) or []) if spec else []:
        roots.extend([Path(location), *list(Path(location).parents)[:3]])
    executable = Path(sys.executable).resolve()
    roots.extend(list(executable.parents)[:4])
    return roots


def builtin_hdri_folder() -> Path:
    """The folder of Blender's built-in world HDRIs.

    Raises:
        HdriError: no ``bpy`` package (and no Blender install around this Python) holds them.
    """
    for root in _candidate_roots():
        folder = _world_folder_in(root)
        if folder is not None and any(folder.glob("*.exr")):
            return folder
    raise BuiltinHdrisMissing("the built-in HDRIs come with Blender's bpy module, which is not installed in "
                              "this Python (pip install -e '.[headless]', or run inside Blender)")


def builtin_hdri_names() -> tuple[str, ...]:
    """Names of the built-in HDRIs (file stems, sorted), e.g. ``("city", "courtyard", ...)``."""
    folder = builtin_hdri_folder()
    return tuple(sorted(p.stem for p in folder.iterdir() if p.suffix.lower() in HDRI_SUFFIXES))


def check_builtin_names(names: list[str] | tuple[str, ...] | str,
                        valid: tuple[str, ...] = BUILTIN_HDRI_NAMES) -> list[str]:
    """The names asked for (``"all"`` = every valid one), each checked against ``valid``.

    Raises:
        HdriError: an unknown name (the message lists the valid ones), or none.
    """
    wanted = list(valid) if names == "all" else list(names)
    unknown = [name for name in wanted if name not in valid]
    if unknown:
        raise HdriError(f"unknown built-in HDRI {', '.join(map(repr, unknown))}; "
                        f"valid names: {', '.join(valid)} (or all)")
    if not wanted:
        raise HdriError(f"name at least one built-in HDRI: {', '.join(valid)} (or all)")
    return wanted


def builtin_hdri_paths(names: list[str] | tuple[str, ...] | str) -> tuple[str, ...]:
    """Absolute paths of built-in HDRIs by name (``"all"`` = every one), in the order given.

    Raises:
        BuiltinHdrisMissing: no ``bpy`` (nor Blender) on this machine.
        HdriError: an unknown name (the message lists the valid ones).
    """
    wanted = check_builtin_names(names, builtin_hdri_names())
    folder = builtin_hdri_folder()
    return tuple(str(folder / f"{name}.exr") for name in wanted)


def builtin_hdri_license() -> Path | None:
    """The licence file beside the built-in HDRIs (CC0, Poly Haven originals), if present."""
    path = builtin_hdri_folder() / LICENSE_FILE
    return path if path.is_file() else None


def folder_hdris(folder: str | Path, pattern: str = "*", recursive: bool = False) -> tuple[str, ...]:
    """The ``.exr``/``.hdr`` files of a folder whose names match ``pattern``, sorted.

    Raises:
        HdriError: not a folder, or no matching HDRI in it (the message says what is there).
    """
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise HdriError(f"folder not found: {root}")
    files = sorted(p for p in (root.rglob("*") if recursive else root.glob("*")) if p.is_file())
    found = [p for p in files if p.suffix.lower() in HDRI_SUFFIXES
             and fnmatch.fnmatch(p.name.lower(), pattern.lower())]
    if not found:
        listed = ", ".join(p.name for p in files[:12]) + (" ..." if len(files) > 12 else "")
        there = f"it holds {len(files)} other file(s): {listed}" if files else "it is empty"
        raise HdriError(f"no .exr or .hdr file matching {pattern!r} in {root} ({there})")
    return tuple(str(p) for p in found)
