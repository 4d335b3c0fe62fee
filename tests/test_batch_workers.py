"""``--workers N`` and ``--engine ray`` give the same dataset as one process (fake renderer)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from synthscape.batch.fake_renderer import CRASH_ONCE_ENV
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.batch.workers import CLI_MODULE
from tests.batch_support import FAKE, MINIMAL, REPO, tree

FRAMES = 6



def render(out_dir: Path, *options: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, RENDERER_ENV: FAKE, **(extra_env or {}),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out_dir),
                           "--frames", str(FRAMES), *options], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    result = render(out, "--workers", "1")
    assert result.returncode == 0, result.stderr
    return out


def test_two_workers_equal_one_worker(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = render(out, "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert "2 local workers" in result.stdout and f"{FRAMES} complete" in result.stdout
    assert (out / "coco" / "annotations.json").read_bytes() == (reference / "coco" / "annotations.json").read_bytes()
    assert tree(out) == tree(reference)
    assert json.loads((out / "run.json").read_text())["num_shards"] == 2


def test_a_failing_worker_is_reported_and_the_rerun_finishes(reference: Path, tmp_path: Path) -> None:
    out, flag = tmp_path / "ds", tmp_path / "crash-once"
    flag.write_text("")
    failed = render(out, "--workers", "2", extra_env={CRASH_ONCE_ENV: str(flag)})
    assert failed.returncode == 2 and "exited with 17" in failed.stderr
    assert not (out / "coco" / "annotations.json").exists()
    again = render(out, "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert tree(out) == tree(reference)


def test_ray_with_one_worker_crash_equals_single_run(reference: Path, tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    from synthscape.batch.ray_engine import run_ray
    from synthscape.pipeline import RenderJob

    out, flag = tmp_path / "ds", tmp_path / "crash-once"
    flag.write_text("")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {CRASH_ONCE_ENV: str(flag), "PYTHONPATH": str(REPO)}})
    try:
        seen: list[int] = []
        result = run_ray(RenderJob(MINIMAL, out, frames=FRAMES), 3, renderer=FAKE, max_retries=2,
                         progress=lambda done, todo, index: seen.append(index))
    finally:
        ray.shutdown()
    assert not flag.exists(), "the injected crash did not happen"
    assert sorted(seen) == list(range(FRAMES))
    assert result.num_shards == 3 and result.merge is not None and result.merge.frames_merged == FRAMES
    assert (out / "coco" / "annotations.json").read_bytes() == (reference / "coco" / "annotations.json").read_bytes()
    assert tree(out) == tree(reference)


def test_ctrl_c_stops_every_worker_after_its_current_frame(tmp_path: Path) -> None:
    import signal
    import time

    from synthscape.batch.fake_renderer import DELAY_ENV
    from synthscape.dataset.status import dataset_status

    out = tmp_path / "ds"
    env = {**os.environ, RENDERER_ENV: FAKE, DELAY_ENV: "0.5",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out), "--frames", "12",
                             "--workers", "2"], env=env, cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not ((out / ".done").is_dir() and any((out / ".done").iterdir())) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr  # stopped early: non-zero, like any command Ctrl-C stopped
    assert "stopped early" in stdout
    state = dataset_status(out, 12)
    assert 1 <= len(state.done) < 12 and not state.failed, (state.done, state.failed)
