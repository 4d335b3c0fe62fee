"""Issue 13, library assets in Blender: a normalized asset renders where its spec says (mask vs
the projected mesh), repeated assets are linked duplicates of one imported mesh, ``asset_materials``
keeps the file's materials, and the BOP model of a normalized asset is the file through its
``mesh_transform``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from synthscape.assets.mesh_info import load_mesh, to_blender_frame
from synthscape.assets.normalize import transform_points
from synthscape.spec.camera import euler_xyz_to_matrix, intrinsics, look_at
from synthscape.spec.projection import project_points, world_to_camera_points
from synthscape.spec.scene_spec import CameraSpec, MaterialSpec, ObjectSpec, SceneSpec
from tests.test_assets_library import box_obj, objects_of, write
from tests.test_blender_render import HEIGHT, WIDTH, _spec
from tests.test_inputs_support import write_text

pytestmark = pytest.mark.blender

RED_OBJ = b"mtllib paint.mtl\nusemtl red_paint\n"
RED_MTL = b"newmtl red_paint\nKd 1.0 0.0 0.0\nKs 0 0 0\nd 1\nillum 1\n"


def near_camera() -> CameraSpec:
    k = intrinsics(WIDTH, HEIGHT, 35.0, 36.0)
    w2c = look_at(np.array([0.0, -2.5, 1.2]), np.array([0.0, 0.0, 0.45]))
    return CameraSpec(WIDTH, HEIGHT, 35.0, 36.0, tuple(map(tuple, k.tolist())), tuple(map(tuple, w2c.tolist())))


def library_object(tmp_path: Path, extra: str = "", content: bytes | None = None) -> ObjectSpec:
    """One object of a normalized library (a 1 x 2 x 4 box whose file z is up), sampled by the recipe."""
    write(tmp_path / "lib" / "box.obj", content or box_obj(1.0, 2.0, 4.0))
    path = write_text(tmp_path, "objects:\n- {category: m, meshes: {folder: lib}, scale: 1.2, "
                      f"normalize: {{size: 0.8, up_axis: '+Z', origin: base}}{extra}}}\n")
    (obj,) = objects_of(path)
    return dataclasses.replace(obj, instance_id=1, category_id=1, location=(0.1, 0.0, 0.0), rotation=(0.0, 0.0, 0.4))


def world_vertices(obj: ObjectSpec) -> np.ndarray:
    """The spec's pose of the file's vertices: mesh_transform, scale, rotation, location."""
    imported = to_blender_frame(np.asarray(load_mesh(obj.mesh_path).vertices, float), Path(obj.mesh_path).suffix)
    local = transform_points(obj.mesh_transform, imported) * np.asarray(obj.scale)
    return local @ euler_xyz_to_matrix(obj.rotation).T + np.asarray(obj.location)


def scene(objects: tuple[ObjectSpec, ...]) -> SceneSpec:
    return dataclasses.replace(_spec(objects), camera=near_camera()).with_lidar({"on": True})


def inside_hull(points: np.ndarray, hull_of: np.ndarray) -> np.ndarray:
    from scipy.spatial import Delaunay

    return Delaunay(hull_of).find_simplex(points) >= 0


def test_a_normalized_library_asset_renders_where_the_spec_says(renderer, tmp_path: Path) -> None:
    obj = library_object(tmp_path)
    height = (obj.bbox_max[2] - obj.bbox_min[2]) * obj.scale[2]
    assert np.isclose(height, 0.96)  # file z (4 units) up, normalized to 0.8 m, times scale 1.2
    b = renderer.render(scene((obj,)))
    exported = b.mesh.vertices[b.mesh.triangles[b.mesh.triangle_instance == 1].ravel()]
    expected = world_vertices(obj)
    np.testing.assert_allclose(exported.min(axis=0), expected.min(axis=0), atol=1e-5)
    np.testing.assert_allclose(exported.max(axis=0), expected.max(axis=0), atol=1e-5)
    spec = scene((obj,))
    pixels = project_points(np.asarray(spec.camera.K), world_to_camera_points(spec.camera.world_to_camera, expected))
    mask = b.instance == 1
    rows, cols = np.nonzero(mask)
    assert mask.sum() > 100
    inside = inside_hull(np.stack([cols, rows], axis=1).astype(float), pixels)
    assert inside.mean() >= 0.99  # the silhouette lies in the projected hull of the spec's vertices
    from scipy.spatial import ConvexHull
    assert 0.8 < mask.sum() / ConvexHull(pixels).volume < 1.2  # and fills it (a box is convex)


@pytest.mark.parametrize("suffix, up", [(".glb", "+Z"), (".glb", None), (".ply", "-X"), (".stl", "+Y")])
def test_the_importers_axes_agree_with_the_samplers(renderer, tmp_path: Path, suffix: str, up: str | None) -> None:
    """Blender's importer and the sampler turn a file the same way (glTF Y-up, PLY/STL Z-up)."""
    import trimesh

    asymmetric = trimesh.creation.box(extents=(0.3, 0.6, 1.2))
    asymmetric.apply_translation((0.1, 0.2, 0.3))
    path = tmp_path / f"box{suffix}"
    asymmetric.export(path)
    axis = f", up_axis: '{up}'" if up else ""
    recipe = write_text(tmp_path, f"objects:\n- {{category: m, mesh: box{suffix}, normalize: {{size: 0.7{axis}}}}}\n")
    (obj,) = objects_of(recipe)
    obj = dataclasses.replace(obj, location=(0.0, 0.0, 0.5), rotation=(0.0, 0.0, 0.0))
    b = renderer.render(scene((obj,)))
    exported = b.mesh.vertices[b.mesh.triangles[b.mesh.triangle_instance == 1].ravel()]
    np.testing.assert_allclose(exported.min(axis=0), world_vertices(obj).min(axis=0), atol=1e-5)
    np.testing.assert_allclose(exported.max(axis=0), world_vertices(obj).max(axis=0), atol=1e-5)
    np.testing.assert_allclose(exported.min(axis=0), np.array(obj.location) + obj.bbox_min, atol=1e-5)


