"""Crash safety: SIGKILL at any moment, then rerun, gives exactly the uninterrupted dataset."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.fake_renderer import DELAY_ENV
from synthscape.dataset.resume import clean_stale_temp_files, shard_owns, temp_stem
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.dataset.status import dataset_status
from synthscape.batch.workers import CLI_MODULE
from tests.batch_support import FAKE, MINIMAL, REPO, tree

FRAMES = 6



def render_cmd(out_dir: Path) -> list[str]:
    return [sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out_dir), "--frames", str(FRAMES)]


def env(delay: float = 0.0) -> dict[str, str]:
    return {**os.environ, RENDERER_ENV: FAKE, DELAY_ENV: str(delay),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    subprocess.run(render_cmd(out), env=env(), check=True, cwd=REPO, capture_output=True)
    return out


def test_sigkill_at_random_moments_then_resume_equals_uninterrupted(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    rng = np.random.default_rng(7)
    done_at_kill = []
    for _attempt in range(12):
        proc = subprocess.Popen(render_cmd(out), env=env(delay=0.2), cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.monotonic()  # wait for the run to start (interpreter startup varies with load)
        while proc.poll() is None and not (out / "run.json").exists() and time.monotonic() - started < 60:
            time.sleep(0.02)
        time.sleep(float(rng.uniform(0.0, 1.3)))
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done_at_kill.append(len(dataset_status(out, FRAMES).done) if (out / "run.json").exists() else 0)
    assert any(0 < n < FRAMES for n in done_at_kill), f"no kill landed mid-run: {done_at_kill}"
    final = subprocess.run(render_cmd(out), env=env(), cwd=REPO, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert tree(out) == tree(reference)
    assert not [p for p in out.rglob("*") if temp_stem(p.name)]


def test_half_written_frame_is_redone_and_temp_files_removed(reference: Path, tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    (out / ".done" / "000003").unlink()
    rgb = out / "rgb" / "000003.png"
    rgb.write_bytes(rgb.read_bytes()[:40])  # a crash of a writer that was not atomic
    (out / "coco" / "frames" / "000003.json").unlink()
    stale = [out / "rgb" / ".000003.k2j4_x9q.tmp.png", out / "coco" / ".annotations.ab12cd34.tmp.json",
             out / ".done" / ".000004.zz99yy88.tmp"]
    for path in stale:
        path.write_bytes(b"partial")
    (out / "coco" / "annotations.json").unlink()
    assert dataset_status(out, FRAMES).failed == [3]
    result = CliRunner().invoke(main, ["render", MINIMAL, "--out", str(out), "--frames", str(FRAMES)],
                                env={RENDERER_ENV: FAKE}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 rendered, 5 already complete" in result.output
    assert tree(out) == tree(reference)


def test_a_shard_only_cleans_its_own_temp_files(tmp_path: Path) -> None:
    names = [".000004.aaaaaaaa.tmp.png", ".000005.bbbbbbbb.tmp.json", ".annotations.cccccccc.tmp.json"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    removed = clean_stale_temp_files(tmp_path, shard_owns(0, 2))
    assert [p.name for p in removed] == [names[0]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])
    assert {p.name for p in clean_stale_temp_files(tmp_path)} == set(names[1:])


def test_ctrl_c_stops_after_the_current_frame(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    proc = subprocess.Popen(render_cmd(out), env=env(delay=0.4), cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (out / ".done").is_dir() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr  # stopped early: non-zero, and a rerun resumes
    assert "stopping after the current frame" in stderr and "stopped early" in stdout
    state = dataset_status(out, FRAMES)
    assert 1 <= len(state.done) < FRAMES and not state.failed
    assert not (out / "coco" / "annotations.json").exists()
