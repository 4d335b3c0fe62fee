"""The ``optics:`` recipe section: its own sampler stage, resolved values in the spec, bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscape.errors import SynthscapeError
from synthscape.recipe.load import load_recipe
from synthscape.spec.optics import focus_depth
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import spec_from_dict, spec_to_dict, spec_to_json
from tests.test_inputs_support import assert_refused, validate_cli, write_text

SCENE = """objects:
- {category: car, shape: cube, count: 2, scale: 0.1}
- {category: sign, shape: sphere, scale: 0.1}
placement: {area: [4, 4]}
camera: {resolution: [64, 48]}
"""
OPTICS = """optics:
  motion_blur:
    shutter_s: 0.01
    camera_velocity: [{uniform: [1, 2]}, 0, 0]
    object_velocity: {car: [8, 0, 0]}
  dof: {fstop: {uniform: [1.4, 4]}, focus_object: sign}
  exposure: {ev: -1, gain: {choice: [1, 2, 4]}, full_well_e: 5000, read_noise_e: 2}
"""


def _recipe(tmp_path: Path, text: str):
    return load_recipe(write_text(tmp_path, text))


def test_optics_are_resolved_into_the_spec(tmp_path: Path) -> None:
    spec = sample_scene(_recipe(tmp_path, SCENE + OPTICS), 3, 0)
    optics = spec.optics
    assert optics is not None and optics.shutter_s == 0.01
    assert 1 <= optics.camera_velocity[0] <= 2 and optics.camera_velocity[1:] == (0.0, 0.0)
    cars = [o.instance_id for o in spec.objects if o.category_id == 1]
    assert dict(optics.object_velocities) == {i: (8.0, 0.0, 0.0) for i in cars}
    sign = next(o for o in spec.objects if o.category_id == 2)
    assert optics.focus_instance == sign.instance_id and optics.focus_point == sign.location
    expected = (np.array(spec.camera.world_to_camera) @ np.array([*sign.location, 1.0]))[2]
    assert focus_depth(optics, spec.camera.world_to_camera) == pytest.approx(expected)
    assert 1.4 <= optics.fstop <= 4 and optics.gain in (1.0, 2.0, 4.0) and optics.exposure_ev == -1.0
    assert optics.has_motion_blur() and optics.has_depth_of_field() and optics.has_exposure()
    again = spec_from_dict(spec_to_dict(spec))
    assert spec_to_json(again) == spec_to_json(spec) and again.optics is not None
    assert again.optics.object_velocities == optics.object_velocities


def test_the_optics_stage_leaves_every_other_draw_unchanged(tmp_path: Path) -> None:
    plain = sample_scene(_recipe(tmp_path, SCENE), 5, 2)
    with_optics = sample_scene(_recipe(tmp_path, SCENE + OPTICS), 5, 2)
    assert plain.optics is None
    assert with_optics.camera == plain.camera and with_optics.objects == plain.objects
    assert with_optics.lights == plain.lights and with_optics.world == plain.world


def test_focus_without_an_object_or_distance_is_the_camera_target(tmp_path: Path) -> None:
    aimed = SCENE.replace("camera: {resolution: [64, 48]}", "camera: {target: [0.5, 0, 0.2], target_jitter: 0}")
    recipe = _recipe(tmp_path, aimed + "optics: {dof: {fstop: 2}}\n")
    optics = sample_scene(recipe, 0, 0).optics
    assert optics is not None and optics.focus_point == (0.5, 0.0, 0.2) and optics.focus_instance is None


def test_a_fixed_focus_distance_wins(tmp_path: Path) -> None:
    optics = sample_scene(_recipe(tmp_path, SCENE + "optics: {dof: {fstop: 2, focus_distance: 7.5}}\n"), 0, 0).optics
    assert optics is not None and focus_depth(optics, np.eye(4)) == 7.5


def test_focus_distance_and_object_together_are_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path, SCENE + "optics: {dof: {fstop: 2, focus_distance: 3, focus_object: car}}\n")
    assert_refused(path, "optics.dof", "not both")


def test_unknown_optics_key_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path, SCENE + "optics: {exposure: {iso: 800}}\n")
    assert_refused(path, "optics.exposure.iso")


@pytest.mark.parametrize("section, key", [
    ("optics: {motion_blur: {object_velocity: {truck: [1, 0, 0]}}}\n", "optics.motion_blur.object_velocity"),
    ("optics: {dof: {focus_object: truck}}\n", "optics.dof.focus_object"),
])
def test_an_unknown_category_names_the_file_and_key(tmp_path: Path, section: str, key: str) -> None:
    path = write_text(tmp_path, SCENE + section)
    with pytest.raises(SynthscapeError, match=key) as info:
        sample_scene(load_recipe(path), 0, 0)
    assert "truck" in str(info.value) and "car" in str(info.value)
    result = validate_cli(path)
    assert result.exit_code == 2 and key in result.output and str(path) in result.output, result.output
