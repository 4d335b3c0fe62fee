"""The fast scene builder: shared primitive meshes, object-linked materials, reuse between frames."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from synthscape.io.images import write_png
from synthscape.spec.camera import intrinsics, look_at
from synthscape.spec.scene_spec import (
    CameraSpec,
    CategorySpec,
    GroundSpec,
    LightSpec,
    MaterialSpec,
    ObjectSpec,
    RenderSpec,
    SceneSpec,
    TextureMapping,
    WorldSpec,
)
from tests.conftest import SCENES

pytestmark = pytest.mark.blender

WIDTH, HEIGHT = 64, 48
CUBE_OBJ = """v -1 -1 -1\nv 1 -1 -1\nv 1 1 -1\nv -1 1 -1\nv -1 -1 1\nv 1 -1 1\nv 1 1 1\nv -1 1 1
f 1 4 3 2\nf 5 6 7 8\nf 1 2 6 5\nf 2 3 7 6\nf 3 4 8 7\nf 4 1 5 8
"""

OPERATOR_CALLS = {
    "cube": ("primitive_cube_add", {"size": 2.0}),
    "sphere": ("primitive_uv_sphere_add", {"segments": 32, "ring_count": 16, "radius": 1.0}),
    "cylinder": ("primitive_cylinder_add", {"vertices": 32, "radius": 1.0, "depth": 2.0}),
    "cone": ("primitive_cone_add", {"vertices": 32, "radius1": 1.0, "radius2": 0.0, "depth": 2.0}),
    "torus": ("primitive_torus_add", {"major_radius": 1.0, "minor_radius": 0.25, "major_segments": 48,
                                      "minor_segments": 12}),
    "monkey": ("primitive_monkey_add", {"size": 2.0}),
    "plane": ("primitive_plane_add", {"size": 2.0}),
}
"""How the builder made each primitive before (one operator call per object)."""


def _camera() -> CameraSpec:
    k = intrinsics(WIDTH, HEIGHT, 35.0, 36.0)
    w2c = look_at(np.array((0.0, -5.0, 2.5)), np.array((0.0, 0.0, 0.3)))
    return CameraSpec(WIDTH, HEIGHT, 35.0, 36.0, tuple(map(tuple, k.tolist())), tuple(map(tuple, w2c.tolist())))


PLAIN = MaterialSpec()


def _obj(instance_id: int, shape: str, x: float, material: MaterialSpec = PLAIN,
         mesh_path: str | None = None, scale: float = 0.45) -> ObjectSpec:
    return ObjectSpec(instance_id=instance_id, category_id=1, shape=shape, location=(x, 0.0, 0.45),
                      rotation=(0.0, 0.0, 0.4 + 0.1 * instance_id), scale=(scale,) * 3, material=material,
                      mesh_path=mesh_path)


def _spec(objects: tuple[ObjectSpec, ...], needs: tuple[str, ...] = ()) -> SceneSpec:
    lights = (LightSpec("sun", (0.0, 0.0, 5.0), (0.3, 0.2, 0.0), 3.0, (1.0, 0.95, 0.9), 5500.0),)
    return SceneSpec(0, 7, _camera(), GroundSpec((4.0, 4.0), MaterialSpec((0.5, 0.5, 0.5))), objects, lights,
                     WorldSpec((0.1, 0.1, 0.2), 1.0), RenderSpec(samples=2, denoise=False),
                     (CategorySpec(1, "a"),), {}, outputs=("meta",) if needs else (), needs=needs)


@pytest.fixture(scope="module")
def texture(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tex") / "checker.png"
    checker = (np.indices((16, 16)).sum(axis=0) % 2 * 200 + 40).astype(np.uint8)
    write_png(path, np.repeat(checker[..., None], 3, axis=2))
    return str(path)


def _mesh_arrays(mesh) -> dict[str, object]:
    co = np.empty(len(mesh.vertices) * 3)
    mesh.vertices.foreach_get("co", co)
    corners = np.empty(len(mesh.loops), dtype=np.int64)
    mesh.loops.foreach_get("vertex_index", corners)
    starts = np.empty(len(mesh.polygons), dtype=np.int64)
    mesh.polygons.foreach_get("loop_start", starts)
    smooth = np.empty(len(mesh.polygons), dtype=bool)
    mesh.polygons.foreach_get("use_smooth", smooth)
    uv = np.empty(len(mesh.loops) * 2)
    mesh.uv_layers.active.data.foreach_get("uv", uv)
    return {"co": co, "corners": corners, "starts": starts, "smooth": smooth, "uv": uv,
            "uv_layers": [layer.name for layer in mesh.uv_layers], "edges": len(mesh.edges)}


@pytest.mark.parametrize("shape", sorted(OPERATOR_CALLS))
def test_primitive_meshes_are_the_add_operators_meshes(renderer, shape: str) -> None:
    import bpy

    from synthscape.blender.primitives import SMOOTH_SHAPES, build_primitive_mesh

    operator, kwargs = OPERATOR_CALLS[shape]
    getattr(bpy.ops.mesh, operator)(**kwargs)
    added = bpy.context.active_object
    if shape in SMOOTH_SHAPES:
        added.data.shade_smooth()
    expected = _mesh_arrays(added.data)
    built = build_primitive_mesh(shape, f"test_{shape}")
    actual = _mesh_arrays(built)
    mesh = added.data
    bpy.data.objects.remove(added)
    bpy.data.meshes.remove(mesh)
    bpy.data.meshes.remove(built)
    for key in ("corners", "starts", "smooth", "uv_layers", "edges"):
        assert np.array_equal(actual[key], expected[key]), key
    np.testing.assert_allclose(actual["co"], expected["co"], atol=1e-6)
    np.testing.assert_allclose(actual["uv"], expected["uv"], atol=1e-6)


def test_objects_of_one_shape_share_one_mesh_and_keep_their_own_materials(renderer) -> None:
    import bpy

    colours = [(0.9, 0.05, 0.05), (0.05, 0.9, 0.05), (0.05, 0.05, 0.9)]
    spec = _spec(tuple(_obj(i + 1, "cube", -1.3 + 1.3 * i, MaterialSpec(c, 0.5), scale=0.4)
                       for i, c in enumerate(colours)), needs=("mesh",))
    buffers = renderer.render(spec)
    cubes = [bpy.data.objects[f"object_{i:04d}"] for i in (1, 2, 3)]
    assert len({obj.data.name for obj in cubes}) == 1
    np.testing.assert_allclose([tuple(obj.active_material.diffuse_color)[:3] for obj in cubes], colours,
                               atol=1e-6)
    assert set(np.unique(buffers.instance)) == {0, 1, 2, 3}
    for instance_id, colour in enumerate(colours, start=1):
        mean = buffers.rgb[buffers.instance == instance_id].mean(axis=0)
        assert int(np.argmax(mean)) == int(np.argmax(colour)), (instance_id, mean)
    mesh = buffers.mesh  # the LiDAR export: each object its own triangles and reflectivity
    for instance_id, x in zip((1, 2, 3), (-1.3, 0.0, 1.3)):
        vertices = mesh.vertices[mesh.triangles[mesh.triangle_instance == instance_id].ravel()]
        np.testing.assert_allclose(vertices.mean(axis=0)[0], x, atol=1e-4)
    reflectivity = {i: float(mesh.triangle_reflectivity[mesh.triangle_instance == i][0]) for i in (1, 2, 3)}
    assert reflectivity[2] > reflectivity[1] > reflectivity[3]  # Rec. 709 weights: green > red > blue


def _scene_state() -> dict[str, object]:
    """Everything of the built frame that the render depends on, per object (names kept)."""
    import bpy

    def socket_values(material) -> list[object]:
        nodes = sorted(material.node_tree.nodes, key=lambda n: n.name)
        values = []
        for node in nodes:
            for socket in [*node.inputs, *node.outputs]:
                value = getattr(socket, "default_value", None)
                values.append((node.name, socket.identifier,
                               tuple(value) if hasattr(value, "__len__") else value))
            values.append((node.name, "image", getattr(getattr(node, "image", None), "filepath", None)))
        links = sorted((link.from_node.name, link.from_socket.identifier, link.to_node.name,
                        link.to_socket.identifier) for link in material.node_tree.links)
        return [values, links, tuple(material.diffuse_color)]

    state = {}
    for obj in bpy.data.objects:
        material = obj.active_material
        state[obj.name] = (obj.type, getattr(obj.data, "name", None) if obj.type == "MESH" and
                           obj.data.name.startswith("synthscape_primitive_") else obj.type,
                           tuple(obj.location), tuple(obj.rotation_euler), tuple(obj.scale), obj.pass_index,
                           socket_values(material) if material is not None else None)
    return state


def test_a_frame_built_on_the_previous_one_equals_a_fresh_build(renderer, texture: str, tmp_path: Path) -> None:
    import bpy

    from synthscape.blender.scene_builder import clear_frame, datablock_counts

    mesh_file = tmp_path / "box.obj"
    mesh_file.write_text(CUBE_OBJ)
    textured = MaterialSpec((0.9, 0.2, 0.2), 0.4, 0.0, texture_path=texture,
                            texture_mapping=TextureMapping("box", 2.0, 0.3, (0.1, 0.2)))
    noisy = MaterialSpec((0.2, 0.8, 0.2), 0.3, 0.5, noise_scale=4.0, noise_strength=0.6)
    first = _spec((_obj(1, "cube", -1.3, textured), _obj(2, "sphere", 0.0, noisy), _obj(3, "monkey", 1.3),
                   _obj(4, "torus", 2.0)))
    second = _spec((
        _obj(1, "sphere", -1.2, noisy),  # other shape, other node layout
        _obj(2, "sphere", 0.1, dataclasses.replace(noisy, base_color=(0.7, 0.6, 0.1), noise_scale=9.0)),
        _obj(3, "mesh", 1.2, mesh_path=str(mesh_file), scale=0.3),  # a primitive before, a file now
        _obj(5, "cone", 2.2, dataclasses.replace(textured, texture_mapping=TextureMapping("uv", 3.0, 0.1, (0.0, 0.5)))),
    ))  # object 4 is gone, object 5 is new
    renderer.render(first)
    pointers = {name: bpy.data.objects[name].as_pointer() for name in ("object_0001", "object_0002")}
    material = bpy.data.objects["object_0002"].active_material.as_pointer()
    reused = renderer.render(second)
    assert {name: bpy.data.objects[name].as_pointer() for name in pointers} == pointers  # kept, not rebuilt
    assert bpy.data.objects["object_0002"].active_material.as_pointer() == material  # same layout: values only
    reused_state, reused_counts = _scene_state(), datablock_counts()
    clear_frame()  # no reuse: everything of the second frame is built from scratch
    fresh = renderer.render(second)
    assert _scene_state() == reused_state
    assert datablock_counts() == reused_counts
    assert np.array_equal(reused.instance, fresh.instance)
    assert np.array_equal(reused.depth, fresh.depth)
    np.testing.assert_allclose(reused.normal, fresh.normal, atol=1e-6)
    np.testing.assert_allclose(reused.rgb, fresh.rgb, atol=1e-5)
    assert set(np.unique(fresh.instance)) >= {1, 2, 3, 5}


def test_datablocks_stay_flat_over_many_frames(renderer) -> None:
    import bpy

    from synthscape.blender.scene_builder import (
        datablock_counts,
        shared_primitive_counts,
    )
    from synthscape.recipe.load import load_recipe
    from synthscape.spec.sample import sample_scene

    recipe = load_recipe(SCENES / "tabletop.yaml")
    for index in range(8):
        spec = sample_scene(recipe, 0, index, resolution=(WIDTH, HEIGHT), samples=1)
        renderer.build(spec)
        counts = datablock_counts()
        assert counts["objects"] == 1 + len(spec.objects) + len(spec.lights) + 1
        assert counts["materials"] == 1 + len(spec.objects)
        assert len(bpy.data.materials) == counts["materials"]
        mesh_files = {o.mesh_path for o in spec.objects if o.shape == "mesh"}  # one mesh per file and frame
        assert len(bpy.data.meshes) <= 1 + len(shared_primitive_counts()) + len(mesh_files)
    assert set(shared_primitive_counts().values()) == {1}


def test_the_preview_build_makes_new_objects_and_leaves_others_alone(renderer) -> None:
    import bpy

    from synthscape.blender.scene_builder import build_scene, clear_frame

    clear_frame()
    mine = bpy.data.objects.new("object_0001", bpy.data.meshes.new("mine"))  # a user's object of that name
    bpy.context.scene.collection.objects.link(mine)
    before = set(bpy.data.objects)
    instance_of = build_scene(_spec((_obj(1, "cube", 0.0),)), bpy.context.scene)  # as addon/operators/preview.py
    new = set(bpy.data.objects) - before
    assert mine.data.name == "mine" and mine.location[:] == (0.0, 0.0, 0.0)
    assert {o.name for o in new if instance_of.get(o.name) == 1} == {"object_0001.001"}
    clear_frame()
