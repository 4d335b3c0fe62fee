"""Core v2: one run plan resolves every effective value once (no bpy; the fake renderer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.dataset.run_record import read_run_record
from synthscape.errors import SynthscapeError
from synthscape.pipeline import plan_run, render_dataset
from synthscape.plan import RenderJob
from tests.batch_support import MINIMAL


def _recipe(tmp_path: Path, **changes: object) -> str:
    data = yaml.safe_load(Path(MINIMAL).read_text())
    data.update(changes)
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_plan_resolves_every_value_from_recipe_and_overrides(tmp_path: Path) -> None:
    recipe = yaml.safe_load(Path(MINIMAL).read_text())
    plan = plan_run(RenderJob(MINIMAL, tmp_path))
    assert plan.frames == recipe.get("frames", 10) and plan.seed == recipe.get("seed", 0)
    assert plan.resolution == tuple(recipe["camera"]["resolution"])
    assert plan.samples == recipe["render"]["samples"] and plan.device == recipe["render"].get("device", "auto")
    over = plan_run(RenderJob(MINIMAL, tmp_path, frames=3, seed=9, resolution=(40, 30), samples=2, device="cpu"))
    assert (over.frames, over.seed, over.resolution, over.samples, over.device) == (3, 9, (40, 30), 2, "cpu")


def test_rerun_with_override_equal_to_recipe_value_is_accepted(tmp_path: Path) -> None:
    """run.json stores effective values: --resolution equal to the recipe's own is the same dataset."""
    out = tmp_path / "ds"
    width, height = yaml.safe_load(Path(MINIMAL).read_text())["camera"]["resolution"]
    render_dataset(RenderJob(MINIMAL, out, frames=2), renderer_factory=FakeRenderer)
    assert read_run_record(out).resolution == (width, height)
    summary = render_dataset(RenderJob(MINIMAL, out, frames=2, resolution=(width, height)),
                             renderer_factory=FakeRenderer)
    assert summary.frames_skipped == [0, 1]


def test_rerun_with_other_resolution_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    render_dataset(RenderJob(MINIMAL, out, frames=1), renderer_factory=FakeRenderer)
    with pytest.raises(SynthscapeError, match="resolution"):
        render_dataset(RenderJob(MINIMAL, out, frames=1, resolution=(20, 10)), renderer_factory=FakeRenderer)


def test_single_process_run_loads_the_recipe_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import synthscape.pipeline as pipeline
    from synthscape.recipe import load

    calls: list[str] = []
    real = load.load_recipe

    def counting(path: str):
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(load, "load_recipe", counting)
    monkeypatch.setattr(pipeline, "load_recipe", counting)
    render_dataset(RenderJob(MINIMAL, tmp_path / "ds", frames=2), renderer_factory=FakeRenderer)
    assert calls == [MINIMAL]


def test_job_round_trips_through_json(tmp_path: Path) -> None:
    job = RenderJob(MINIMAL, tmp_path, frames=3, resolution=(8, 6), outputs=("rgb", "coco"), offline=True)
    assert RenderJob.from_dict(json.loads(json.dumps(job.to_dict()))) == job


def test_outputs_come_from_recipe_then_flag(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path, outputs=["rgb", "meta", "coco"])
    assert plan_run(RenderJob(recipe, tmp_path)).outputs == ("rgb", "meta", "coco")
    assert plan_run(RenderJob(recipe, tmp_path, outputs=("rgb",))).outputs == ("rgb",)


def test_unknown_output_names_the_key(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path, outputs=["rgb", "pascal_voc"])
    with pytest.raises(SynthscapeError, match=r"outputs\[1\].*pascal_voc"):
        plan_run(RenderJob(recipe, tmp_path))


def test_default_outputs_leave_out_lidar_and_kitti_without_their_sections(tmp_path: Path) -> None:
    outputs = plan_run(RenderJob(MINIMAL, tmp_path)).outputs
    assert "lidar" not in outputs and "kitti" not in outputs and "coco" in outputs
    with pytest.raises(SynthscapeError, match="lidar"):
        plan_run(RenderJob(MINIMAL, tmp_path, outputs=("rgb", "lidar")))


def test_outputs_choose_the_files_written(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    render_dataset(RenderJob(MINIMAL, out, frames=1, outputs=("rgb", "meta", "coco")), renderer_factory=FakeRenderer)
    folders = {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert folders == {"rgb", "meta", "coco"}
    assert json.loads((out / "coco" / "annotations.json").read_text())["images"]


def test_a_render_too_large_for_this_machine_is_refused_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synthscape.recipe import memory

    monkeypatch.setattr(memory, "machine_memory", lambda: (2**30, 2**31))
    out = tmp_path / "ds"
    with pytest.raises(SynthscapeError, match=r"--resolution.*lower the resolution"):
        render_dataset(RenderJob(MINIMAL, out, frames=1, resolution=(16384, 16384)), renderer_factory=FakeRenderer)
    assert not out.exists()


def test_bop_with_a_randomized_scale_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.WARNING, logger="synthscape.pipeline"):
        plan_run(RenderJob(MINIMAL, tmp_path, outputs=("rgb", "bop")))
    assert "objects[0].scale is randomized" in caplog.text and "objects[2]" not in caplog.text  # cone: 0.2
