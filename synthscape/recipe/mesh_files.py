"""Reading mesh files (.obj, .ply, .glb, .gltf, .stl) once, and refusing ones that cannot render.

The recipe validates every ``objects[].mesh`` with :func:`read_mesh_vertices`, so an empty,
corrupt or vertex-only file is a recipe error naming the file and the key, found by
``synthscape validate`` as well as ``render``; the sampler later takes the file's bounds from
the same cached read (:func:`synthscape.spec.shapes.mesh_file_bounds`).
"""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=256)
def read_mesh_vertices(path: str) -> np.ndarray:
    """(N, 3) float64 vertex positions of a mesh file that has at least one face.

    trimesh reads the file (pure Python, so this also works inside Blender).

    Raises:
        ValueError: the file cannot be parsed, has no faces (empty, corrupt, or points only),
            or has non-finite vertex coordinates. The message names the file.
    """
    import trimesh  # deferred: only mesh-file groups need it

    try:
        mesh = trimesh.load(path, force="mesh", process=False)
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
        raise ValueError(f"{path}: this mesh file has NaN or infinite vertex coordinates")
    vertices.setflags(write=False)
    return vertices
