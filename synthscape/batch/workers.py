"""``--workers N``: render one dataset with N local worker processes, each with its own bpy.

Each worker is the ``synthscape render`` command itself, started as a subprocess with
``--shard-index k --num-shards N`` (exactly what a Kubernetes or Slurm task runs), so
every worker gets a fresh Blender. The parent writes ``run.json``, watches the
``.done`` markers for progress, and merges when every worker succeeded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from synthscape.dataset.merge import MergeResult, merge_dataset
from synthscape.batch.gpus import CUDA_DEVICES_ENV, assign_gpus, visible_gpus
from synthscape.batch.shard_run import warm_texture_cache
from synthscape.dataset.prepare import prepare_output
from synthscape.dataset.status import MarkerWatcher
from synthscape.batch.stop import stop_signal
from synthscape.errors import SynthscapeError
from synthscape.pipeline import ProgressCallback, plan_run
from synthscape.plan import RenderJob
from synthscape.writers.layout import complete_frames

POLL_S = 0.25
STOP_GRACE_S = 30.0
"""How long an aborted run waits for its workers to stop before killing them."""
CLI_MODULE = "headless"
"""``python -m headless`` runs the CLI like the ``synthscape`` script, with this interpreter."""


class WorkerError(SynthscapeError):
    """A worker process exited with an error."""


@dataclass
class WorkersResult:
    """Outcome of a local multi-process run.

    Attributes:
        return_codes: exit status of each worker, by shard index.
        seconds: wall time of the rendering, seconds.
        frames_done: complete frames of the dataset at the end.
        merge: the merge result (None when a worker failed or was interrupted).
    """

    return_codes: list[int]
    seconds: float
    frames_done: int
    merge: MergeResult | None = None


def render_command_line(job: RenderJob, shard_index: int, num_shards: int,
                        python: str = sys.executable) -> list[str]:
    """The ``synthscape render ... --shard-index k --num-shards N`` command of one worker."""
    cmd = [python, "-m", CLI_MODULE, "render", str(job.recipe_path), "--out", str(job.out_dir),
           "--shard-index", str(shard_index), "--num-shards", str(num_shards)]
    for key, value in {**job.overrides(), "texture_cache": job.texture_cache,
                       "max_texture_calls": job.max_texture_calls}.items():
        if value is None:
            continue
        if key == "resolution":
            value = "x".join(map(str, value))
        elif key == "outputs":
            value = ",".join(value)
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    return cmd + (["--offline"] if job.offline else [])


def worker_environment(environ: Mapping[str, str] | None = None, gpu: str | None = None) -> dict[str, str]:
    """The environment of a worker: the parent's, with this source tree importable (and only ``gpu``
    visible to it, when given)."""
    env = dict(os.environ if environ is None else environ)
    if gpu is not None:
        env[CUDA_DEVICES_ENV] = gpu
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _watch(job: RenderJob, todo: int, procs: Sequence[subprocess.Popen], progress: ProgressCallback | None,
           stop: threading.Event | None, on_poll: Callable[[Sequence[subprocess.Popen]], None] | None) -> None:
    """Poll the markers until every worker exited; forward a stop request (its signal) once."""
    watcher, forwarded = MarkerWatcher(job.out_dir, todo, progress), False
    while any(p.poll() is None for p in procs):
        if stop is not None and stop.is_set() and not forwarded:
            forwarded = True
            _signal_running(procs, stop_signal(stop))
        if on_poll is not None:
            on_poll(procs)
        watcher.poll()
        time.sleep(POLL_S)
    watcher.poll()


def _signal_running(procs: Sequence[subprocess.Popen], signum: int) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signum)


def stop_workers(procs: Sequence[subprocess.Popen], signum: int = signal.SIGTERM,
                 grace_s: float = STOP_GRACE_S) -> None:
    """Send ``signum`` to the workers still running, wait for them, and kill what outlives ``grace_s``.

    A worker that already got a stop request takes a second signal as "abort now"; one
    that did not stops after its current frame. Either way no worker outlives this call.
    """
    _signal_running(procs, signum)
    deadline = time.monotonic() + grace_s
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _stopped_cleanly(code: int, signum: int | None) -> bool:
    """Whether a worker's exit status means it finished, or stopped on request (``signum``).

    A worker stops with 128 + signal (its CLI's status), or dies of the signal (-signal)
    when it arrived before its handler was installed.
    """
    return code == 0 or (signum is not None and code in (128 + signum, -signum))


def _failure(logs: Sequence[Path], codes: Sequence[int], failed: Sequence[int]) -> WorkerError:
    lines = []
    for index in failed:
        tail = logs[index].read_text("utf-8", "replace").strip().splitlines()[-8:]
        lines.append(f"worker {index} exited with {codes[index]}:\n  " + "\n  ".join(tail))
    return WorkerError("\n".join(lines) + "\nrun the same command again to finish the remaining frames")


def run_local_workers(job: RenderJob, workers: int, *, progress: ProgressCallback | None = None,
                      stop: threading.Event | None = None, environ: Mapping[str, str] | None = None,
                      on_poll: Callable[[Sequence[subprocess.Popen]], None] | None = None) -> WorkersResult:
    """Render ``job`` with ``workers`` processes on this machine, then merge.

    Args:
        job: the whole dataset (``frame_indices`` must be None).
        workers: number of worker processes (= shards).
        progress: called as frames complete, with (done, to do, frame index).
        stop: when set, each worker gets the signal that set it (:attr:`StopRequest.signum`,
            SIGINT for a plain event) and stops after its current frame; this call waits for them.
        environ: the workers' environment (default: this process's). With GPUs visible
            (:func:`synthscape.batch.gpus.visible_gpus`) and a device other than ``cpu``, worker
            ``k`` sees only the ``k``-th GPU.
        on_poll: called with the worker processes a few times a second (e.g. to sample memory).

    Raises:
        WorkerError: a worker failed (the others still finish their frames). Workers that
            stopped on a stop request (exit 128 + signal) are not failures.
        SynthscapeError: more workers than GPUs (they would share one by accident).
    """
    if workers < 1:
        raise SynthscapeError(f"--workers must be >= 1, got {workers}")
    started = time.perf_counter()
    plan = plan_run(job)
    gpus = assign_gpus(workers, plan.device, visible_gpus(environ))
    record = prepare_output(plan, num_shards=workers)
    warm_texture_cache(plan)
    todo = record.frames - len([i for i in complete_frames(job.out_dir) if i < record.frames])
    with tempfile.TemporaryDirectory(prefix="synthscape-workers-") as log_dir:
        logs = [Path(log_dir) / f"worker-{k}.log" for k in range(workers)]
        procs = []
        for k, log in enumerate(logs):
            with open(log, "wb") as handle:  # own session: a terminal Ctrl-C reaches only the parent
                procs.append(subprocess.Popen(render_command_line(job, k, workers), stdout=handle,
                                              stderr=subprocess.STDOUT, env=worker_environment(environ, gpus[k]),
                                              start_new_session=True))
        try:
            _watch(job, todo, procs, progress, stop, on_poll)
        except BaseException:  # second Ctrl-C or an error here: do not leave workers behind
            stop_workers(procs, stop_signal(stop) if stop is not None and stop.is_set() else signal.SIGTERM)
            raise
        codes = [p.wait() for p in procs]
        signum = stop_signal(stop) if stop is not None and stop.is_set() else None
        failed = [k for k, code in enumerate(codes) if not _stopped_cleanly(code, signum)]
        if failed:
            raise _failure(logs, codes, failed)
    done = len([i for i in complete_frames(job.out_dir) if i < record.frames])
    result = WorkersResult(return_codes=codes, seconds=time.perf_counter() - started, frames_done=done)
    if done == record.frames and not (stop is not None and stop.is_set()):
        result.merge = merge_dataset(job.out_dir, record=record)
    return result
