"""Procedural meshes written once per parameter set into the asset cache, as coloured ``.ply``."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthscape.assets.cache import AssetCache, cache_key
from synthscape.assets.procedural import generate, generator, normalized_params

CACHE_KIND = "procedural"
"""The :class:`~synthscape.assets.cache.AssetCache` kind of generated meshes."""

COLOR_ATTRIBUTE = "Col"
"""The colour attribute Blender's PLY importer makes from vertex colours (bpy 4.2 and 5.0)."""


@dataclass(frozen=True)
class ProceduralMesh:
    """A generated mesh on disk and what the sampler needs to know about it."""

    path: str
    """Absolute path of the cached ``.ply`` (binary, per-vertex RGBA colours)."""
    bbox_min: tuple[float, float, float]
    bbox_max: tuple[float, float, float]
    params: dict[str, Any]
    """Every parameter the mesh was built from (rounded, defaults filled in)."""
    faces: int
    watertight: bool


def procedural_mesh(kind: str, params: dict[str, Any], cache: AssetCache | None = None) -> ProceduralMesh:
    """The mesh of ``kind`` for ``params``: read from the asset cache, or generated and written once.

    The cache key holds the kind, the generator's version and the rounded parameters, so the
    same parameters give the same file in every frame, worker and rerun.
    """
    cache = cache or AssetCache()
    full = normalized_params(kind, params)
    key = cache_key({"kind": kind, "version": generator(kind).version, "params": full})

    def compute(file_for: Any) -> dict[str, Any]:
        mesh = generate(kind, full)
        path: Path = file_for(".ply")
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")  # workers may race
        try:
            mesh.export(temporary, file_type="ply", encoding="binary")
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
        low, high = mesh.bounds
        return {"ply": path.name, "bbox_min": [float(v) for v in low], "bbox_max": [float(v) for v in high],
                "faces": int(len(mesh.faces)), "watertight": bool(mesh.is_watertight)}

    entry = cache.load_or_compute(CACHE_KIND, key, compute)
    path = cache.entry_path(CACHE_KIND, key, ".ply")
    if not path.is_file():  # the JSON survived but its mesh did not: build it again
        cache.entry_path(CACHE_KIND, key).unlink(missing_ok=True)
        entry = cache.load_or_compute(CACHE_KIND, key, compute)
    return ProceduralMesh(path=str(path.resolve()), bbox_min=tuple(entry["bbox_min"]),  # type: ignore[arg-type]
                          bbox_max=tuple(entry["bbox_max"]), params=full, faces=int(entry["faces"]),
                          watertight=bool(entry["watertight"]))
