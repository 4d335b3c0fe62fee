"""``--engine ray`` on a Ray cluster started like a real one: a head and a worker node (``ray start``).

Both nodes run on 127.0.0.1 with one CPU each; the driver is ``synthscape render --engine ray
--address``. The Ray worker process rendering a shard on the worker node is killed (SIGKILL)
mid-shard: Ray retries the task, the retry resumes the shard, and the dataset is byte for
byte the one an uninterrupted single process renders. Fake renderer, so no Blender.

Each ``ray start`` runs with ``--block`` in its own session and is stopped by its process
id, with every process it started (``ray stop`` would also stop other Ray clusters on the
machine): no Ray process outlives the test, passed or failed.
"""

from __future__ import annotations

import difflib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from synthscape.batch.fake_renderer import DELAY_ENV
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.batch.workers import CLI_MODULE
from tests.batch_support import FAKE, MINIMAL, REPO, tree

psutil = pytest.importorskip("psutil")
pytest.importorskip("ray")

FRAMES = 8
SHARDS = 2
DELAY_S = 0.6
STARTUP_TIMEOUT_S = 60.0
AUTH_TOKEN = secrets.token_hex(32)
"""This cluster's own token (Ray >= 2.5x clusters require token authentication by default)."""
TASK_TITLE = "ray::render_shard_task"
"""Ray's process title for a worker executing a ``render_shard_task``."""


@dataclass
class RayNodes:
    """A running two-node cluster: its address and the two ``ray start --block`` processes."""

    address: str
    head: subprocess.Popen
    worker: subprocess.Popen
    logs: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ray_command() -> str:
    found = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
    if found is None:
        pytest.skip("the ray command is not installed (pip install 'synthscape[ray]')")
    return found


def node_env() -> dict[str, str]:
    """The nodes' environment; Ray worker processes inherit it (source tree importable, slow frames)."""
    return {**os.environ, DELAY_ENV: str(DELAY_S), "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": AUTH_TOKEN,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def start_node(logs: Path, name: str, *options: str) -> subprocess.Popen:
    with open(logs / f"{name}.log", "wb") as log:
        return subprocess.Popen([ray_command(), "start", "--block", "--num-cpus=1", "--num-gpus=0",
                                 "--node-ip-address=127.0.0.1", "--disable-usage-stats",
                                 "--object-store-memory=100000000",
                                 f"--dashboard-agent-listen-port={free_port()}", *options],
                                stdout=log, stderr=subprocess.STDOUT, env=node_env(), start_new_session=True)


def stop_node(proc: subprocess.Popen) -> None:
    """Stop one ``ray start --block`` and every process under it, by process id."""
    try:
        started = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    _, alive = psutil.wait_procs(started, timeout=10)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=10)


def wait_for_nodes(address: str, count: int, nodes: list[subprocess.Popen], logs: Path) -> None:
    """Poll ``ray status`` until ``count`` nodes are active."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        for node in nodes:
            assert node.poll() is None, f"ray start exited with {node.returncode}:\n{read_logs(logs)}"
        status = subprocess.run([ray_command(), "status", f"--address={address}"], capture_output=True,
                                text=True, env=node_env(), timeout=60, check=False)
        active = status.stdout.split("Active:", 1)[-1].split("Pending:", 1)[0]
        if status.returncode == 0 and active.count("node_") >= count:
            return
        assert time.monotonic() < deadline, f"{count} Ray nodes did not start:\n{status.stdout}{status.stderr}"
        time.sleep(1.0)


def read_logs(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text('utf-8', 'replace')[-2000:]}" for p in sorted(logs.glob("*.log")))


@pytest.fixture
def ray_nodes() -> Iterator[RayNodes]:
    temp = Path(tempfile.mkdtemp(prefix="ssray-", dir="/tmp"))  # short: Ray's socket paths are limited
    logs = temp / "logs-of-test"
    logs.mkdir()
    address = f"127.0.0.1:{free_port()}"
    head = start_node(logs, "head", "--head", f"--port={address.split(':')[1]}", "--include-dashboard=false",
                      f"--dashboard-port={free_port()}",
                      f"--temp-dir={temp / 'ray'}")  # own ports: other Ray clusters may run on this machine
    started = [head]
    try:
        wait_for_nodes(address, 1, started, logs)
        worker = start_node(logs, "worker", f"--address={address}")
        started.append(worker)
        wait_for_nodes(address, 2, started, logs)
        yield RayNodes(address=address, head=head, worker=worker, logs=logs)
    finally:
        for node in reversed(started):
            stop_node(node)
        shutil.rmtree(temp, ignore_errors=True)


def render_env() -> dict[str, str]:
    return {**node_env(), RENDERER_ENV: FAKE}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    done = subprocess.run([sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out),
                           "--frames", str(FRAMES)], env={**render_env(), DELAY_ENV: "0"}, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def shard_task_on(node: subprocess.Popen) -> psutil.Process | None:
    """A Ray worker process under ``node`` that is running a shard task, if any."""
    for process in psutil.Process(node.pid).children(recursive=True):
        try:
            if " ".join(process.cmdline()).startswith(TASK_TITLE):
                return process
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return None


def kill_task_mid_shard(nodes: RayNodes, out_dir: Path, driver: subprocess.Popen) -> int:
    """SIGKILL the shard task on the worker node once the first frame is done; return frames done then."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    markers = out_dir / ".done"
    while True:
        assert driver.poll() is None, f"the driver exited with {driver.returncode} before the kill"
        assert time.monotonic() < deadline, f"no shard task ran on the worker node:\n{read_logs(nodes.logs)}"
        task = shard_task_on(nodes.worker)
        done = len(list(markers.iterdir())) if markers.is_dir() else 0
        if task is not None and done >= 1:
            task.kill()
            task.wait(timeout=10)
            return done
        time.sleep(0.05)


def test_worker_killed_mid_shard_is_retried_and_the_dataset_equals_one_process(
        ray_nodes: RayNodes, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    driver = subprocess.Popen([sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out),
                               "--frames", str(FRAMES), "--engine", "ray", "--address", ray_nodes.address,
                               "--num-shards", str(SHARDS)], env=render_env(), cwd=REPO, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        done_at_kill = kill_task_mid_shard(ray_nodes, out, driver)
        stdout, stderr = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert done_at_kill < FRAMES, "the shard had already finished: the kill was not mid-shard"
    assert driver.returncode == 0, f"{stdout}\n{stderr}\n{read_logs(ray_nodes.logs)}"
    assert f"Ray, {SHARDS} task(s)" in stdout and f"{FRAMES} complete" in stdout, stdout
    assert (out / "coco" / "annotations.json").read_bytes() == (reference / "coco" / "annotations.json").read_bytes()
    assert tree(out) == tree(reference), differences(tree(reference), tree(out))


def differences(expected: dict[str, bytes], got: dict[str, bytes]) -> str:
    """Which files differ from the uninterrupted run, with a diff of the first text file."""
    names = sorted(n for n in expected.keys() | got.keys() if expected.get(n) != got.get(n))
    text = [n for n in names if n.endswith(".json") and n in expected and n in got]
    diff = "" if not text else "\n".join(difflib.unified_diff(
        expected[text[0]].decode().splitlines(), got[text[0]].decode().splitlines(), "uninterrupted", "ray",
        lineterm="", n=1))
    return f"files differ from an uninterrupted run: {names}\n{diff}"
