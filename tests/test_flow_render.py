"""Optical flow from Cycles' vector pass agrees with flow from depth, K and the poses (real renders)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from synthscape.recipe.load import load_recipe
from synthscape.spec.camera import euler_xyz_to_matrix
from synthscape.spec.flow_geometry import spec_flow, visible_in_other
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import MotionSpec, ObjectMotionSpec, PoseSpec, SceneSpec
from conftest import SCENES

pytestmark = pytest.mark.blender

EPE_PX = 0.1
SHARE = 0.95


def _matrix(m: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in m)


def _moved_camera(w2c: np.ndarray, shift: np.ndarray, yaw_deg: float) -> np.ndarray:
    """A camera pose moved by ``shift`` (world, m) and turned by ``yaw_deg`` about its own y axis."""
    cam_to_world = np.linalg.inv(w2c)
    cam_to_world[:3, 3] += shift
    turn = np.eye(4)
    turn[:3, :3] = euler_xyz_to_matrix((0.0, math.radians(yaw_deg), 0.0))
    return np.linalg.inv(cam_to_world @ turn)


@pytest.fixture(scope="module")
def still() -> SceneSpec:
    spec = sample_scene(load_recipe(SCENES / "minimal.yaml"), 3, 0, resolution=(96, 72), samples=1)
    return dataclasses.replace(spec, needs=("flow",), render=dataclasses.replace(spec.render, samples=1))


def _sequence_frame(still: SceneSpec, camera_step: np.ndarray, yaw_deg: float,
                    object_step: np.ndarray | None = None, spin_deg: float = 0.0) -> tuple[SceneSpec, SceneSpec]:
    """The frame (with motion to the next frame) and the next frame itself, for occlusion tests."""
    w2c = np.asarray(still.camera.world_to_camera)
    nxt, prv = _moved_camera(w2c, camera_step, yaw_deg), _moved_camera(w2c, -camera_step, -yaw_deg)
    moving = ()
    objects_next = still.objects
    if object_step is not None:
        first = still.objects[0]
        loc, rot = np.asarray(first.location), np.asarray(first.rotation)
        spin = np.array([0.0, 0.0, math.radians(spin_deg)])
        moving = (ObjectMotionSpec(first.instance_id, PoseSpec(tuple(loc - object_step), tuple(rot - spin)),
                                   PoseSpec(tuple(loc + object_step), tuple(rot + spin))),)
        moved = dataclasses.replace(first, location=tuple(loc + object_step), rotation=tuple(rot + spin))
        objects_next = (moved, *still.objects[1:])
    motion = MotionSpec(dt_s=0.1, camera_previous=_matrix(prv), camera_next=_matrix(nxt), objects=moving)
    frame = dataclasses.replace(still, motion=motion)
    following = dataclasses.replace(still, objects=objects_next, motion=None, needs=(),
                                    camera=dataclasses.replace(still.camera, world_to_camera=_matrix(nxt)))
    return frame, following


def _epe_share(rendered: np.ndarray, expected: np.ndarray, mask: np.ndarray) -> float:
    error = np.linalg.norm(rendered[mask] - expected[mask], axis=-1)
    return float(np.mean(error <= EPE_PX))


def test_static_scene_moving_camera_flow_matches_reprojection(renderer, still) -> None:
    frame, following = _sequence_frame(still, np.array([0.05, -0.04, 0.03]), 1.5)
    buffers = renderer.render(frame)
    after = renderer.render(following)
    assert buffers.flow_forward is not None and buffers.flow_backward is not None
    expected, other_depth = spec_flow(frame, buffers.depth, buffers.instance, "next")
    hit = np.isfinite(buffers.depth)
    visible = visible_in_other(expected, other_depth, after.depth) & hit
    assert visible.sum() > 0.8 * hit.sum()
    moving = np.linalg.norm(np.nan_to_num(expected[visible]), axis=-1)
    assert np.median(moving) > 1.0  # the check is about real motion, not zeros
    assert _epe_share(buffers.flow_forward, expected, visible) >= SHARE
    backward, _ = spec_flow(frame, buffers.depth, buffers.instance, "previous")
    assert _epe_share(buffers.flow_backward, backward, hit & np.isfinite(backward).all(axis=-1)) >= SHARE
    # Warping frame t+1's depth back with the forward flow lands on frame t's reprojected depth.
    h, w = after.depth.shape
    xs = np.clip(np.rint(np.arange(w)[None, :] + buffers.flow_forward[..., 0]), 0, w - 1).astype(int)
    ys = np.clip(np.rint(np.arange(h)[:, None] + buffers.flow_forward[..., 1]), 0, h - 1).astype(int)
    warped = after.depth[ys, xs]
    close = np.abs(warped[visible] - other_depth[visible]) <= 0.02 * other_depth[visible]
    assert close.mean() >= SHARE


def test_moving_object_flow_matches_its_rigid_motion(renderer, still) -> None:
    frame, following = _sequence_frame(still, np.zeros(3), 0.0, np.array([0.06, 0.03, 0.0]), 8.0)
    buffers = renderer.render(frame)
    after = renderer.render(following)
    expected, other_depth = spec_flow(frame, buffers.depth, buffers.instance, "next")
    target = frame.objects[0].instance_id
    on_object = (buffers.instance == target) & visible_in_other(expected, other_depth, after.depth)
    assert on_object.sum() > 30
    assert np.median(np.linalg.norm(expected[on_object], axis=-1)) > 1.0
    assert _epe_share(buffers.flow_forward, expected, on_object) >= SHARE
    background = (buffers.instance == 0) & np.isfinite(buffers.depth)
    assert np.abs(buffers.flow_forward[background]).max() < 1e-3  # a still camera: the rest stands still


def test_stills_render_no_flow(renderer, still) -> None:
    buffers = renderer.render(dataclasses.replace(still, needs=()))
    assert buffers.flow_forward is None and buffers.flow_backward is None


def test_sequence_motion_blur_keeps_sharp_labels_and_flow(renderer, still) -> None:
    from synthscape.spec.optics import OpticsSpec

    frame, _ = _sequence_frame(still, np.zeros(3), 0.0, np.array([0.08, 0.0, 0.0]))
    sharp = renderer.render(frame)
    blurred_spec = dataclasses.replace(frame, optics=OpticsSpec(shutter_s=0.1),
                                       render=dataclasses.replace(frame.render, samples=8))
    blurred = renderer.render(blurred_spec)
    np.testing.assert_array_equal(blurred.instance, sharp.instance)
    np.testing.assert_array_equal(blurred.depth, sharp.depth)
    assert blurred.flow_forward is not None
    np.testing.assert_allclose(blurred.flow_forward, sharp.flow_forward, atol=1e-4)
    crisp = renderer.render(dataclasses.replace(frame, render=blurred_spec.render))
    moving = sharp.instance == frame.objects[0].instance_id
    edge = np.zeros_like(moving)
    edge[:, 1:] |= moving[:, 1:] != moving[:, :-1]
    edge[:, :-1] |= moving[:, 1:] != moving[:, :-1]
    change = np.abs(blurred.rgb - crisp.rgb).mean(axis=-1)
    assert change[edge].mean() > 3 * change[~edge].mean()  # smeared along the motion, noise elsewhere
