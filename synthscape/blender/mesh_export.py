"""Export the evaluated Blender scene's triangles as a :class:`~synthscape.buffers.SceneMesh`
(world coordinates), for LiDAR ray casting.

Importing this module also registers Blender's BVHTree ray caster
(:mod:`synthscape.blender.bvh_raycast`), so a mesh exported here can be ray-cast inside
Blender even without Open3D.

Usage from the renderer, after the scene is built and before/after rendering::

    depsgraph = bpy.context.evaluated_depsgraph_get()
    mesh = export_scene_mesh(depsgraph, instance_of=lambda ob: ids.get(ob.name))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import bpy
import numpy as np

from synthscape.blender import bvh_raycast  # noqa: F401  (registers the BVHTree ray caster)
from synthscape.buffers import SceneMesh
from synthscape.lidar.mesh import SurfaceOptics, luminance, merge_meshes, optics_mesh

GEOMETRY_TYPES = frozenset({"MESH", "CURVE", "SURFACE", "META", "FONT"})


def _principled(material: bpy.types.Material) -> bpy.types.Node | None:
    """The material's first Principled BSDF node, or None."""
    if material.node_tree is None:
        return None
    return next((n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED"), None)


def material_reflectivity(obj: bpy.types.Object) -> float:
    """Rec. 709 luminance of the first material's base colour, in [0, 1] (0.5 if none).

    Reads the Principled BSDF's ``Base Color`` default value when the material has one,
    else ``material.diffuse_color``; image textures are ignored.
    """
    material = obj.active_material
    if material is None:
        return 0.5
    bsdf = _principled(material)
    color = tuple(material.diffuse_color)[:3]
    if bsdf is not None:
        color = tuple(bsdf.inputs["Base Color"].default_value)[:3]
    return luminance(color)


def material_optics(obj: bpy.types.Object) -> SurfaceOptics:
    """The LiDAR optics of the object's first material (a grey dielectric if it has none).

    Base colour, ``Metallic`` and ``Roughness`` come from the Principled BSDF; the override and
    the retro-reflective flag from the custom properties ``synthscape_lidar_reflectivity``
    (< 0 = none) and ``synthscape_retroreflective`` that :mod:`synthscape.blender.materials` sets.
    """
    material = obj.active_material
    if material is None:
        return SurfaceOptics(0.5)
    bsdf = _principled(material)
    metallic = float(bsdf.inputs["Metallic"].default_value) if bsdf is not None else 0.0
    roughness = float(bsdf.inputs["Roughness"].default_value) if bsdf is not None else 0.5
    override = float(material.get("synthscape_lidar_reflectivity", -1.0))
    return SurfaceOptics(material_reflectivity(obj), metallic, roughness,
                         override if override >= 0.0 else None,
                         bool(material.get("synthscape_retroreflective", False)))


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
                      reflectivity_of: Callable[[bpy.types.Object], float] | None = None,
                      optics_of: Callable[[bpy.types.Object], SurfaceOptics] = material_optics
                      ) -> SceneMesh:
    """Triangulate every renderable geometry object of the evaluated scene, in world space.

    Args:
        depsgraph: ``bpy.context.evaluated_depsgraph_get()`` (modifiers applied).
        instance_of: called with each *original* object; returns its instance id
            (0 = ground/background) or None to leave the object out.
        reflectivity_of: called with each original object; diffuse reflectivity in [0, 1]
            (replaces the one ``optics_of`` gives); None = keep it.
        optics_of: called with each original object; its LiDAR optics (base-colour luminance,
            metallic, roughness, reflectivity override, retro-reflective flag).

    Returns:
        The merged :class:`SceneMesh` (objects in depsgraph order), with every per-triangle
        optics field. Objects hidden from the render and collection/particle instances are
        not exported.
    """
    parts = []
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
        optics = optics_of(original)
        if reflectivity_of is not None:
            optics = replace(optics, reflectivity=float(reflectivity_of(original)))
        parts.append(optics_mesh(v, t, instance_id, optics))
    if not parts:
        return SceneMesh(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32),
                         np.zeros(0, np.uint16), np.zeros(0, np.float32))
    return merge_meshes(parts)
