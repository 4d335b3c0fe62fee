"""Bounds of the shapes the sampler places, without Blender.

Primitives follow Blender's ``bpy.ops.mesh.primitive_*_add`` defaults (size 2, origin at
the centre). Mesh files are read with trimesh (:mod:`synthscape.recipe.mesh_files`); files
whose format is Y-up (OBJ, glTF) are turned Z-up the way Blender's importers do,
(x, y, z) -> (x, -z, y).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from synthscape.recipe.mesh_files import read_mesh_vertices

Bounds = tuple[tuple[float, float, float], tuple[float, float, float]]

PRIMITIVE_BOUNDS: dict[str, Bounds] = {
    "cube": ((-1.0, -1.0, -1.0), (1.0, 1.0, 1.0)),
    "sphere": ((-1.0, -1.0, -1.0), (1.0, 1.0, 1.0)),
    "cylinder": ((-1.0, -1.0, -1.0), (1.0, 1.0, 1.0)),
    "cone": ((-1.0, -1.0, -1.0), (1.0, 1.0, 1.0)),
    "plane": ((-1.0, -1.0, 0.0), (1.0, 1.0, 0.0)),
    "torus": ((-1.25, -1.25, -0.25), (1.25, 1.25, 0.25)),
    # Blender's Suzanne, measured from primitive_monkey_add.
    "monkey": ((-1.367188, -0.851562, -0.984375), (1.367188, 0.851562, 0.984375)),
}

Y_UP_SUFFIXES = (".obj", ".glb", ".gltf")


@functools.lru_cache(maxsize=256)
def mesh_file_bounds(path: str) -> Bounds:
    """Axis-aligned bounds of a mesh file in Blender's Z-up frame, metres.

    Raises:
        ValueError: the file is unreadable, empty or has no faces (the recipe's validation
            already refuses such files, naming ``objects[i].mesh``).
    """
    vertices = read_mesh_vertices(path)
    if Path(path).suffix.lower() in Y_UP_SUFFIXES:
        vertices = np.stack([vertices[:, 0], -vertices[:, 2], vertices[:, 1]], axis=1)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    return (tuple(float(v) for v in low), tuple(float(v) for v in high))  # type: ignore[return-value]


def shape_bounds(shape: str, mesh_path: str | None) -> Bounds:
    """Bounds of a primitive or a mesh file."""
    if shape == "mesh":
        assert mesh_path is not None
        return mesh_file_bounds(mesh_path)
    return PRIMITIVE_BOUNDS[shape]
