"""The extension manifest: read the template, fill version/wheels/platforms, write TOML.

Pure Python (``tomllib`` reads it; a small writer emits the flat TOML Blender expects).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

REQUIRED_KEYS = ("schema_version", "id", "version", "name", "tagline", "maintainer", "type",
                 "blender_version_min", "license")
"""Keys Blender's extension validator requires."""


def read_project_version(pyproject: Path) -> str:
    """``[project] version`` of ``pyproject.toml``.

    Raises:
        ValueError: the file has no project version.
    """
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    version = data.get("project", {}).get("version")
    if not version:
        raise ValueError(f"{pyproject}: [project] version is missing; set version = \"X.Y.Z\"")
    return str(version)


def load_manifest(path: Path) -> dict[str, Any]:
    """Read a ``blender_manifest.toml`` and check the keys Blender requires.

    Raises:
        ValueError: naming the file and the missing key.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise ValueError(f"{path}: missing key(s) {', '.join(missing)}; see Blender's manifest reference")
    return data


def fill_manifest(template: dict[str, Any], *, version: str, wheels: list[str],
                  platforms: list[str]) -> dict[str, Any]:
    """A copy of ``template`` with the version, wheel paths (``./wheels/*.whl``) and platforms."""
    manifest = dict(template)
    manifest["version"] = version
    manifest["wheels"] = [f"./wheels/{name}" for name in sorted(wheels)]
    if platforms:
        manifest["platforms"] = list(platforms)
    else:
        manifest.pop("platforms", None)
    return manifest


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + "".join(f"  {_value(v)},\n" for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to the manifest")


def dump_manifest(manifest: dict[str, Any]) -> str:
    """TOML text of a manifest: top-level scalars/lists first, then one level of tables."""
    lines = [f"{key} = {_value(value)}" for key, value in manifest.items() if not isinstance(value, dict)]
    for key, table in manifest.items():
        if isinstance(table, dict):
            lines += ["", f"[{key}]"] + [f"{k} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
