"""The ``sequence:`` and ``objects[].motion`` recipe sections, the plan's sequence length, run.json (no bpy)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.dataset.run_record import RunRecordError
from synthscape.errors import RecipeError, SynthscapeError
from synthscape.pipeline import plan_run, render_dataset
from synthscape.plan import RenderJob
from synthscape.recipe.load import load_recipe
from synthscape.spec.draft import SamplingError
from synthscape.spec.sample import sample_frame
from tests.sequence_support import move_objects, sequence_plan, sequence_recipe


def _problem(tmp_path: Path, sequence, frames: int = 6, edit=None) -> str:
    with pytest.raises(RecipeError) as caught:
        load_recipe(str(sequence_recipe(tmp_path, sequence, frames, edit)))
    return str(caught.value)


def test_frames_must_be_whole_sequences(tmp_path: Path) -> None:
    message = _problem(tmp_path, {"frames": 4, "fps": 10}, frames=6)
    assert "frames (6)" in message and "sequence.frames (4)" in message and "multiple" in message
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "r.yaml")])
    assert result.exit_code == 2 and "sequence.frames" in result.output


def test_frames_override_must_be_whole_sequences_exit_2_nothing_written(tmp_path: Path) -> None:
    recipe = sequence_recipe(tmp_path, {"frames": 3, "fps": 10}, frames=6)
    with pytest.raises(SynthscapeError, match=r"--frames 5: .*sequence.frames is 3"):
        plan_run(RenderJob(str(recipe), tmp_path / "out", frames=5))
    out = tmp_path / "cli_out"
    result = CliRunner().invoke(main, ["render", str(recipe), "--out", str(out), "--frames", "7"])
    assert result.exit_code == 2, result.output
    assert "--frames 7" in result.output and "sequence.frames" in result.output
    assert not out.exists() or not any(out.iterdir())
    assert plan_run(RenderJob(str(recipe), tmp_path / "out", frames=9)).frames == 9


@pytest.mark.parametrize(("sequence", "edit", "needle"), [
    ({"frames": 2, "camera": {"trajectory": "zoom"}}, None, "trajectory"),
    ({"frames": 2, "camera": {"trajectory": "dolly", "velocity": [1, 0, 0], "direction": [1, 0, 0]}}, None,
     "either 'velocity'"),
    ({"frames": 2, "camera": {"trajectory": "orbit", "radius": 3}}, None, "radius"),
    ({"frames": 2, "fps": 0}, None, "fps"),
    (None, move_objects([1, 0, 0]), "objects[0].motion needs a 'sequence"),
    ({"frames": 2}, move_objects([1, 0, 0], None, [{"t": 0.5}, {"t": 0.2}]), "strictly increasing"),
    ({"frames": 2}, lambda data: (move_objects([1, 0, 0])(data), data["objects"][0].update(placement="physics")),
     "objects[0].motion: this group is placed by physics"),
])
def test_bad_sequence_recipes_name_the_key(tmp_path: Path, sequence, edit, needle: str) -> None:
    assert needle in _problem(tmp_path, sequence, frames=2, edit=edit)


def test_distributions_are_accepted_everywhere(tmp_path: Path) -> None:
    sequence = {"frames": 2, "fps": 10, "camera": {"trajectory": "orbit", "angular_speed": {"uniform": [10, 90]},
                                                   "direction": "random",
                                                   "shake": {"amplitude": [{"uniform": [0, 0.01]}, 0, 0],
                                                             "frequency": {"choice": [1, 2]}}}}
    edit = move_objects([{"normal": [0, 1], "clip": [-2, 2]}, 0, 0], [0, 0, {"uniform": [-90, 90]}])
    recipe = load_recipe(str(sequence_recipe(tmp_path, sequence, frames=2, edit=edit)))
    assert recipe.sequence.camera.trajectory == "orbit"


def test_unknown_look_at_category_is_a_sampling_error(tmp_path: Path) -> None:
    plan = sequence_plan(tmp_path, {"frames": 2, "camera": {"trajectory": "orbit", "look_at": "truck"}}, frames=2)
    with pytest.raises(SamplingError, match=r"sequence.camera.look_at: 'truck'"):
        sample_frame(plan, 0)


def _fake(_device: str) -> FakeRenderer:
    return FakeRenderer()


def test_run_json_records_the_sequence_and_refuses_another_length(tmp_path: Path) -> None:
    out = tmp_path / "out"
    recipe = sequence_recipe(tmp_path, {"frames": 3, "fps": 12.5}, frames=3)
    render_dataset(RenderJob(str(recipe), out, outputs=("rgb", "meta")), renderer_factory=_fake)
    record = json.loads((out / "run.json").read_text())
    assert (record["sequence_frames"], record["fps"]) == (3, 12.5)
    shorter = sequence_recipe(tmp_path / "b", {"frames": 1, "fps": 12.5}, frames=3)
    with pytest.raises(RunRecordError, match=r"sequence_frames: 3 -> 1"):
        render_dataset(RenderJob(str(shorter), out, outputs=("rgb", "meta")), renderer_factory=_fake)
    assert sorted(os.listdir(out / "meta")) == ["000000.json", "000001.json", "000002.json"]
