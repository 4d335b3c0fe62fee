"""The Blender layer: one Cycles render per frame, buffers, datablock hygiene, device choice."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from synthscape.io.images import write_png
from synthscape.spec.camera import intrinsics, look_at
from synthscape.spec.scene_spec import (CameraSpec, CategorySpec, GroundSpec, LightSpec,
                                        MaterialSpec, ObjectSpec, RenderSpec, SceneSpec,
                                        TextureMapping, WorldSpec)

pytestmark = pytest.mark.blender

WIDTH, HEIGHT = 64, 48
EYE, TARGET = (0.0, -5.0, 2.5), (0.0, 0.0, 0.3)
CUBE_OBJ = """v -1 -1 -1\nv 1 -1 -1\nv 1 1 -1\nv -1 1 -1\nv -1 -1 1\nv 1 -1 1\nv 1 1 1\nv -1 1 1
f 1 4 3 2\nf 5 6 7 8\nf 1 2 6 5\nf 2 3 7 6\nf 3 4 8 7\nf 4 1 5 8
"""


def _camera() -> CameraSpec:
    k = intrinsics(WIDTH, HEIGHT, 35.0, 36.0)
    w2c = look_at(np.array(EYE), np.array(TARGET))
    return CameraSpec(WIDTH, HEIGHT, 35.0, 36.0, tuple(map(tuple, k.tolist())),
                      tuple(map(tuple, w2c.tolist())))


def _obj(instance_id: int, shape: str, x: float, material: MaterialSpec = MaterialSpec(),
         mesh_path: str | None = None) -> ObjectSpec:
    return ObjectSpec(instance_id=instance_id, category_id=1 + instance_id % 2, shape=shape,
                      location=(x, 0.0, 0.45), rotation=(0.0, 0.0, 0.4), scale=(0.45,) * 3,
                      material=material, mesh_path=mesh_path)


def _spec(objects: tuple[ObjectSpec, ...], extras: dict | None = None) -> SceneSpec:
    lights = (LightSpec("sun", (0.0, 0.0, 5.0), (0.3, 0.2, 0.0), 3.0, (1.0, 0.95, 0.9), 5500.0),
              LightSpec("point", (2.0, -2.0, 3.0), (0.0, 0.0, 0.0), 200.0, (1.0, 1.0, 1.0), 6500.0))
    return SceneSpec(0, 7, _camera(), GroundSpec((4.0, 4.0), MaterialSpec((0.5, 0.5, 0.5))),
                     objects, lights, WorldSpec((0.1, 0.1, 0.2), 1.0), RenderSpec(samples=2),
                     (CategorySpec(1, "a"), CategorySpec(2, "b")), extras or {})


@pytest.fixture(scope="module")
def texture(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("tex") / "checker.png"
    checker = (np.indices((16, 16)).sum(axis=0) % 2 * 200 + 40).astype(np.uint8)
    write_png(path, np.repeat(checker[..., None], 3, axis=2))
    return str(path)


@pytest.fixture(scope="module")
def three_objects(texture: str) -> SceneSpec:
    textured = MaterialSpec((0.9, 0.2, 0.2), 0.4, 0.0, texture_path=texture,
                            texture_mapping=TextureMapping("box", 2.0, 0.3, (0.1, 0.2)))
    noisy = MaterialSpec((0.2, 0.8, 0.2), 0.3, 0.5, noise_scale=4.0, noise_strength=0.6)
    return _spec((_obj(1, "cube", 0.0, textured), _obj(2, "sphere", 1.3, noisy),
                  _obj(3, "monkey", -1.3)))


@pytest.fixture(scope="module")
def raw_and_buffers(renderer, three_objects):
    """The buffers of the three-object scene and the raw EXR channels they came from."""
    import synthscape.blender.render as render_module

    raw: dict = {}
    original = render_module.read_exr

    def spy(path):
        raw.update(original(path))
        return dict(raw)

    render_module.read_exr = spy
    try:
        buffers = renderer.render(three_objects)
    finally:
        render_module.read_exr = original
    return raw, buffers


def test_buffer_shapes_and_dtypes(raw_and_buffers) -> None:
    _, b = raw_and_buffers
    assert b.rgb.shape == (HEIGHT, WIDTH, 3) and b.rgb.dtype == np.float32
    assert b.depth.shape == (HEIGHT, WIDTH) and b.depth.dtype == np.float32
    assert b.normal.shape == (HEIGHT, WIDTH, 3) and b.normal.dtype == np.float32
    assert b.instance.shape == (HEIGHT, WIDTH) and b.instance.dtype == np.uint16
    assert b.mesh is None
    assert np.isfinite(b.rgb).all() and b.rgb.max() > 0.05


def test_object_index_is_integer_and_matches_spec(raw_and_buffers, three_objects) -> None:
    raw, b = raw_and_buffers
    index = next(v for k, v in raw.items() if "Object Index" in k)
    np.testing.assert_array_equal(index, np.rint(index))
    assert set(np.unique(b.instance)) == {0} | {o.instance_id for o in three_objects.objects}


def test_objects_appear_where_the_camera_projects_them(raw_and_buffers, three_objects) -> None:
    _, b = raw_and_buffers
    k, w2c = np.array(three_objects.camera.K), np.array(three_objects.camera.world_to_camera)
    for obj in three_objects.objects:
        p = w2c @ np.array([*obj.location, 1.0])
        u, v = np.rint((k @ p[:3])[:2] / p[2]).astype(int)
        window = b.instance[v - 1:v + 2, u - 1:u + 2]
        assert (window == obj.instance_id).sum() >= 5, (obj.shape, u, v)


def test_depth_and_normals(raw_and_buffers) -> None:
    _, b = raw_and_buffers
    hit = np.isfinite(b.depth)
    assert hit[b.instance > 0].all()
    ground = hit & (b.instance == 0)
    assert ground.sum() > 100
    sky = ~hit
    assert sky[0].all() and (b.instance[sky] == 0).all() and (b.normal[sky] == 0).all()
    assert np.isinf(b.depth[0]).all()
    np.testing.assert_allclose(np.linalg.norm(b.normal[hit], axis=-1), 1.0, atol=1e-4)
    assert (b.depth[hit] > 2.0).all() and (b.depth[hit] < 10.0).all()
    # Ground pixels away from any object face straight up.
    interior = ground & (b.normal[..., 2] > 0.99)
    assert interior.sum() > 0.8 * ground.sum()


def test_next_frame_leaves_no_datablocks(renderer, three_objects, texture, tmp_path) -> None:
    import bpy

    from synthscape.blender.scene_builder import datablock_counts

    renderer.render(three_objects)
    first = datablock_counts()
    assert "checker.png" in {i.name for i in bpy.data.images}
    assert first["objects"] == 1 + 3 + 2 + 1  # ground, objects, lights, camera
    mesh_file = tmp_path / "box.obj"
    mesh_file.write_text(CUBE_OBJ)
    other = _spec((_obj(1, "cylinder", -0.8), _obj(2, "mesh", 0.8, mesh_path=str(mesh_file))))
    b = renderer.render(other)
    second = datablock_counts()
    assert {i.name for i in bpy.data.images} <= {"Render Result"}
    assert second["images"] == first["images"] - 1 and second["objects"] == 1 + 2 + 2 + 1
    assert second["materials"] == 1 + 2 and second["meshes"] == 1 + 2
    assert not {o.name for o in bpy.data.objects} & {"object_0003"}
    assert set(np.unique(b.instance)) == {0, 1, 2}
    renderer.render(three_objects)
    assert datablock_counts() == first


def test_lidar_request_exports_scene_mesh(renderer) -> None:
    spec = _spec((_obj(1, "cube", 0.0), _obj(2, "torus", 1.3))).with_lidar({"on": True})
    b = renderer.render(spec)
    assert b.mesh is not None
    assert set(np.unique(b.mesh.triangle_instance)) == {0, 1, 2}
    cube = b.mesh.vertices[b.mesh.triangles[b.mesh.triangle_instance == 1].ravel()]
    np.testing.assert_allclose(cube.min(axis=0)[2], 0.0, atol=1e-5)  # 0.45 - 0.45


@pytest.mark.parametrize("shape", ["cube", "sphere", "cylinder", "cone", "torus", "monkey"])
def test_primitive_bounds_match_the_sampler(renderer, shape: str) -> None:
    from synthscape.spec.shapes import PRIMITIVE_BOUNDS

    obj = dataclasses.replace(_obj(1, shape, 0.2), rotation=(0.0, 0.0, 0.0))
    b = renderer.render(_spec((obj,)).with_lidar({"on": True}))
    vertices = b.mesh.vertices[b.mesh.triangles[b.mesh.triangle_instance == 1].ravel()]
    low, high = (np.array(obj.location) + np.array(obj.scale) * np.array(x)
                 for x in PRIMITIVE_BOUNDS[shape])
    np.testing.assert_allclose(vertices.min(axis=0), low, atol=1e-5)
    np.testing.assert_allclose(vertices.max(axis=0), high, atol=1e-5)


@pytest.mark.parametrize("suffix", ["obj", "ply", "stl"])
def test_mesh_file_lands_where_the_sampler_expects(renderer, tmp_path: Path, suffix: str) -> None:
    import open3d as o3d

    from synthscape.spec.shapes import mesh_file_bounds

    box = o3d.geometry.TriangleMesh.create_box(0.5, 1.0, 2.0).translate((0.1, 0.2, 0.3))
    box.compute_triangle_normals()  # STL needs them
    path = str(tmp_path / f"box.{suffix}")
    assert o3d.io.write_triangle_mesh(path, box)
    low, high = mesh_file_bounds(path)
    location, scale = np.array([0.3, -0.2, 0.5]), np.array([0.4, 0.5, 0.6])
    spec = ObjectSpec(1, 1, "mesh", tuple(location), (0.0, 0.0, 0.0), tuple(scale), MaterialSpec(),
                      mesh_path=path)
    b = renderer.render(_spec((spec,)).with_lidar({"on": True}))
    vertices = b.mesh.vertices[b.mesh.triangles[b.mesh.triangle_instance == 1].ravel()]
    np.testing.assert_allclose(vertices.min(axis=0), location + scale * np.array(low), atol=1e-5)
    np.testing.assert_allclose(vertices.max(axis=0), location + scale * np.array(high), atol=1e-5)
    assert 1 in np.unique(b.instance)


def test_hdri_world_lights_the_sky(renderer, tmp_path: Path) -> None:
    from synthscape.io.images import write_exr

    colour = (0.2, 0.4, 0.8)
    path = tmp_path / "sky.exr"
    write_exr(path, {c: np.full((8, 16), v, np.float32) for c, v in zip("RGB", colour)})
    spec = dataclasses.replace(_spec(()), world=WorldSpec(hdri_path=str(path), strength=2.0,
                                                          hdri_rotation=0.5))
    b = renderer.render(spec)
    sky_rows = np.isinf(b.depth).all(axis=1)
    sky_rows[1:-1] &= sky_rows[:-2] & sky_rows[2:]  # the 1.5 px pixel filter blends neighbours
    assert sky_rows.sum() >= 5
    sky = b.rgb[sky_rows].reshape(-1, 3)
    np.testing.assert_allclose(sky, np.broadcast_to(np.multiply(colour, 2.0), sky.shape), rtol=1e-3)


def test_gpu_request_without_gpu_is_a_clear_error_and_auto_falls_back() -> None:
    import bpy

    from synthscape.blender.device import DeviceUnavailableError, select_device

    scene = bpy.context.scene
    try:
        gpu = select_device("gpu", scene)
    except DeviceUnavailableError as error:
        assert "gpu" in str(error) and "--device cpu" in str(error)
        auto = select_device("auto", scene)
        assert auto.backend == "CPU" and scene.cycles.device == "CPU"
    else:
        assert gpu.backend != "CPU" and scene.cycles.device == "GPU"
        assert select_device("auto", scene).backend == gpu.backend
    assert select_device("cpu", scene).backend == "CPU" and scene.cycles.device == "CPU"
    with pytest.raises(ValueError, match="auto, cpu or gpu"):
        select_device("tpu", scene)


def test_renderer_reports_its_device_for_the_pipeline(renderer) -> None:
    import bpy

    assert renderer.device_info["type"] == "CPU" and renderer.device_info["requested"] == "cpu"
    assert renderer.blender_version == bpy.app.version_string
    assert renderer.device_info["blender_version"] == renderer.blender_version
    assert renderer.device_info["names"] and bpy.context.scene.cycles.device == "CPU"


def test_missing_texture_names_the_key(renderer, tmp_path: Path) -> None:
    bad = MaterialSpec(texture_path=str(tmp_path / "nope.png"))
    with pytest.raises(FileNotFoundError, match="texture_path"):
        renderer.render(_spec((_obj(1, "cube", 0.0, bad),)))
