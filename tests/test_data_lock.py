"""The ``--out`` lock: a second run into a folder a live run holds is refused (exit 2, naming the
holder), a killed holder never blocks, and shards of one dataset still run side by side."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthscape.batch.fake_renderer import DELAY_ENV
from synthscape.dataset.lock import LOCKS_DIR, OutputLockedError, hold_output_lock
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.dataset.status import dataset_status
from synthscape.batch.workers import CLI_MODULE
from tests.batch_support import FAKE, MINIMAL, REPO, tree

FRAMES = 6
HOLD_SCRIPT = """
import sys, time
from synthscape.dataset.lock import hold_output_lock
shard = tuple(map(int, sys.argv[2].split("/"))) if len(sys.argv) > 2 else None
with hold_output_lock(sys.argv[1], shard=shard):
    print("held", flush=True)
    time.sleep(120)
"""


def env(delay: float = 0.0) -> dict[str, str]:
    return {**os.environ, RENDERER_ENV: FAKE, DELAY_ENV: str(delay),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def render_cmd(out_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out_dir), "--frames", str(FRAMES),
            *extra]


def start(cmd: list[str], delay: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env(delay), cwd=REPO, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def hold(out_dir: Path, shard: str | None = None) -> subprocess.Popen:
    """A process that holds the folder (or a shard ``K/M``) until killed."""
    proc = start([sys.executable, "-c", HOLD_SCRIPT, str(out_dir), *([shard] if shard else [])])
    assert proc.stdout.readline().strip() == "held", proc.stderr.read()
    return proc


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def wait_for_first_frame(out_dir: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not any((out_dir / ".done").glob("0*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    subprocess.run(render_cmd(out), env=env(), cwd=REPO, check=True, capture_output=True)
    return out


def test_two_runs_started_together_one_is_refused_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    procs = [start(render_cmd(out, "--seed", str(seed)), delay=0.4) for seed in (0, 1)]
    results = [(p.pid, *p.communicate(timeout=120), p.returncode) for p in procs]
    codes = sorted(code for *_rest, code in results)
    assert codes == [0, 2], results
    (winner, *_), (_, _, refused_err, _) = sorted(results, key=lambda r: r[3])
    assert "another run is writing into this folder" in refused_err, refused_err
    assert f"pid {winner}" in refused_err and "all frames" in refused_err and "render" in refused_err
    assert "Traceback" not in refused_err
    seed = json.loads((out / "run.json").read_text())["seed"]
    seeds = {json.loads(p.read_text())["dataset_seed"] for p in (out / "meta").glob("*.json")}
    assert seeds == {seed} and len(dataset_status(out, FRAMES).done) == FRAMES


def test_a_run_into_a_held_folder_is_refused_and_leaves_it_untouched(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    holder = hold(out)
    try:
        refused = subprocess.run(render_cmd(out), env=env(), cwd=REPO, capture_output=True, text=True)
        assert refused.returncode == 2, refused.stderr
        assert f"pid {holder.pid} on host" in refused.stderr and "started" in refused.stderr
        assert not (out / "run.json").exists() and not (out / ".done").exists()
        with pytest.raises(OutputLockedError, match=f"pid {holder.pid}"):
            with hold_output_lock(out, shard=(0, 2)):
                pass
    finally:
        kill(holder)


def test_a_sigkilled_holder_never_blocks_the_next_run(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    proc = start(render_cmd(out), delay=0.3)
    wait_for_first_frame(out, proc)
    kill(proc)
    assert list((out / LOCKS_DIR).iterdir()), "a killed run leaves its (unlocked) lock file"
    rerun = subprocess.run(render_cmd(out), env=env(), cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert tree(out) == tree(reference)
    assert not list((out / LOCKS_DIR).iterdir()), "a run that ends removes its lock files"


def test_two_shards_run_side_by_side_and_merge_to_the_single_run(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shards = [start(render_cmd(out, "--shard-index", str(k), "--num-shards", "2"), delay=0.3) for k in (0, 1)]
    outcomes = [(p.communicate(timeout=120), p.returncode) for p in shards]
    assert [code for _, code in outcomes] == [0, 0], outcomes
    merged = subprocess.run([sys.executable, "-m", CLI_MODULE, "merge", str(out)], env=env(), cwd=REPO,
                            capture_output=True, text=True)
    assert merged.returncode == 0, merged.stderr
    assert tree(out) == tree(reference)


def test_while_shards_run_a_whole_run_the_same_shard_and_another_split_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    holders = [hold(out, "0/2"), hold(out, "1/2")]
    try:
        late = [start(render_cmd(out)), start(render_cmd(out, "--shard-index", "1", "--num-shards", "2")),
                start(render_cmd(out, "--shard-index", "0", "--num-shards", "3"))]
        refusals = [(p.communicate(timeout=120)[1], p.returncode) for p in late]
    finally:
        for holder in holders:
            kill(holder)
    expected = ([0, 1], [1], [0, 1])
    for (stderr, code), named in zip(refusals, expected):
        assert code == 2, stderr
        assert "another run is writing into this folder" in stderr
        assert all(f"pid {holders[k].pid} on host" in stderr and f"(shard {k} of 2)" in stderr for k in named), stderr
    assert not (out / "run.json").exists()


def test_a_held_shard_lets_other_shards_start_and_refuses_a_whole_run(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    holder = hold(out, "1/2")
    try:
        with hold_output_lock(out, shard=(0, 2)):
            pass
        with pytest.raises(OutputLockedError, match=rf"pid {holder.pid} .*\(shard 1 of 2\)"):
            with hold_output_lock(out):
                pass
    finally:
        kill(holder)
    with hold_output_lock(out):  # the killed holder's lock is gone with it
        with pytest.raises(OutputLockedError):
            with hold_output_lock(out, shard=(0, 2)):
                pass


def test_shard_locks_in_one_process_release_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    with hold_output_lock(out, shard=(0, 2)):
        with hold_output_lock(out, shard=(1, 2)):
            with pytest.raises(OutputLockedError):
                with hold_output_lock(out, shard=(1, 2)):
                    pass
        with pytest.raises(OutputLockedError):  # shard 0 still holds the shared lock
            with hold_output_lock(out):
                pass
    assert list((out / LOCKS_DIR).iterdir()) == []
    with hold_output_lock(out):
        pass
