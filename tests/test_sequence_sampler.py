"""Sequences: frame g -> (sequence, step), trajectories, object motion and the motion record (no bpy)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from synthscape.spec.camera import euler_xyz_to_matrix
from synthscape.spec.sample import sample_frame, sample_still
from synthscape.spec.scene_spec import spec_to_json
from synthscape.spec.trajectory import rotation_log
from tests.sequence_support import camera_centre, move_objects, sequence_plan

FPS = 10.0


def _frames(plan, frames):
    return [sample_frame(plan, g) for g in frames]


def test_frame_alone_equals_frame_in_a_loop_in_any_order(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 3, "fps": FPS, "camera": {"trajectory": "orbit",
                                                                          "shake": {"amplitude": [0.01] * 3}}},
                         frames=9, edit=move_objects([{"uniform": [-1, 1]}, 0.2, 0], [0, 0, 30]))
    forward = [spec_to_json(s) for s in _frames(plan, range(9))]
    backward = [spec_to_json(s) for s in _frames(plan, reversed(range(9)))][::-1]
    assert forward == backward
    assert spec_to_json(sample_frame(plan, 7)) == forward[7]
    shard = sequence_plan(tmp_path / "shard", {"frames": 3, "fps": FPS, "camera": {
        "trajectory": "orbit", "shake": {"amplitude": [0.01] * 3}}}, frames=9,
        edit=move_objects([{"uniform": [-1, 1]}, 0.2, 0], [0, 0, 30]), frame_indices=[4, 8])
    assert [spec_to_json(sample_frame(shard, g)) for g in shard.frame_indices()] == [forward[4], forward[8]]
    assert len(set(forward)) == 9


def test_clock_and_frame_index(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 4, "fps": 25.0}, frames=8)
    for g, spec in enumerate(_frames(plan, range(8))):
        assert spec.frame_index == g
        assert (spec.clock.sequence, spec.clock.step, spec.clock.fps) == (g // 4, g % 4, 25.0)
        assert spec.clock.time_s == pytest.approx((g % 4) / 25.0, abs=1e-15)
        assert spec.motion is not None and spec.motion.dt_s == pytest.approx(1 / 25.0)


def test_each_sequence_is_one_scene_the_still_of_its_index(tmp_path: Path) -> None:
    """The layout of sequence s is today's still sampler at frame index s; other sequences differ."""
    seq = sequence_plan(tmp_path / "seq", {"frames": 3, "fps": FPS}, frames=6)
    still = sequence_plan(tmp_path / "still", None, frames=6)
    for s in range(2):
        _, layout = sample_still(still, s)
        for t in range(3):
            frame = sample_frame(seq, 3 * s + t)
            assert frame.objects == layout.objects and frame.lights == layout.lights
            assert frame.world == layout.world and frame.ground == layout.ground
            assert frame.camera == layout.camera  # a static camera keeps the sampled pose
    assert sample_frame(seq, 0).objects != sample_frame(seq, 3).objects


def test_orbit_keeps_radius_and_height_and_turns_at_its_speed(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 12, "fps": FPS, "camera": {
        "trajectory": "orbit", "angular_speed": 45.0, "direction": "cw"}}, frames=12)
    specs = _frames(plan, range(12))
    centres = np.array([camera_centre(s.camera.world_to_camera) for s in specs])  # camera.target is the origin
    radii = np.hypot(centres[:, 0], centres[:, 1])
    np.testing.assert_allclose(radii, radii[0], rtol=1e-12)
    np.testing.assert_allclose(centres[:, 2], centres[0, 2], rtol=1e-12)
    azimuth = np.unwrap(np.arctan2(centres[:, 1], centres[:, 0]))
    np.testing.assert_allclose(np.diff(azimuth), -math.radians(45.0) / FPS, rtol=1e-9)
    for spec in specs:  # the orbit looks at the target: the origin projects to the principal point
        point = np.asarray(spec.camera.world_to_camera) @ np.array([0.0, 0.0, 0.0, 1.0])
        assert abs(point[0]) < 1e-9 and abs(point[1]) < 1e-9 and point[2] > 0