def test_repeated_assets_share_one_imported_mesh(renderer, tmp_path: Path) -> None:
    import bpy

    first = library_object(tmp_path)
    copies = tuple(dataclasses.replace(first, instance_id=i, location=(-0.9 + 0.45 * i, 0.4, 0.0))
                   for i in range(1, 5))
    other = dataclasses.replace(first, instance_id=5, scale=(0.5, 0.5, 0.5),
                                mesh_transform=tuple(tuple(float(i == j) * (0.1 if i < 3 else 1.0) for j in range(4))
                                                     for i in range(4)))
    b = renderer.render(scene((*copies, other)))
    objects = [bpy.data.objects[f"object_{i:04d}"] for i in range(1, 6)]
    assert len({o.data.name for o in objects[:4]}) == 1 and objects[4].data != objects[0].data
    assert {o.pass_index for o in objects} == {1, 2, 3, 4, 5}
    materials = {o.material_slots[0].material.name for o in objects}
    assert len(materials) == 5  # object-linked slots: each instance keeps its sampled material
    assert set(np.unique(b.instance)) == {0, 1, 2, 3, 4, 5}
    for index, obj in enumerate(copies, start=1):  # every duplicate still posed by its own spec
        exported = b.mesh.vertices[b.mesh.triangles[b.mesh.triangle_instance == index].ravel()]
        np.testing.assert_allclose(exported.min(axis=0), world_vertices(obj).min(axis=0), atol=1e-5)


def test_asset_materials_keep_the_files_material(renderer, tmp_path: Path) -> None:
    import bpy

    write(tmp_path / "lib" / "paint.mtl", RED_MTL)
    content = RED_OBJ + box_obj(1.0, 2.0, 4.0)
    green = MaterialSpec(base_color=(0.0, 0.8, 0.0))
    kept = dataclasses.replace(library_object(tmp_path, ", asset_materials: true", content), material=green)
    assert kept.use_asset_materials
    b = renderer.render(scene((kept,)))
    slots = [s.material.name for s in bpy.data.objects["object_0001"].material_slots if s.material]
    assert any(name.startswith("red_paint") for name in slots), slots
    red = b.rgb[b.instance == 1].mean(axis=0)
    assert red[0] > 2 * red[1], red
    replaced = dataclasses.replace(kept, use_asset_materials=False)
    b = renderer.render(scene((replaced,)))
    slots = [s.material.name for s in bpy.data.objects["object_0001"].material_slots if s.material]
    assert slots == ["object_0001_material"]
    colour = b.rgb[b.instance == 1].mean(axis=0)
    assert colour[1] > 2 * colour[0], colour


def test_the_bop_model_of_a_normalized_asset_is_the_file_through_its_transform(renderer, tmp_path: Path) -> None:
    from synthscape.writers.bop_models import MM_PER_M, instance_model, model_center_m, model_key, model_to_world

    obj = library_object(tmp_path)
    b = renderer.render(scene((obj,)))
    vertices, _faces = instance_model(b.mesh, obj)
    imported = to_blender_frame(np.asarray(load_mesh(obj.mesh_path).vertices, float), ".obj")
    expected = (transform_points(obj.mesh_transform, imported) * np.asarray(obj.scale) - model_center_m(obj)) * MM_PER_M
    np.testing.assert_allclose(vertices.min(axis=0), expected.min(axis=0), atol=0.01)
    np.testing.assert_allclose(vertices.max(axis=0), expected.max(axis=0), atol=0.01)
    np.testing.assert_allclose(vertices.min(axis=0), -vertices.max(axis=0), atol=0.01)  # BOP: centred model
    rotation, translation = model_to_world(obj)  # the BOP pose puts the model on the rendered mask
    world = (vertices / MM_PER_M) @ rotation.T + translation
    camera = scene((obj,)).camera
    pixels = project_points(np.asarray(camera.K), world_to_camera_points(camera.world_to_camera, world))
    rows, cols = np.nonzero(b.instance == 1)
    assert inside_hull(np.stack([cols, rows], axis=1).astype(float), pixels).mean() >= 0.99
    plain = dataclasses.replace(obj, mesh_transform=tuple(tuple(float(i == j) for j in range(4)) for i in range(4)))
    assert model_key(obj) != model_key(plain)  # another normalization of one file is another model
