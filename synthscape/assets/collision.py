"""Collision shapes for physics placement: convex decompositions (CoACD), cached by content.

``collision: decomposition`` splits a concave mesh (a mug, a bowl, a torus) into convex pieces
that Bullet simulates as one compound body. CoACD takes seconds per mesh, so the pieces are
computed once per file content (sha256) and parameters and stored in the asset cache
(:class:`~synthscape.assets.cache.AssetCache`, kind ``collision``): every frame, worker and
rerun reuses them. Pieces are in Blender's imported (Z-up) frame of the file, before the
object's ``mesh_transform``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.assets.cache import AssetCache, cache_key, file_sha256
from synthscape.errors import SynthscapeError
from synthscape.io.optional import import_optional

COLLISION_KIND = "collision"
COLLISION_VERSION = 1
DEFAULT_THRESHOLD = 0.05
"""CoACD concavity threshold: lower gives more, tighter pieces."""
MAX_PIECES = 32


class CollisionShapeError(SynthscapeError):
    """A mesh cannot be given the collision shape its group asks for (names the file)."""


def decompose(vertices: np.ndarray, faces: np.ndarray, threshold: float = DEFAULT_THRESHOLD,
              max_pieces: int = MAX_PIECES) -> list[np.ndarray]:
    """Convex pieces of a closed mesh by CoACD: one (N, 3) float64 vertex array per piece.

    Raises:
        CollisionShapeError: the mesh is not watertight (CoACD would remesh it), or CoACD failed.
    """
    import trimesh

    coacd = import_optional("coacd", "coacd", "collision: decomposition")
    mesh = trimesh.Trimesh(vertices=np.asarray(vertices, np.float64), faces=np.asarray(faces, np.int64),
                           process=True)
    if not mesh.is_watertight:
        raise CollisionShapeError("the mesh is not a closed 2-manifold (watertight); convex decomposition "
                                  "needs one: close it, or use collision: convex_hull, mesh or box")
    coacd.set_log_level("error")
    parts = coacd.run_coacd(coacd.Mesh(mesh.vertices, mesh.faces), threshold=threshold,
                            max_convex_hull=max_pieces, preprocess_mode="off", seed=0)
    pieces = [np.asarray(v, np.float64).reshape(-1, 3) for v, _f in parts if len(v) >= 4]
    if not pieces:
        raise CollisionShapeError("CoACD returned no convex piece for this mesh")
    return pieces


def _store(pieces: list[np.ndarray], file_of: Any) -> dict[str, Any]:
    path = file_of(".npz")
    tmp = Path(f"{path}.tmp{os.getpid()}.npz")
    np.savez(tmp, *pieces)
    os.replace(tmp, path)
    return {"pieces": len(pieces), "file": path.name}


def _load(cache: AssetCache, key: str, entry: dict[str, Any]) -> list[np.ndarray]:
    with np.load(cache.entry_path(COLLISION_KIND, key, ".npz")) as data:
        return [np.asarray(data[f"arr_{i}"], np.float64) for i in range(int(entry["pieces"]))]


def mesh_file_pieces(path: str, threshold: float = DEFAULT_THRESHOLD,
                     cache_root: str | os.PathLike[str] | None = None) -> list[np.ndarray]:
    """Convex pieces of a mesh file in Blender's imported frame, from the cache or computed once.

    Raises:
        CollisionShapeError: the file is not watertight, or cannot be read (names the file).
    """
    from synthscape.assets.mesh_info import load_mesh, to_blender_frame

    cache = AssetCache(cache_root)
    key = cache_key({"kind": COLLISION_KIND, "version": COLLISION_VERSION, "sha256": file_sha256(path),
                     "suffix": Path(path).suffix.lower(), "threshold": threshold, "max_pieces": MAX_PIECES})

    def compute(file_of: Any) -> dict[str, Any]:
        try:
            raw = load_mesh(path)
            vertices = to_blender_frame(np.asarray(raw.vertices, np.float64), Path(path).suffix)
            return _store(decompose(vertices, np.asarray(raw.faces), threshold), file_of)
        except (CollisionShapeError, ValueError) as error:
            raise CollisionShapeError(f"{path}: collision: decomposition: {error}") from None

    return _load(cache, key, cache.load_or_compute(COLLISION_KIND, key, compute))


def array_pieces(vertices: np.ndarray, faces: np.ndarray, name: str, threshold: float = DEFAULT_THRESHOLD,
                 cache_root: str | os.PathLike[str] | None = None) -> list[np.ndarray]:
    """Convex pieces of an in-memory mesh (a primitive), cached by the content of its arrays."""
    import hashlib

    cache = AssetCache(cache_root)
    digest = hashlib.sha256(np.ascontiguousarray(vertices, np.float64).tobytes()
                            + np.ascontiguousarray(faces, np.int64).tobytes()).hexdigest()
    key = cache_key({"kind": COLLISION_KIND, "version": COLLISION_VERSION, "arrays": digest,
                     "threshold": threshold, "max_pieces": MAX_PIECES})

    def compute(file_of: Any) -> dict[str, Any]:
        try:
            return _store(decompose(vertices, faces, threshold), file_of)
        except CollisionShapeError as error:
            raise CollisionShapeError(f"{name}: collision: decomposition: {error}") from None

    return _load(cache, key, cache.load_or_compute(COLLISION_KIND, key, compute))
