"""Depth pass against analytic geometry: planar z in metres, within 1 mm."""

from __future__ import annotations

import numpy as np
import pytest

from synthscape.spec.camera import intrinsics, look_at
from synthscape.spec.scene_spec import (CameraSpec, GroundSpec, LightSpec, MaterialSpec,
                                        ObjectSpec, RenderSpec, SceneSpec, WorldSpec)

pytestmark = pytest.mark.blender

WIDTH, HEIGHT = 64, 48


def _camera(eye: tuple[float, float, float], target: tuple[float, float, float]) -> CameraSpec:
    k = intrinsics(WIDTH, HEIGHT, 35.0, 36.0)
    w2c = look_at(np.array(eye), np.array(target))
    return CameraSpec(WIDTH, HEIGHT, 35.0, 36.0, tuple(map(tuple, k.tolist())),
                      tuple(map(tuple, w2c.tolist())))


def _spec(camera: CameraSpec, ground: GroundSpec | None,
          objects: tuple[ObjectSpec, ...]) -> SceneSpec:
    sun = LightSpec("sun", (0.0, 0.0, 5.0), (0.4, 0.1, 0.0), 3.0, (1.0, 1.0, 1.0), 6500.0)
    return SceneSpec(0, 0, camera, ground, objects, (sun,), WorldSpec(), RenderSpec(samples=2), ())


@pytest.mark.parametrize("distance", [3.7, 11.25])
def test_fronto_parallel_face_has_constant_depth(renderer, distance: float) -> None:
    # A cube face in the plane y = 0, seen head-on from y = -distance.
    wall = ObjectSpec(instance_id=1, category_id=1, shape="cube", location=(0.0, distance, 1.0),
                      rotation=(0.0, 0.0, 0.0), scale=(distance,) * 3, material=MaterialSpec())
    spec = _spec(_camera((0.0, -distance, 1.0), (0.0, 0.0, 1.0)), None, (wall,))
    buffers = renderer.render(spec)
    face = buffers.instance == 1
    assert face.all()  # the face (2 * distance wide) fills the 54-degree view
    np.testing.assert_allclose(buffers.depth[face], distance, atol=1e-3)


def test_tilted_ground_matches_ray_plane_intersection(renderer) -> None:
    eye = np.array([0.3, -3.0, 2.0])
    camera = _camera(tuple(eye), (0.0, 0.0, 0.0))
    buffers = renderer.render(_spec(camera, GroundSpec((60.0, 60.0), MaterialSpec()), ()))
    k, w2c = np.array(camera.K), np.array(camera.world_to_camera)
    u, v = np.meshgrid(np.arange(WIDTH), np.arange(HEIGHT))
    rays = np.linalg.inv(k) @ np.stack([u.ravel(), v.ravel(), np.ones(u.size)])  # z = 1
    world_dirs = w2c[:3, :3].T @ rays
    t = -eye[2] / world_dirs[2]
    expected = np.where(t > 0, t, np.inf).reshape(HEIGHT, WIDTH)
    on_ground = np.isfinite(expected) & (expected < 20.0)
    assert on_ground.sum() > WIDTH * HEIGHT // 2
    assert np.isfinite(buffers.depth[on_ground]).all()
    np.testing.assert_allclose(buffers.depth[on_ground], expected[on_ground], atol=1e-3)
    assert (buffers.instance[on_ground] == 0).all()
    up = np.broadcast_to([0.0, 0.0, 1.0], buffers.normal[on_ground].shape)
    np.testing.assert_allclose(buffers.normal[on_ground], up, atol=1e-4)
