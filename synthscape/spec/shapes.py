"""Bounds of the shapes the sampler places, without Blender.

Primitives follow Blender's ``bpy.ops.mesh.primitive_*_add`` defaults (size 2, origin at
the centre). Mesh files' bounds come from the per-asset cache
(:func:`synthscape.assets.mesh_info.mesh_info`, read once per file content); files whose
format is Y-up (OBJ, glTF) are turned Z-up the way Blender's importers do,
(x, y, z) -> (x, -z, y) (:func:`synthscape.assets.mesh_info.to_blender_frame`). A normalized
asset's bounds are those of :func:`synthscape.assets.normalize.normalization_transform`.
"""

from __future__ import annotations

from synthscape.assets.mesh_info import Y_UP_SUFFIXES, mesh_info

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

__all__ = ["PRIMITIVE_BOUNDS", "Y_UP_SUFFIXES", "mesh_file_bounds", "shape_bounds"]


def mesh_file_bounds(path: str) -> Bounds:
    """Axis-aligned bounds of a mesh file in Blender's Z-up imported frame, metres.

    Raises:
        ValueError: the file is unreadable, empty or has no faces (the recipe's validation
            already refuses such files, naming ``objects[i].mesh`` / ``objects[i].meshes``).
    """
    info = mesh_info(path)
    return info.bbox_min, info.bbox_max


def shape_bounds(shape: str, mesh_path: str | None) -> Bounds:
    """Bounds of a primitive or a mesh file."""
    if shape == "mesh":
        assert mesh_path is not None
        return mesh_file_bounds(mesh_path)
    return PRIMITIVE_BOUNDS[shape]
