"""A run that fails before finishing any frame does not block its folder: after fixing the
recipe, the rerun replaces ``run.json`` and the failed attempt's leftovers. A folder with finished
frames, or one a live run writes into, still refuses other parameters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.fake_renderer import DELAY_ENV
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.dataset.status import dataset_status
from synthscape.batch.workers import CLI_MODULE
from tests.batch_support import FAKE, MINIMAL, REPO

GOOD = Path(MINIMAL).read_text()
UNPLACEABLE = GOOD.replace("  area: [2.4, 2.4]\n", "  area: [0.05, 0.05]\n  on_failure: error\n")


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args), env={RENDERER_ENV: FAKE}, catch_exceptions=False)


def test_after_a_failed_first_attempt_the_fixed_recipe_renders(tmp_path: Path) -> None:
    assert UNPLACEABLE != GOOD
    recipe, out = tmp_path / "scene.yaml", tmp_path / "ds"
    recipe.write_text(UNPLACEABLE)
    failed = cli("render", str(recipe), "--out", str(out), "--frames", "5")
    assert failed.exit_code == 2 and "placement.area" in failed.output
    assert json.loads((out / "run.json").read_text())["frames"] == 5
    leftovers = [out / "rgb" / "000004.png", out / "rgb" / ".000001.abcd1234.tmp.png", out / ".done" / "000004",
                 out / "coco" / "annotations.json"]
    for path in leftovers:  # what a failed attempt can leave: files of unfinished frames, an empty marker
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    recipe.write_text(GOOD)
    fixed = cli("render", str(recipe), "--out", str(out), "--frames", "3")
    assert fixed.exit_code == 0, fixed.output
    assert "3 rendered" in fixed.output
    assert json.loads((out / "run.json").read_text())["frames"] == 3
    assert not (out / "rgb" / "000004.png").exists() and not (out / "rgb" / ".000001.abcd1234.tmp.png").exists()
    assert not (out / ".done" / "000004").exists()
    assert dataset_status(out, 3).done == [0, 1, 2]
    assert len(json.loads((out / "coco" / "annotations.json").read_text())["images"]) == 3


def test_an_unreadable_run_json_without_finished_frames_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    out.mkdir()
    (out / "run.json").write_text("{")
    result = cli("render", MINIMAL, "--out", str(out), "--frames", "2")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "run.json").read_text())["frames"] == 2


def test_finished_frames_still_refuse_other_parameters(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    assert cli("render", MINIMAL, "--out", str(out), "--frames", "2").exit_code == 0
    refused = cli("render", MINIMAL, "--out", str(out), "--frames", "2", "--seed", "3")
    assert refused.exit_code == 2 and "other parameters" in refused.output and "seed: 0 -> 3" in refused.output


def test_a_live_shard_without_finished_frames_still_refuses_other_parameters(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    environ = {**os.environ, RENDERER_ENV: FAKE, DELAY_ENV: "20",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out), "--frames", "4",
               "--num-shards", "2"]
    first = subprocess.Popen([*command, "--shard-index", "0"], env=environ, cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        while not (out / "run.json").exists() and first.poll() is None:
            time.sleep(0.05)
        second = subprocess.run([*command, "--shard-index", "1", "--seed", "7"], env={**environ, DELAY_ENV: "0"},
                                cwd=REPO, capture_output=True, text=True)
    finally:
        first.kill()
        first.communicate()
    assert second.returncode == 2, second.stderr
    assert "other parameters" in second.stderr and "seed: 0 -> 7" in second.stderr
    assert f"a live run writes into it: pid {first.pid}" in second.stderr
    assert json.loads((out / "run.json").read_text())["seed"] == 0


def test_a_folder_of_an_older_release_is_refused_and_kept(tmp_path: Path) -> None:
    """0.1 markers (one path per line) no longer count as complete, but they are finished frames:
    a rerun with other parameters must refuse, never clean them away."""
    out = tmp_path / "ds"
    assert cli("render", MINIMAL, "--out", str(out), "--frames", "2").exit_code == 0
    old_marker = "coco/frames/000000.json\nrgb/000000.png\n"
    for index in (0, 1):
        (out / ".done" / f"{index:06d}").write_text(old_marker.replace("000000", f"{index:06d}"))
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    again = cli("render", MINIMAL, "--out", str(out), "--frames", "2", "--seed", "7")
    assert again.exit_code == 2 and "seed" in again.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == before
