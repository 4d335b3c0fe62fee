"""Supports in Blender: each box of a bin, tray, table or shelf as a mesh object (pass index 0).

The boxes come from :func:`synthscape.spec.supports.support_boxes`, so what is rendered, what
the physics simulation collides with, and what the checks after settling measure are one
geometry. Supports are background: pass index 0 in the object-index pass, instance 0 in the
exported scene mesh.
"""

from __future__ import annotations

import bmesh
import bpy

from synthscape.blender.materials import build_material
from synthscape.spec.scene_spec import SceneSpec
from synthscape.spec.supports import SupportBox, support_boxes

SUPPORT_TAG = "synthscape_support"
"""Custom property on a support box object: the index of its support in ``spec.supports``."""


def _box_mesh(name: str, box: SupportBox) -> bpy.types.Mesh:
    """A box mesh of ``box``'s size, centred on its origin."""
    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    try:
        bm.loops.layers.uv.new("UVMap")
        bmesh.ops.create_cube(bm, size=1.0, calc_uvs=True)
        bmesh.ops.scale(bm, vec=tuple(2.0 * h for h in box.half_extents), verts=bm.verts)
        bm.to_mesh(mesh)
    finally:
        bm.free()
    return mesh


def build_supports(spec: SceneSpec, scene: bpy.types.Scene) -> list[bpy.types.Object]:
    """Create every box of every support of ``spec`` in ``scene``; returns the objects (pass index 0)."""
    built: list[bpy.types.Object] = []
    for index, support in enumerate(spec.supports):
        material = build_material(support.material, f"support_{index:02d}_material")
        for box in support_boxes(support):
            name = f"support_{index:02d}_{box.name}"
            obj = bpy.data.objects.new(name, _box_mesh(name, box))
            obj.data.materials.append(material)
            obj.location = box.center
            obj.rotation_mode = "XYZ"
            obj.rotation_euler = (0.0, 0.0, box.yaw)
            obj.pass_index = 0
            obj[SUPPORT_TAG] = index
            scene.collection.objects.link(obj)
            built.append(obj)
    return built
