"""Sequences leave stills alone; per-frame noise of a sequence frame draws from (seed, s, stage, t); meta (no bpy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from synthscape.sensors.exposure import NOISE_STAGE, noise_rng
from synthscape.sensors.lidar import SENSORS_STAGE, lidar_rng
from synthscape.spec.sample import sample_frame, sample_still
from synthscape.spec.scene_spec import ClockSpec, spec_to_json
from synthscape.spec.seeds import stage_rng, stage_word
from synthscape.writers.meta import frame_meta, meta_to_json, spec_from_meta
from tests.sequence_support import camera_centre, move_objects, sequence_plan


def test_a_still_is_sampled_as_before(tmp_path: Path) -> None:
    """No ``sequence:``: the stills sampler (stages at the frame index), no motion, a still's clock, old streams."""
    plan = sequence_plan(tmp_path, None, frames=4)
    assert (plan.sequence_frames, plan.fps) == (1, 0.0)
    for frame in range(4):
        spec = sample_frame(plan, frame)
        assert spec_to_json(spec) == spec_to_json(sample_still(plan, frame)[1])
        assert spec.motion is None and spec.clock == ClockSpec(sequence=frame)
        np.testing.assert_array_equal(noise_rng(spec).random(5),
                                      stage_rng(plan.seed, frame, NOISE_STAGE, stage_word("camera")).random(5))
        np.testing.assert_array_equal(lidar_rng(spec).random(5), stage_rng(plan.seed, frame, SENSORS_STAGE).random(5))
        assert "sequence" not in frame_meta(spec)


def test_sequence_noise_streams_take_the_step_as_an_extra_word(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 3, "fps": 10.0}, frames=6)
    draws = []
    for g in range(6):
        spec = sample_frame(plan, g)
        s, t = divmod(g, 3)
        expected = stage_rng(plan.seed, s, NOISE_STAGE, stage_word("camera"), t).random(5)
        np.testing.assert_array_equal(noise_rng(spec).random(5), expected)
        np.testing.assert_array_equal(lidar_rng(spec).random(5), stage_rng(plan.seed, s, SENSORS_STAGE, t).random(5))
        draws.append(tuple(expected))
    assert len(set(draws)) == 6  # every frame its own noise


def test_meta_records_step_time_poses_and_velocities(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 3, "fps": 20.0, "camera": {"trajectory": "dolly",
                                                                           "velocity": [0.2, 0.0, 0.0]}},
                         frames=3, edit=move_objects([0.5, 0.0, 0.0], [0, 0, 45]))
    spec = sample_frame(plan, 2)
    meta = frame_meta(spec)
    block = meta["sequence"]
    assert (block["sequence"], block["step"], block["time_s"], block["fps"]) == (0, 2, 0.1, 20.0)
    np.testing.assert_allclose(block["camera"]["location"], camera_centre(spec.camera.world_to_camera), atol=1e-8)
    np.testing.assert_allclose(block["camera"]["linear_velocity"], [0.2, 0.0, 0.0], atol=1e-8)
    by_id = {o["instance_id"]: o for o in block["objects"]}
    assert sorted(by_id) == [o.instance_id for o in spec.objects]
    np.testing.assert_allclose(by_id[1]["linear_velocity"], [0.5, 0.0, 0.0], atol=1e-8)
    np.testing.assert_allclose(by_id[1]["angular_velocity"], [0.0, 0.0, np.radians(45)], atol=1e-8)
    np.testing.assert_allclose(by_id[1]["location"], spec.objects[0].location, atol=1e-8)
    assert by_id[2]["linear_velocity"] == [0.0, 0.0, 0.0]
    assert meta["clock"] == {"sequence": 0, "step": 2, "time_s": 0.1, "fps": 20.0}
    rebuilt = spec_from_meta(json.loads(meta_to_json(meta)))
    assert spec_to_json(rebuilt) == spec_to_json(spec)
    assert rebuilt.motion is not None and rebuilt.motion.objects[0].instance_id == 1
