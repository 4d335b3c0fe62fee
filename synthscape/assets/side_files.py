"""The files a mesh file reads besides itself: an OBJ's material libraries and their texture maps,
a glTF's external buffers and images (for provenance: their hashes and licences count too)."""

from __future__ import annotations

import json
import os
from pathlib import Path

OBJ_MAP_PREFIXES = ("map_", "bump", "disp", "decal", "norm", "refl")
"""``.mtl`` statements that name a texture file (``map_Kd``, ``map_Bump``, ``bump``, ``norm``, ...)."""


def _existing(folder: Path, name: str) -> Path | None:
    path = (folder / name.strip().replace("\\", "/")).resolve()
    return path if path.is_file() else None


def _mtl_maps(mtl: Path) -> list[Path]:
    maps = []
    for line in mtl.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].lower().startswith(OBJ_MAP_PREFIXES):
            found = _existing(mtl.parent, words[-1])  # options (-bm 1.0, -s ...) come before the file
            if found is not None:
                maps.append(found)
    return maps


def obj_side_files(path: Path) -> list[tuple[str, Path]]:
    """``(role, path)`` of an OBJ's ``mtllib`` files (``material``) and their maps (``texture``)."""
    found: list[tuple[str, Path]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("mtllib "):
            mtl = _existing(path.parent, line[len("mtllib "):])
            if mtl is not None:
                found.append(("material", mtl))
                found.extend(("texture", texture) for texture in _mtl_maps(mtl))
    return found


def gltf_side_files(path: Path) -> list[tuple[str, Path]]:
    """``(role, path)`` of a ``.gltf``'s external ``buffers`` (``buffer``) and ``images`` (``texture``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found: list[tuple[str, Path]] = []
    for key, role in (("buffers", "buffer"), ("images", "texture")):
        for item in data.get(key) or ():
            uri = item.get("uri") if isinstance(item, dict) else None
            if isinstance(uri, str) and not uri.startswith("data:"):
                side = _existing(path.parent, uri)
                if side is not None:
                    found.append((role, side))
    return found


def mesh_side_files(path: str | os.PathLike[str]) -> list[tuple[str, Path]]:
    """The files ``path`` reads besides itself, each once, in the order the file names them."""
    file = Path(path)
    suffix = file.suffix.lower()
    readers = {".obj": obj_side_files, ".gltf": gltf_side_files}
    if suffix not in readers or not file.is_file():
        return []
    seen: set[Path] = set()
    unique = []
    for role, side in readers[suffix](file):
        if side not in seen:
            seen.add(side)
            unique.append((role, side))
    return unique
