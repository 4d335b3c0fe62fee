"""Export the evaluated Blender scene's triangles as a :class:`~synthscape.buffers.SceneMesh`
(world coordinates), for LiDAR ray casting.

Importing this module also registers Blender's BVHTree ray caster
(:mod:`synthscape.blender.bvh_raycast`), so a mesh exported here can be ray-cast inside
Blender even without Open3D.

Usage from the renderer, after the scene is built and before/after rendering::

    depsgraph = bpy.context.evaluated_depsgraph_get()
    mesh = export_scene_mesh(depsgraph, instance_of=lambda ob: ids.get(ob.name),
                             reflectivity_of=material_reflectivity)
"""

from __future__ import annotations

from collections.abc import Callable

import bpy
import numpy as np

from synthscape.blender import bvh_raycast  # noqa: F401  (registers the BVHTree ray caster)
from synthscape.buffers import SceneMesh

GEOMETRY_TYPES = frozenset({"MESH", "CURVE", "SURFACE", "META", "FONT"})


def material_reflectivity(obj: bpy.types.Object) -> float:
    """Rec. 709 luminance of the first material's base colour, in [0, 1] (0.5 if none).

    Reads the Principled BSDF's ``Base Color`` default value when the material has one,
    else ``material.diffuse_color``; image textures are ignored.
    """
    material = obj.active_material
    if material is None:
        return 0.5
    color = tuple(material.diffuse_color)[:3]
    if material.node_tree is not None:
        for node in material.node_tree.nodes:
            if node.type == "BSDF_PRINCIPLED":
                color = tuple(node.inputs["Base Color"].default_value)[:3]
                break
    r, g, b = color
    return float(np.clip(0.2126 * r + 0.7152 * g + 0.0722 * b, 0.0, 1.0))


def local_mesh_arrays(obj_eval: bpy.types.Object) -> tuple[np.ndarray, np.ndarray]:
    """(V, 3) float64 vertices in object space and (T, 3) int32 triangles of an evaluated object."""
    mesh = obj_eval.to_mesh()
    try:
        mesh.calc_loop_triangles()
        co = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
        mesh.vertices.foreach_get("co", co)
        tris = np.empty(len(mesh.loop_triangles) * 3, dtype=np.int32)
        mesh.loop_triangles.foreach_get("vertices", tris)
    finally:
        obj_eval.to_mesh_clear()
    return co.reshape(-1, 3).astype(np.float64), tris.reshape(-1, 3)


def _object_triangles(obj_eval: bpy.types.Object) -> tuple[np.ndarray, np.ndarray]:
    """(V, 3) float32 world vertices and (T, 3) int32 triangles of an evaluated object."""
    local, tris = local_mesh_arrays(obj_eval)
    world = np.array(obj_eval.matrix_world, dtype=np.float64)
    verts = local @ world[:3, :3].T + world[:3, 3]
    return verts.astype(np.float32), tris


def export_scene_mesh(depsgraph: bpy.types.Depsgraph,
                      instance_of: Callable[[bpy.types.Object], int | None],
                      reflectivity_of: Callable[[bpy.types.Object], float] = material_reflectivity
                      ) -> SceneMesh:
    """Triangulate every renderable geometry object of the evaluated scene, in world space.

    Args:
        depsgraph: ``bpy.context.evaluated_depsgraph_get()`` (modifiers applied).
        instance_of: called with each *original* object; returns its instance id
            (0 = ground/background) or None to leave the object out.
        reflectivity_of: called with each original object; diffuse reflectivity in [0, 1].

    Returns:
        The merged :class:`SceneMesh` (objects in depsgraph order). Objects hidden from the
        render and collection/particle instances are not exported.
    """
    verts, tris, inst, refl, offset = [], [], [], [], 0
    for obj_eval in depsgraph.objects:
        original = obj_eval.original
        if obj_eval.type not in GEOMETRY_TYPES or original.hide_render:
            continue
        instance_id = instance_of(original)
        if instance_id is None:
            continue
        v, t = _object_triangles(obj_eval)
        if len(t) == 0:
            continue
        verts.append(v)
        tris.append(t + offset)
        inst.append(np.full(len(t), instance_id, dtype=np.uint16))
        refl.append(np.full(len(t), reflectivity_of(original), dtype=np.float32))
        offset += len(v)
    if not tris:
        return SceneMesh(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32),
                         np.zeros(0, np.uint16), np.zeros(0, np.float32))
    return SceneMesh(np.concatenate(verts), np.concatenate(tris), np.concatenate(inst),
                     np.concatenate(refl))
