"""Ctrl-C and SIGTERM stop ``render`` after the current frame, exit 130/143, and the rerun finishes.

With ``--workers N`` the signal reaches every worker and the parent waits for them: no
worker outlives the command. Fake renderer (no Blender), a small delay per frame.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from synthscape.batch.fake_renderer import DELAY_ENV
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.dataset.status import dataset_status
from synthscape.batch.workers import CLI_MODULE
from tests.batch_support import FAKE, MINIMAL, REPO, tree

FRAMES = 12


def render_env(delay_s: float) -> dict[str, str]:
    return {**os.environ, RENDERER_ENV: FAKE, DELAY_ENV: str(delay_s),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def render_command(out_dir: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out_dir),
            "--frames", str(FRAMES), *options]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same dataset rendered in one uninterrupted process."""
    out = tmp_path_factory.mktemp("ref") / "ds"
    done = subprocess.run(render_command(out), env=render_env(0.0), cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def started() -> Iterator[list[psutil.Process]]:
    """Every process a test started (render and its workers); any still alive at the end is killed."""
    processes: list[psutil.Process] = []
    yield processes
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def wait_for_first_frame(out_dir: Path, proc: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    markers = out_dir / ".done"
    while not (markers.is_dir() and any(markers.iterdir())):
        assert proc.poll() is None, f"render exited early with {proc.returncode}"
        assert time.monotonic() < deadline, "no frame finished in time"
        time.sleep(0.05)


def signal_mid_run(out_dir: Path, signum: int, started: list[psutil.Process], *options: str,
                   ) -> tuple[subprocess.CompletedProcess, list[psutil.Process]]:
    """Start a render, send ``signum`` after its first frame; return its result and its child processes."""
    proc = subprocess.Popen(render_command(out_dir, *options), env=render_env(0.4), cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started.append(psutil.Process(proc.pid))
    wait_for_first_frame(out_dir, proc)
    children = psutil.Process(proc.pid).children(recursive=True)
    started.extend(children)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), children


def assert_stopped_early_then_resumed(out_dir: Path, result: subprocess.CompletedProcess,
                                      expected_code: int, reference: Path) -> None:
    assert result.returncode == expected_code, result.stderr
    assert "stopped early" in result.stdout, result.stdout  # the summary is still printed
    assert "Traceback" not in result.stderr, result.stderr
    state = dataset_status(out_dir, FRAMES)
    assert 1 <= len(state.done) < FRAMES and not state.failed, (state.done, state.failed)
    again = subprocess.run(render_command(out_dir), env=render_env(0.0), cwd=REPO, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert tree(out_dir) == tree(reference), "the resumed dataset differs from an uninterrupted run"


@pytest.mark.parametrize(("signum", "expected_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["ctrl-c", "sigterm"])
def test_signal_stops_after_the_current_frame_with_its_exit_code(
        signum: int, expected_code: int, reference: Path, tmp_path: Path, started: list[psutil.Process]) -> None:
    out = tmp_path / "ds"
    result, _ = signal_mid_run(out, signum, started)
    assert_stopped_early_then_resumed(out, result, expected_code, reference)


def test_sigterm_to_workers_stops_and_waits_for_every_worker(
        reference: Path, tmp_path: Path, started: list[psutil.Process]) -> None:
    out = tmp_path / "ds"
    result, workers = signal_mid_run(out, signal.SIGTERM, started, "--workers", "2")
    assert len(workers) >= 2, "the workers were not running when the signal was sent"
    alive = [w.pid for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"worker processes outlived `render --workers 2` after SIGTERM: {alive}"
    assert "exited with" not in result.stderr, "a worker stopped on request was reported as failed"
    assert_stopped_early_then_resumed(out, result, 143, reference)


def test_second_ctrl_c_aborts_the_workers_and_leaves_none(tmp_path: Path, started: list[psutil.Process]) -> None:
    out = tmp_path / "ds"
    proc = subprocess.Popen(render_command(out, "--workers", "2"), env=render_env(3.0), cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started.append(psutil.Process(proc.pid))
    wait_for_first_frame(out, proc)
    workers = psutil.Process(proc.pid).children(recursive=True)
    started.extend(workers)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)  # abort now: workers are mid-frame (3 s per frame)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "aborted" in stderr and "Traceback" not in stderr, stderr
    alive = [w.pid for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"worker processes outlived the aborted render: {alive}"