def test_spline_passes_through_its_waypoints(tmp_path: Path) -> None:
    waypoints = [[3.0, 1.0, 2.0], [2.0, 2.5, 1.5], [0.5, 3.0, 2.2]]
    plan = sequence_plan(tmp_path, {"frames": 7, "fps": FPS, "camera": {
        "trajectory": "spline", "waypoints": waypoints, "duration_s": 0.6}}, frames=7)
    specs = _frames(plan, range(7))
    centres = [camera_centre(s.camera.world_to_camera) for s in specs]
    _, still = sample_still(plan, 0)
    np.testing.assert_allclose(centres[0], camera_centre(still.camera.world_to_camera), atol=1e-12)
    for frame, waypoint in zip((2, 4, 6), waypoints):  # 4 waypoints over 0.6 s: every 0.2 s = 2 frames
        np.testing.assert_allclose(centres[frame], waypoint, atol=1e-12)
    assert np.linalg.norm(centres[1] - centres[0]) > 0.05  # it moves between waypoints


def test_random_spline_waypoints_are_sampled_per_sequence(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 5, "fps": FPS, "camera": {"trajectory": "spline", "count": 3}},
                         frames=10)
    first = [camera_centre(s.camera.world_to_camera) for s in _frames(plan, range(5))]
    second = [camera_centre(s.camera.world_to_camera) for s in _frames(plan, range(5, 10))]
    assert np.linalg.norm(first[4] - first[0]) > 1e-3
    assert not np.allclose(np.array(first) - first[0], np.array(second) - second[0])


def test_dolly_moves_at_its_velocity_with_a_fixed_orientation(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 5, "fps": FPS, "camera": {
        "trajectory": "dolly", "velocity": [0.5, -0.25, 0.1]}}, frames=5)
    specs = _frames(plan, range(5))
    c0 = camera_centre(specs[0].camera.world_to_camera)
    for t, spec in enumerate(specs):
        np.testing.assert_allclose(camera_centre(spec.camera.world_to_camera), c0 + np.array([0.5, -0.25, 0.1]) * t / FPS,
                                   atol=1e-12)
        np.testing.assert_allclose(np.asarray(spec.camera.world_to_camera)[:3, :3],
                                   np.asarray(specs[0].camera.world_to_camera)[:3, :3], atol=1e-12)
        np.testing.assert_allclose(spec.motion.camera_linear_velocity, [0.5, -0.25, 0.1], atol=1e-8)
        np.testing.assert_allclose(spec.motion.camera_angular_velocity, 0.0, atol=1e-8)
    # the first frame's previous pose is extrapolated along the trajectory
    np.testing.assert_allclose(camera_centre(specs[0].motion.camera_previous),
                               c0 - np.array([0.5, -0.25, 0.1]) / FPS, atol=1e-12)


def test_dolly_speed_defaults_to_the_viewing_direction(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 2, "fps": FPS, "camera": {"trajectory": "dolly", "speed": 2.0}},
                         frames=2)
    a, b = _frames(plan, range(2))
    forward = np.asarray(a.camera.world_to_camera)[2, :3]
    step = camera_centre(b.camera.world_to_camera) - camera_centre(a.camera.world_to_camera)
    np.testing.assert_allclose(step, forward * 2.0 / FPS, atol=1e-12)


def _euler_matrix(rotation) -> np.ndarray:
    return euler_xyz_to_matrix(tuple(rotation))


@pytest.mark.parametrize("camera", [
    {"trajectory": "orbit", "angular_speed": 40.0},
    {"trajectory": "spline", "count": 4, "duration_s": 2.0},
    {"trajectory": "random_walk", "amplitude": [0.05, 0.05, 0.02], "frequency": 0.4, "rotation": 1.0},
])
def test_velocities_equal_finite_differences_of_the_poses(tmp_path: Path, camera: dict) -> None:
    path = [{"t": 0.0}, {"t": 0.3, "location": [0.1, 0.2, 0.0], "rotation": [0, 0, 20]},
            {"t": 0.9, "location": [0.3, 0.1, 0.05]}]
    plan = sequence_plan(tmp_path, {"frames": 10, "fps": 50.0, "camera": camera}, frames=10,
                         edit=move_objects([0.3, -0.2, 0.0], [0, 0, 60], path))
    specs = _frames(plan, range(10))
    dt = 1 / 50.0
    for t in range(1, 9):
        prev, spec, nxt = specs[t - 1], specs[t], specs[t + 1]
        fd = (camera_centre(nxt.camera.world_to_camera) - camera_centre(prev.camera.world_to_camera)) / (2 * dt)
        np.testing.assert_allclose(spec.motion.camera_linear_velocity, fd, rtol=2e-2, atol=2e-3)
        c2w = [np.asarray(s.camera.world_to_camera)[:3, :3].T for s in (prev, nxt)]
        omega = rotation_log(c2w[1] @ c2w[0].T) / (2 * dt)
        np.testing.assert_allclose(spec.motion.camera_angular_velocity, omega, rtol=2e-2, atol=2e-3)
        moving = spec.motion.objects[0]
        objects = [next(o for o in s.objects if o.instance_id == moving.instance_id) for s in (prev, nxt)]
        fd_object = (np.array(objects[1].location) - np.array(objects[0].location)) / (2 * dt)
        np.testing.assert_allclose(moving.linear_velocity, fd_object, rtol=2e-2, atol=2e-3)
        omega_object = rotation_log(_euler_matrix(objects[1].rotation) @ _euler_matrix(objects[0].rotation).T) / (2 * dt)
        np.testing.assert_allclose(moving.angular_velocity, omega_object, rtol=2e-2, atol=2e-3)


