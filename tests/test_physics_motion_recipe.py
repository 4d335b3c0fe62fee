"""Tossed objects in the recipe and the sampler (no bpy): ``objects[].motion.physics``, its checks and draws."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import yaml

from synthscape.errors import SynthscapeError
from synthscape.recipe.load import load_recipe
from synthscape.recipe.schema import Recipe
from synthscape.spec.physics import PhysicsResult, PhysicsSpec
from synthscape.spec.physics_motion import layout_index
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import ClockSpec, spec_from_dict, spec_to_dict

TOSS = {"linear_velocity": [{"uniform": [-1, 1]}, 0.5, {"uniform": [1, 2]}],
        "angular_velocity": [0, 0, {"uniform": [-90, 90]}]}


def toss_data(motion: dict | None = None, placement: str = "physics", sequence: bool = True,
              count: int = 3) -> dict:
    data = {"frames": 4, "objects": [{"category": "cube", "shape": "cube", "scale": 0.05, "count": count,
                                      "placement": placement, "motion": motion or {"physics": TOSS}}],
            "ground": {"size": [4, 4]}}
    if sequence:
        data["sequence"] = {"frames": 4, "fps": 10}
    return data


def refusal(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "toss.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SynthscapeError) as error:
        load_recipe(path)
    return str(error.value)


def test_a_toss_needs_physics_placement(tmp_path: Path) -> None:
    message = refusal(tmp_path, toss_data(placement="footprint"))
    assert "toss.yaml" in message and "objects[0].motion.physics" in message and "placement: physics" in message


def test_analytic_motion_on_a_physics_group_is_refused_and_the_toss_is_suggested(tmp_path: Path) -> None:
    message = refusal(tmp_path, toss_data(motion={"linear_velocity": [1, 0, 0]}))
    assert "objects[0].motion" in message and "motion: {physics:" in message


def test_a_toss_excludes_an_analytic_motion(tmp_path: Path) -> None:
    message = refusal(tmp_path, toss_data(motion={"physics": TOSS, "path": [{"t": 0.0}]}))
    assert "motion.path" in message and "physics" in message


def test_a_toss_needs_a_sequence(tmp_path: Path) -> None:
    message = refusal(tmp_path, toss_data(sequence=False))
    assert "objects[0].motion" in message and "sequence" in message


def test_initial_velocities_are_drawn_per_object_in_range_and_kept_over_the_sequence() -> None:
    recipe = Recipe.model_validate(toss_data())
    frames = [sample_scene(recipe, 5, t) for t in range(4)]
    bodies = frames[0].physics.bodies
    assert len(bodies) == 3 and all(b.tossed for b in bodies)
    for body in bodies:
        vx, vy, vz = body.linear_velocity
        assert -1 <= vx <= 1 and vy == 0.5 and 1 <= vz <= 2
        assert body.angular_velocity[:2] == (0.0, 0.0) and abs(body.angular_velocity[2]) <= math.radians(90)
    assert len({b.linear_velocity for b in bodies}) == 3  # each object draws its own
    assert all(f.physics.bodies == bodies for f in frames)  # one toss per sequence, at every step
    assert all([o.location for o in f.objects] == [o.location for o in frames[0].objects] for f in frames)
    other = sample_scene(recipe, 5, 4)  # the next sequence tosses differently
    assert other.physics.bodies[0].linear_velocity != bodies[0].linear_velocity


def test_tossing_does_not_change_the_drop_poses() -> None:
    tossed = sample_scene(Recipe.model_validate(toss_data()), 5, 0)
    data = toss_data()
    del data["objects"][0]["motion"]
    settled = sample_scene(Recipe.model_validate(data), 5, 0)
    assert [o.location for o in tossed.objects] == [o.location for o in settled.objects]
    assert [o.rotation for o in tossed.objects] == [o.rotation for o in settled.objects]
    assert not any(b.tossed for b in settled.physics.bodies)
    assert all(b.linear_velocity is None for b in settled.physics.bodies)


def test_tossed_bodies_round_trip_through_the_spec_dict() -> None:
    spec = sample_scene(Recipe.model_validate(toss_data()), 5, 1)
    spec = dataclasses.replace(spec, physics=dataclasses.replace(
        spec.physics, result=PhysicsResult(settled=True, sim_time_s=0.5, steps=30)))
    again = spec_from_dict(spec_to_dict(spec))  # floats are rounded to 9 decimals in the dict
    assert all(b.tossed and isinstance(b.linear_velocity, tuple) for b in again.physics.bodies)
    assert spec_to_dict(again) == spec_to_dict(spec)
    assert "wall_s" not in spec_to_dict(spec)["physics"]["result"]  # nothing wall-clock in a spec


def test_an_older_meta_with_wall_s_still_reads() -> None:
    from synthscape.spec.physics import physics_from_dict

    data = spec_to_dict(PhysicsSpec(result=PhysicsResult(settled=True, sim_time_s=1.0, steps=60)))
    data["result"]["wall_s"] = 0.25
    assert physics_from_dict(data).result == PhysicsResult(settled=True, sim_time_s=1.0, steps=60)


def test_layout_streams_use_the_sequence_in_a_sequence_and_the_frame_in_a_still() -> None:
    spec = sample_scene(Recipe.model_validate(toss_data()), 5, 6)
    assert spec.clock == ClockSpec(sequence=1, step=2, time_s=0.2, fps=10.0) and layout_index(spec) == 1
    assert layout_index(dataclasses.replace(spec, clock=None)) == 6


def test_redrops_in_a_sequence_draw_from_the_sequence_so_every_step_redrops_alike() -> None:
    from synthscape.spec.drop import redrop_location

    data = toss_data()
    del data["objects"][0]["motion"]
    recipe = Recipe.model_validate(data)
    first, later = sample_scene(recipe, 5, 0), sample_scene(recipe, 5, 3)  # steps 0 and 3 of sequence 0
    key = first.objects[0].instance_id
    again = [redrop_location(spec, key, spec.objects[0], 1, spec.objects[1:]) for spec in (first, later)]
    assert again[0] == again[1]
    next_sequence = sample_scene(recipe, 5, 4)
    assert redrop_location(next_sequence, key, next_sequence.objects[0], 1, next_sequence.objects[1:]) != again[0]
