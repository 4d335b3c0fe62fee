"""Per-asset preprocessing of mesh files, cached by file content: bounds, counts,
watertightness, convex hull volume.

A mesh file is parsed (trimesh) once per distinct content: :func:`mesh_info` keys the result by
the file's sha256 and suffix in the :class:`~synthscape.assets.cache.AssetCache` (kind
``mesh_info``), so every frame, worker process and rerun reads a small JSON entry instead of
the mesh. Bounds are in Blender's imported frame: files whose format is Y-up (OBJ, glTF) are
turned Z-up the way Blender's importers do, (x, y, z) -> (x, -z, y).
"""

from __future__ import annotations

import functools
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.assets.cache import AssetCache, asset_cache_dir, cache_key, file_sha256

MESH_SUFFIXES = (".obj", ".ply", ".glb", ".gltf", ".stl")
"""Mesh file types the sampler and the Blender layer read."""
Y_UP_SUFFIXES = (".obj", ".glb", ".gltf")
"""Formats whose files are Y-up; Blender's importers turn them Z-up."""
MESH_INFO_KIND = "mesh_info"
MESH_INFO_VERSION = 1
"""Bump when :class:`MeshInfo` or how it is computed changes (old entries are then ignored)."""

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class MeshInfo:
    """What the sampler needs to know about one mesh file, without reading it again."""

    sha256: str
    """sha256 of the file's bytes."""
    bbox_min: Vec3
    """Axis-aligned bounds in Blender's imported (Z-up) frame, file units (metres)."""
    bbox_max: Vec3
    vertex_count: int
    face_count: int
    watertight: bool
    """Closed and consistently wound after merging coincident vertices (trimesh)."""
    hull_volume: float
    """Volume of the convex hull (0 for flat or degenerate meshes), cubic file units."""


def to_blender_frame(vertices: np.ndarray, suffix: str) -> np.ndarray:
    """Vertices of a file as Blender's importer places them: Y-up formats turned Z-up."""
    if suffix.lower() in Y_UP_SUFFIXES:
        return np.stack([vertices[:, 0], -vertices[:, 2], vertices[:, 1]], axis=1)
    return vertices


def load_mesh(path: str | os.PathLike[str]) -> Any:
    """The file as one ``trimesh.Trimesh`` (scenes concatenated), unprocessed.

    Raises:
        ValueError: the file cannot be parsed, has no faces (empty, corrupt, or points only),
            or has non-finite vertex coordinates. The message names the file.
    """
    import trimesh  # deferred: only mesh groups need it

    try:
        mesh = trimesh.load(os.fspath(path), force="mesh", process=False)
    except Exception as error:  # noqa: BLE001 - trimesh raises many types for unreadable files
        reason = " ".join(str(error).split())[:160] or type(error).__name__
        raise ValueError(f"{path}: cannot read this mesh file ({reason}); "
                         "re-export it as .obj, .ply, .glb or .stl") from None
    vertices = np.asarray(getattr(mesh, "vertices", np.zeros((0, 3))), dtype=np.float64).reshape(-1, 3)
    faces = np.asarray(getattr(mesh, "faces", np.zeros((0, 3))))
    if vertices.size == 0 or faces.size == 0:
        raise ValueError(f"{path}: no faces could be read from this mesh file (it is empty, "
                         "corrupt, or holds only vertices); give a mesh with triangles")
    if not np.isfinite(vertices).all():
        raise ValueError(f"{path}: this mesh file has NaN or infinite vertex coordinates; "
                         "repair or re-export it, or leave it out of the library")
    return mesh


def _hull_volume(mesh: Any) -> float:
    try:
        return float(mesh.convex_hull.volume)
    except Exception:  # noqa: BLE001 - qhull refuses flat or degenerate point sets
        return 0.0


def compute_mesh_info(path: str | os.PathLike[str], sha256: str) -> MeshInfo:
    """Read the file and measure it (what :func:`mesh_info` caches)."""
    import trimesh

    raw = load_mesh(path)
    vertices = to_blender_frame(np.asarray(raw.vertices, dtype=np.float64), Path(path).suffix)
    merged = trimesh.Trimesh(vertices=vertices, faces=np.asarray(raw.faces), process=True)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    return MeshInfo(sha256=sha256, bbox_min=tuple(float(v) for v in low),  # type: ignore[arg-type]
                    bbox_max=tuple(float(v) for v in high),  # type: ignore[arg-type]
                    vertex_count=len(raw.vertices), face_count=len(raw.faces),
                    watertight=bool(merged.is_watertight), hull_volume=_hull_volume(merged))


@functools.lru_cache(maxsize=4096)
def _cached_info(sha256: str, suffix: str, path: str, root: str) -> MeshInfo:
    key = cache_key({"kind": MESH_INFO_KIND, "version": MESH_INFO_VERSION, "sha256": sha256, "suffix": suffix})
    entry = AssetCache(root).load_or_compute(MESH_INFO_KIND, key,
                                             lambda _file: asdict(compute_mesh_info(path, sha256)))
    entry = dict(entry, bbox_min=tuple(entry["bbox_min"]), bbox_max=tuple(entry["bbox_max"]))
    return MeshInfo(**entry)


def mesh_info(path: str | os.PathLike[str], cache_root: str | os.PathLike[str] | None = None) -> MeshInfo:
    """The :class:`MeshInfo` of a mesh file: from the asset cache, else computed and stored.

    Memoized in this process by content hash; a second process or a rerun reads the cache
    entry, not the mesh.

    Args:
        path: the mesh file.
        cache_root: the cache directory; default :func:`~synthscape.assets.cache.asset_cache_dir`.

    Raises:
        ValueError: the file is unreadable or has no faces (the message names the file).
        OSError: the file cannot be opened.
    """
    suffix = Path(path).suffix.lower()
    root = os.fspath(cache_root if cache_root is not None else asset_cache_dir())
    return _cached_info(file_sha256(path), suffix, os.fspath(path), root)


__all__ = [
    "MESH_SUFFIXES",
    "Y_UP_SUFFIXES",
    "MeshInfo",
    "compute_mesh_info",
    "load_mesh",
    "mesh_info",
    "to_blender_frame",
]