def test_previous_and_next_poses_are_the_neighbouring_frames(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 6, "fps": FPS, "camera": {"trajectory": "orbit",
                                                                          "shake": {"amplitude": [0.02] * 3}}},
                         frames=6, edit=move_objects([0.4, 0.1, 0.0], [0, 0, 200]))
    specs = _frames(plan, range(6))
    for t in range(6):
        motion = specs[t].motion
        by_id = {m.instance_id: m for m in motion.objects}
        assert list(by_id) == [1]  # the box moves; the others stand still and are not listed
        if t > 0:
            np.testing.assert_allclose(motion.camera_previous, specs[t - 1].camera.world_to_camera, atol=1e-12)
            box = specs[t - 1].objects[0]
            np.testing.assert_allclose(by_id[1].previous.location, box.location, atol=1e-12)
            np.testing.assert_allclose(by_id[1].previous.rotation, box.rotation, atol=1e-12)
        if t < 5:
            np.testing.assert_allclose(motion.camera_next, specs[t + 1].camera.world_to_camera, atol=1e-12)
            box = specs[t + 1].objects[0]
            np.testing.assert_allclose(by_id[1].next.location, box.location, atol=1e-12)
            np.testing.assert_allclose(by_id[1].next.rotation, box.rotation, atol=1e-12)
    spins = [s.objects[0].rotation[2] for s in specs]  # 200 deg/s about z: unwrapped, no jump of 2 pi
    np.testing.assert_allclose(np.diff(spins), math.radians(200) / FPS, atol=1e-9)


def test_object_velocities_are_drawn_per_object_and_per_sequence(tmp_path: Path) -> None:
    def edit(data):
        data["objects"][1]["count"] = 3
        data["objects"][1]["scale"] = 0.1
        data["objects"][1]["motion"] = {"linear_velocity": [{"uniform": [-1, 1]}, {"uniform": [-1, 1]}, 0]}
    plan = sequence_plan(tmp_path, {"frames": 3, "fps": FPS}, frames=6, edit=edit)
    specs = _frames(plan, range(6))
    first = {m.instance_id: m.linear_velocity for m in specs[0].motion.objects}
    assert len(first) >= 2 and len(set(first.values())) == len(first)
    for spec in specs[1:3]:  # constant within the sequence
        later = {m.instance_id: m.linear_velocity for m in spec.motion.objects}
        assert later.keys() == first.keys()
        np.testing.assert_allclose([later[k] for k in first], [first[k] for k in first], atol=1e-9)
    other = {m.instance_id: m.linear_velocity for m in specs[3].motion.objects}
    assert not all(np.allclose(other[k], first[k]) for k in first if k in other)


