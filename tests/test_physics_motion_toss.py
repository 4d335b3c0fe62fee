"""Tossed objects simulated over a sequence on real bpy (no render): a ballistic arc, then rest; the
motion record; settled obstacles; a frame simulated alone equals the same frame of a whole run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from synthscape.blender.physics_motion import clear_cache, horizon
from synthscape.recipe.schema import Recipe
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import SceneSpec, spec_to_dict
from synthscape.writers.meta import frame_meta

pytestmark = pytest.mark.blender

FPS, FRAMES, HALF = 20.0, 40, 0.05
VELOCITY, SPIN = (0.5, -0.2, 2.0), 90.0
PHYSICS = {"drop_height": 0.4, "linear_damping": 0.0, "angular_damping": 0.0, "fps": 60, "substeps": 10}


def toss_recipe(settled_cubes: int = 0) -> Recipe:
    groups = [{"category": "thrown", "shape": "cube", "scale": HALF, "placement": "physics",
               "motion": {"physics": {"linear_velocity": list(VELOCITY), "angular_velocity": [0, 0, SPIN]}}}]
    if settled_cubes:
        groups.append({"category": "clutter", "shape": "cube", "scale": 0.04, "count": settled_cubes,
                       "placement": "physics"})
    return Recipe.model_validate({"frames": FRAMES, "sequence": {"frames": FRAMES, "fps": FPS}, "objects": groups,
                                  "physics": PHYSICS, "placement": {"area": [0.3, 0.3]}, "ground": {"size": [4, 4]}})


def sequence(renderer, recipe: Recipe, steps: range, seed: int = 3) -> list[SceneSpec]:
    return [renderer.settle(sample_scene(recipe, seed, step)) for step in steps]


@pytest.fixture(scope="module")
def frames(renderer) -> list[SceneSpec]:
    clear_cache()
    return sequence(renderer, toss_recipe(), range(FRAMES))


def test_the_tossed_cube_flies_a_ballistic_arc_then_comes_to_rest(frames) -> None:
    drop = sample_scene(toss_recipe(), 3, 0).objects[0]
    x0, y0, z0 = drop.location
    vx, vy, vz = VELOCITY
    g = 9.81
    step_s = 1.0 / (PHYSICS["fps"] * PHYSICS["substeps"])  # Bullet's step: semi-implicit Euler lags g*h*t/2
    assert frames[0].objects[0].location == drop.location and frames[0].objects[0].rotation == drop.rotation
    airborne = 0
    for t, spec in enumerate(frames):
        time = t / FPS
        z = z0 + vz * time - g * time ** 2 / 2
        if z - np.sqrt(3) * HALF < 0.02:  # the lowest corner could touch the ground: no longer free flight
            break
        location = spec.objects[0].location
        assert location[2] == pytest.approx(z, abs=0.5 * g * step_s * time + 1e-3), f"step {t}"
        assert location[0] == pytest.approx(x0 + vx * time, abs=1e-3) and location[1] == pytest.approx(y0 + vy * time,
                                                                                                       abs=1e-3)
        motion = spec.motion.objects[0]
        assert motion.linear_velocity == pytest.approx((vx, vy, vz - g * time), abs=0.05)
        assert motion.angular_velocity[2] == pytest.approx(np.radians(SPIN), rel=0.02)
        airborne += 1
    assert airborne >= 8  # the arc was checked over most of the flight (apex at 0.2 s)
    rest = [spec.objects[0] for spec in frames[-10:]]
    assert all(np.allclose(o.location, rest[0].location, atol=1e-4) for o in rest)
    assert rest[0].location[2] == pytest.approx(HALF, abs=0.002)  # lies on a face on the ground
    assert np.allclose(frames[-1].motion.objects[0].linear_velocity, 0.0, atol=0.01)


def test_previous_and_next_poses_are_the_neighbouring_frames_poses(frames) -> None:
    for t in range(1, FRAMES - 1):
        motion = frames[t].motion.objects[0]
        assert motion.instance_id == frames[t].objects[0].instance_id
        for neighbour, pose in ((frames[t - 1], motion.previous), (frames[t + 1], motion.next)):
            assert pose.location == neighbour.objects[0].location and pose.rotation == neighbour.objects[0].rotation
    first = frames[0].motion.objects[0].previous  # free flight extrapolated back one frame
    dt = 1.0 / FPS
    x0, y0, z0 = frames[0].objects[0].location
    assert first.location == pytest.approx((x0 - VELOCITY[0] * dt, y0 - VELOCITY[1] * dt,
                                            z0 - VELOCITY[2] * dt - 9.81 * dt * dt / 2), abs=1e-9)
    assert first.rotation[2] == pytest.approx(frames[0].objects[0].rotation[2] - np.radians(SPIN) * dt, abs=1e-6)


def test_meta_records_each_frames_pose_and_velocities(frames) -> None:
    for spec in frames[:3]:
        entry = frame_meta(spec)["sequence"]["objects"][0]
        motion = spec.motion.objects[0]
        assert entry["location"] == pytest.approx(spec.objects[0].location, abs=1e-8)
        assert entry["linear_velocity"] == pytest.approx(motion.linear_velocity, abs=1e-8)
        assert np.linalg.norm(entry["linear_velocity"]) > 0.5 and entry["angular_velocity"][2] > 1.0


def test_a_frame_simulated_alone_equals_it_after_the_frames_before(renderer, frames) -> None:
    recipe = toss_recipe()
    clear_cache()
    sequence(renderer, toss_recipe(settled_cubes=2), range(2), seed=8)  # another scene first: other build history
    alone = renderer.settle(sample_scene(recipe, 3, 12))
    assert spec_to_dict(alone) == spec_to_dict(frames[12])
    assert horizon(FRAMES - 9) != horizon(FRAMES - 8)  # frames 31 and 32 come from simulations of different length
    late = renderer.settle(sample_scene(recipe, 3, 32))
    assert late.motion.objects[0].previous.location == frames[31].objects[0].location
    assert spec_to_dict(late) == spec_to_dict(frames[32])


def test_settled_bodies_keep_their_poses_and_are_obstacles_of_the_toss(renderer) -> None:
    clear_cache()
    recipe = toss_recipe(settled_cubes=3)
    specs = sequence(renderer, recipe, range(0, FRAMES, 13), seed=4)
    clutter = [[o for o in spec.objects if o.category_id == specs[0].objects[1].category_id] for spec in specs]
    assert len(clutter[0]) == 3
    assert all([(o.location, o.rotation) for o in c] == [(o.location, o.rotation) for o in clutter[0]]
               for c in clutter)  # settled once per sequence: the same poses at every step
    assert all(o.location[2] < 0.06 for o in clutter[0])  # they were dropped and settled on the ground
    assert [m.instance_id for m in specs[1].motion.objects] == [specs[1].objects[0].instance_id]
    result = specs[-1].physics.result
    assert result is not None and result.steps > 0
    clear_cache()
    again = renderer.settle(sample_scene(recipe, 4, 13))
    assert spec_to_dict(again) == spec_to_dict(specs[1])
    uncached = dataclasses.replace(specs[1], physics=None)  # (a spec without physics passes through)
    assert renderer.settle(uncached) is uncached

