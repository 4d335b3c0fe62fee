"""Checking mesh files (.obj, .ply, .glb, .gltf, .stl) once, and refusing ones that cannot render.

The recipe validates every ``objects[].mesh`` and every file of ``objects[].meshes`` through
the per-asset cache (:func:`synthscape.assets.mesh_info.mesh_info`, keyed by file content), so
an empty, corrupt or vertex-only file is a recipe error naming the file and the key, found by
``synthscape validate`` as well as ``render``; the sampler later takes the file's bounds from
the same cache entry (:func:`synthscape.spec.shapes.mesh_file_bounds`) without reading the mesh.
"""

from __future__ import annotations

import functools

import numpy as np

from synthscape.assets.library import checked_info
from synthscape.assets.mesh_info import MeshInfo, load_mesh


def check_mesh_file(path: str) -> MeshInfo:
    """The cached :class:`~synthscape.assets.mesh_info.MeshInfo` of a mesh file that has faces.

    Raises:
        ValueError: the file cannot be opened or parsed, has no faces, or has non-finite
            vertex coordinates. The message names the file.
    """
    return checked_info(path)


@functools.lru_cache(maxsize=256)
def read_mesh_vertices(path: str) -> np.ndarray:
    """(N, 3) float64 vertex positions of a mesh file that has at least one face (file frame).

    trimesh reads the file (pure Python, so this also works inside Blender).

    Raises:
        ValueError: as :func:`~synthscape.assets.mesh_info.load_mesh`.
    """
    vertices = np.asarray(load_mesh(path).vertices, dtype=np.float64).reshape(-1, 3)
    vertices.setflags(write=False)
    return vertices