def test_keyframed_path_hits_its_keys(tmp_path: Path) -> None:
    path = [{"t": 0.0}, {"t": 0.2, "location": [0.5, 0.0, 0.0]}, {"t": 0.4, "location": [0.5, 0.5, 0.0],
                                                                   "rotation": [0, 0, 90]}]
    plan = sequence_plan(tmp_path, {"frames": 5, "fps": FPS}, frames=5, edit=move_objects([0, 0, 0], None, path))
    specs = _frames(plan, range(5))
    base = np.array(specs[0].objects[0].location)
    np.testing.assert_allclose(specs[2].objects[0].location, base + [0.5, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(specs[4].objects[0].location, base + [0.5, 0.5, 0.0], atol=1e-12)
    assert specs[4].objects[0].rotation[2] == pytest.approx(specs[0].objects[0].rotation[2] + math.pi / 2, abs=1e-9)


def test_look_at_follows_a_moving_object(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 5, "fps": FPS, "camera": {"trajectory": "dolly",
                                                                          "velocity": [0.0, 0.3, 0.0],
                                                                          "look_at": "box"}},
                         frames=5, edit=move_objects([0.8, 0.0, 0.0]))
    for spec in _frames(plan, range(5)):
        box = next(o for o in spec.objects if o.category_id == 1)
        point = np.asarray(spec.camera.world_to_camera) @ np.array([*box.location, 1.0])
        assert abs(point[0]) < 1e-9 and abs(point[1]) < 1e-9 and point[2] > 0


def test_random_walk_is_smooth_seeded_noise(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 20, "fps": 30.0, "camera": {
        "trajectory": "random_walk", "amplitude": [0.05, 0.05, 0.05], "frequency": 1.0, "rotation": 1.0}},
        frames=20)
    centres = np.array([camera_centre(s.camera.world_to_camera) for s in _frames(plan, range(20))])
    offsets = centres - centres.mean(axis=0)
    assert 0.005 < np.abs(offsets).max() < 0.5  # it drifts, by about the amplitude
    steps = np.linalg.norm(np.diff(centres, axis=0), axis=1)
    assert steps.max() < 0.05 * 2 * math.pi * 1.5 * 3 / 30.0 * 2  # bounded by amplitude * 2 pi f * dt (smooth)
    again = sequence_plan(tmp_path / "again", {"frames": 20, "fps": 30.0, "camera": {
        "trajectory": "random_walk", "amplitude": [0.05, 0.05, 0.05], "frequency": 1.0, "rotation": 1.0}},
        frames=20)
    np.testing.assert_array_equal(centres, [camera_centre(s.camera.world_to_camera)
                                            for s in _frames(again, range(20))])


def test_rig_cameras_and_lidar_move_with_the_main_camera(tmp_path: Path) -> None:
    def edit(data):
        data["rig"] = {"stereo": {"baseline": 0.3}}
        data["lidar"] = {"preset": "vlp16"}
    plan = sequence_plan(tmp_path, {"frames": 3, "fps": FPS, "camera": {"trajectory": "dolly",
                                                                          "velocity": [1.0, 0.0, 0.0]}},
                         frames=3, edit=edit)
    from synthscape.lidar.simulate import rig_velocity_world

    for spec in _frames(plan, range(3)):
        main = np.asarray(spec.camera.world_to_camera)
        right = spec.rig.cameras[0]
        np.testing.assert_allclose(right.world_to_camera, np.linalg.inv(np.asarray(right.camera_to_rig)) @ main,
                                   atol=1e-12)
        params = spec.lidar
        np.testing.assert_allclose(params["lidar_to_world"],
                                   np.linalg.inv(main) @ np.asarray(params["lidar_to_camera"]), atol=1e-12)
        np.testing.assert_allclose(rig_velocity_world(params), [1.0, 0.0, 0.0], atol=1e-8)


def test_motion_blur_takes_the_sequence_velocities(tmp_path: Path) -> None:
    def edit(data):
        move_objects([0.5, 0.0, 0.0])(data)
        data["optics"] = {"motion_blur": {"shutter_s": 0.02, "camera_velocity": [9, 9, 9]}}
    plan = sequence_plan(tmp_path, {"frames": 2, "fps": FPS, "camera": {"trajectory": "orbit"}}, frames=2, edit=edit)
    spec = sample_frame(plan, 1)
    assert spec.optics.shutter_s == pytest.approx(0.02)
    assert spec.optics.camera_velocity == spec.motion.camera_linear_velocity
    assert spec.optics.object_velocities == ((1, spec.motion.objects[0].linear_velocity),)
    assert spec.optics.has_motion_blur()


def test_depth_of_field_focus_follows_a_moving_focus_object(tmp_path: Path) -> None:
    def edit(data):
        move_objects([0.5, 0.0, 0.0])(data)
        data["optics"] = {"dof": {"fstop": 2.0, "focus_object": "box"}}
    plan = sequence_plan(tmp_path, {"frames": 3, "fps": FPS}, frames=3, edit=edit)
    for spec in _frames(plan, range(3)):
        assert spec.optics.focus_instance == 1
        assert spec.optics.focus_point == spec.objects[0].location
    assert _frames(plan, [0])[0].optics.focus_point != _frames(plan, [2])[0].optics.focus_point
