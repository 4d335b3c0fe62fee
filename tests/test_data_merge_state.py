"""``status`` says "merged yes" only when the last merge covered exactly the frames done now, and
exits 0 only when the dataset is complete and merged (3 incomplete, 4 complete but not merged)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.batch.shard_run import RENDERER_ENV, run_shard
from synthscape.pipeline import RenderJob
from tests.batch_support import FAKE, MINIMAL

FRAMES = 6


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args), env={RENDERER_ENV: FAKE}, catch_exceptions=False)


def shard(out: Path, index: int) -> None:
    run_shard(RenderJob(MINIMAL, out, frames=FRAMES), index, 2, renderer_factory=FakeRenderer)


def test_a_partial_merge_is_stale_once_the_other_shard_finishes(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shard(out, 0)
    assert cli("merge", str(out), "--allow-partial").exit_code == 0
    partial = cli("status", str(out))
    assert partial.exit_code == 3 and "merged      yes" in partial.output  # it covers the 3 done frames
    shard(out, 1)
    stale = cli("status", str(out))
    assert "6/6 done" in stale.output and "merged      no (stale" in stale.output, stale.output
    assert stale.exit_code == 4
    assert len(json.loads((out / "coco" / "annotations.json").read_text())["images"]) == 3
    assert cli("merge", str(out)).exit_code == 0
    merged = cli("status", str(out))
    assert merged.exit_code == 0 and "merged      yes" in merged.output, merged.output


def test_complete_but_never_merged_exits_4(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shard(out, 0)
    shard(out, 1)
    result = cli("status", str(out))
    assert result.exit_code == 4 and "6/6 done" in result.output
    assert "merged      no (run `synthscape merge" in result.output


def test_a_deleted_annotations_file_or_a_redone_frame_makes_the_merge_stale(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    assert cli("render", MINIMAL, "--out", str(out), "--frames", str(FRAMES)).exit_code == 0
    assert cli("status", str(out)).exit_code == 0
    marker = out / ".done" / "000002"
    saved = marker.read_bytes()
    marker.write_bytes(saved.replace(b'"frame": 2', b'"frame": 2, "note": 1'))  # the frame was written again
    assert cli("status", str(out)).exit_code == 4
    marker.write_bytes(saved)
    (out / "coco" / "annotations.json").unlink()
    assert cli("status", str(out)).exit_code == 4
