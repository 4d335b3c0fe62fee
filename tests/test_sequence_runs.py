"""Sequences through the frame loop (numpy fake renderer): shards and resume give the uninterrupted dataset."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from tests.batch_support import FAKE, tree
from tests.sequence_support import move_objects, sequence_recipe

SEQUENCE = {"frames": 3, "fps": 10.0, "camera": {"trajectory": "orbit", "angular_speed": 60,
                                                 "shake": {"amplitude": [0.02, 0.02, 0.01]}}}
OUTPUTS = "rgb,instance,meta,coco"


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sequence_recipe(tmp_path_factory.mktemp("recipe"), SEQUENCE, frames=6,
                           edit=move_objects([{"uniform": [-0.5, 0.5]}, 0.3, 0], [0, 0, 90]))


@pytest.fixture(scope="module")
def reference(recipe: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    render_dataset(RenderJob(str(recipe), out, outputs=tuple(OUTPUTS.split(","))),
                   renderer_factory=lambda device: FakeRenderer(device))
    return out


def test_the_reference_has_every_frame_with_its_clock(reference: Path) -> None:
    metas = [json.loads((reference / "meta" / f"{g:06d}.json").read_text()) for g in range(6)]
    assert [(m["clock"]["sequence"], m["clock"]["step"]) for m in metas] == [(s, t) for s in range(2) for t in range(3)]
    assert [m["sequence"]["objects"][0]["instance_id"] for m in metas] == [1] * 6  # a stable track id
    boxes = [m["objects"][0]["location"][1] for m in metas[:3]]
    assert boxes[1] - boxes[0] == pytest.approx(0.03, abs=1e-9)  # 0.3 m/s at 10 fps


def test_shards_render_the_same_frames(recipe: Path, reference: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RENDERER_ENV, FAKE)
    out = tmp_path / "ds"
    for shard in (1, 0):  # any order: a frame depends only on (seed, sequence, step)
        result = CliRunner().invoke(main, ["render", str(recipe), "--out", str(out), "--outputs", OUTPUTS,
                                           "--num-shards", "2", "--shard-index", str(shard)])
        assert result.exit_code == 0, result.output
    got, want = tree(out), tree(reference)
    for name in ("meta", "rgb", "instance"):
        for g in range(6):
            key = f"{name}/{g:06d}.{'json' if name == 'meta' else 'png'}"
            assert got[key] == want[key], key


def test_a_resumed_run_renders_the_missing_frames_exactly(recipe: Path, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    for g in (1, 5):  # the middle of sequence 0 and the end of sequence 1
        (out / ".done" / f"{g:06d}").unlink()
        (out / "meta" / f"{g:06d}.json").unlink()
        (out / "rgb" / f"{g:06d}.png").unlink()
    render_dataset(RenderJob(str(recipe), out, outputs=tuple(OUTPUTS.split(","))),
                   renderer_factory=lambda device: FakeRenderer(device))
    assert tree(out) == tree(reference)
