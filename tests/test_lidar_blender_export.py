"""Triangles exported from the evaluated Blender scene (needs bpy)."""

from __future__ import annotations

import numpy as np
import pytest

from synthscape.lidar.mesh import box_corners
from synthscape.spec.camera import object_to_world
from synthscape.lidar.raycast import Open3DRaycaster

pytestmark = pytest.mark.blender


def _build_scene(bpy):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.mesh.primitive_plane_add(size=50.0)
    bpy.context.object.name = "ground"
    bpy.ops.mesh.primitive_cube_add(location=(1.0, 8.0, 0.75), rotation=(0.0, 0.0, 0.6),
                                    scale=(2.0, 0.9, 0.75))
    cube = bpy.context.object
    cube.name = "car"
    material = bpy.data.materials.new("red")
    material.diffuse_color = (1.0, 0.0, 0.0, 1.0)
    if material.node_tree is None:  # Blender < 5 only gives node trees on request
        material.use_nodes = True
    material.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = \
        (1.0, 0.0, 0.0, 1.0)
    cube.data.materials.append(material)
    bevel = cube.modifiers.new("bevel", "BEVEL")  # evaluated geometry, not the base mesh
    bevel.width = 0.05
    bpy.ops.mesh.primitive_uv_sphere_add(location=(0.0, 20.0, 1.0))
    bpy.context.object.name = "ignored"


def test_export_scene_mesh_matches_object_geometry():
    bpy = pytest.importorskip("bpy")
    from synthscape.blender.mesh_export import export_scene_mesh

    _build_scene(bpy)
    ids = {"ground": 0, "car": 7}
    mesh = export_scene_mesh(bpy.context.evaluated_depsgraph_get(),
                             instance_of=lambda ob: ids.get(ob.name))
    assert mesh.vertices.dtype == np.float32 and mesh.triangles.dtype == np.int32
    assert set(np.unique(mesh.triangle_instance).tolist()) == {0, 7}
    car = mesh.triangle_instance == 7
    assert car.sum() > 12  # bevelled: more than the 12 triangles of the base cube
    assert mesh.triangle_reflectivity[car][0] == pytest.approx(0.2126, abs=1e-4)
    m = object_to_world((1.0, 8.0, 0.75), (0.0, 0.0, 0.6), (2.0, 0.9, 0.75))
    corners = box_corners((-1, -1, -1), (1, 1, 1)) @ m[:3, :3].T + m[:3, 3]
    car_verts = mesh.vertices[np.unique(mesh.triangles[car])]
    # every exported vertex lies inside the object's oriented box, and the box is filled
    local = (car_verts - m[:3, 3]) @ np.linalg.inv(m[:3, :3]).T
    assert np.all(np.abs(local) <= 1.0 + 1e-4)
    np.testing.assert_allclose(car_verts.min(axis=0), corners.min(axis=0), atol=0.05)
    # a ray straight down onto the car's roof hits it at the top face (z = 1.5)
    hits = Open3DRaycaster(mesh).cast(np.array([1.0, 8.0, 10.0]), np.array([[0, 0, -1.0]]))
    assert hits.t[0] == pytest.approx(8.5, abs=1e-4) and hits.instance(mesh)[0] == 7


def test_exported_mesh_carries_the_materials_lidar_optics():
    """build_material stores the LiDAR-only fields; export_scene_mesh reads them with metallic and
    roughness from the Principled BSDF, per object; objects without them get the defaults."""
    bpy = pytest.importorskip("bpy")
    from synthscape.blender.materials import build_material
    from synthscape.blender.mesh_export import export_scene_mesh
    from synthscape.spec.scene_spec import MaterialSpec

    _build_scene(bpy)
    bpy.ops.mesh.primitive_cube_add(location=(-4.0, 8.0, 1.0))
    plate = bpy.context.object
    plate.name = "plate"
    spec = MaterialSpec(base_color=(0.2, 0.4, 0.6), metallic=0.7, roughness=0.2,
                        lidar_reflectivity=0.35, retroreflective=True)
    plate.data.materials.append(build_material(spec, "plate_material"))
    ids = {"ground": 0, "car": 7, "plate": 9}
    mesh = export_scene_mesh(bpy.context.evaluated_depsgraph_get(), instance_of=lambda ob: ids.get(ob.name))
    on_plate, on_car = mesh.triangle_instance == 9, mesh.triangle_instance == 7
    np.testing.assert_allclose(mesh.triangle_metallic[on_plate], 0.7, atol=1e-6)
    np.testing.assert_allclose(mesh.triangle_roughness[on_plate], 0.2, atol=1e-6)
    np.testing.assert_allclose(mesh.triangle_lidar_reflectivity[on_plate], 0.35, atol=1e-6)
    assert np.all(mesh.triangle_retroreflective[on_plate])
    np.testing.assert_allclose(mesh.triangle_reflectivity[on_plate], 0.2126 * 0.2 + 0.7152 * 0.4 + 0.0722 * 0.6,
                               atol=1e-5)
    assert not np.any(mesh.triangle_retroreflective[~on_plate])
    assert np.all(np.isnan(mesh.triangle_lidar_reflectivity[~on_plate]))
    np.testing.assert_allclose(mesh.triangle_metallic[on_car], 0.0)
