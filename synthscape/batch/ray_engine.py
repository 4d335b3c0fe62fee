"""``--engine ray``: one Ray task per shard, on a local Ray or a cluster (KubeRay, ``ray up``).

Each task runs :func:`synthscape.batch.shard_run.run_shard` in a Ray worker process,
with ``num_gpus=1`` when rendering on GPU, ``max_retries`` for dead workers and
``retry_exceptions=True`` for errors. A retried shard resumes: frames it already
completed are skipped. The output folder must be visible under the same path to the
driver and every worker (a shared volume: NFS, a ReadWriteMany PVC); the driver reads
the ``.done`` markers for progress and merges when every task succeeded.

Requires the ``ray`` extra (``pip install 'synthscape[ray]'``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthscape.dataset.merge import MergeResult, merge_dataset
from synthscape.batch.shard_run import RENDERER_ENV, load_renderer_factory, run_shard, summary_dict, warm_texture_cache
from synthscape.dataset.prepare import prepare_output
from synthscape.dataset.status import MarkerWatcher
from synthscape.errors import SynthscapeError
from synthscape.pipeline import ProgressCallback, plan_run
from synthscape.plan import RenderJob
from synthscape.writers.layout import complete_frames

POLL_S = 0.5


class RayEngineError(SynthscapeError):
    """Ray is missing, or a shard failed after all its retries."""


@dataclass
class RayResult:
    """Outcome of a Ray run.

    Attributes:
        num_shards: tasks submitted.
        shard_summaries: each shard's :func:`summary_dict` (of its last, successful attempt).
        seconds: wall time, seconds.
        merge: the merge result.
    """

    num_shards: int
    shard_summaries: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    merge: MergeResult | None = None


def render_shard_task(job: RenderJob, shard_index: int, num_shards: int,
                      renderer: str | None = None) -> dict[str, Any]:
    """The body of a Ray task: render one shard in this worker process (no merge)."""
    factory = load_renderer_factory(renderer or os.environ.get(RENDERER_ENV))
    return summary_dict(run_shard(job, shard_index, num_shards, renderer_factory=factory))


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayEngineError("--engine ray needs Ray: pip install 'synthscape[ray]' (or pip install ray)") from None
    return ray


def wants_gpu(device: str, cluster_gpus: float) -> bool:
    """Whether each task should reserve a GPU (device ``gpu``, or ``auto`` on a cluster with GPUs)."""
    return device == "gpu" or (device == "auto" and cluster_gpus >= 1)


def default_num_shards(frames: int, slots: float) -> int:
    """One shard per task slot of the cluster (GPUs or CPUs), at most one per frame."""
    return max(1, min(frames, int(slots)))


def _init(ray: Any, address: str | None, runtime_env: dict[str, Any] | None) -> bool:
    if ray.is_initialized():
        return False
    env = dict(runtime_env or {})
    if address is None:  # local Ray: make this source tree importable by the workers
        root = str(Path(__file__).resolve().parents[2])
        env_vars = dict(env.get("env_vars", {}))
        env_vars["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env_vars.get("PYTHONPATH"),
                                                                os.environ.get("PYTHONPATH")]))
        env["env_vars"] = env_vars
    ray.init(address=address, runtime_env=env or None, log_to_driver=False)
    return True


def _collect(ray: Any, refs: list[Any], watcher: MarkerWatcher) -> list[dict[str, Any]]:
    results: dict[Any, dict[str, Any]] = {}
    errors: list[str] = []
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_S)
        for ref in ready:
            try:
                results[ref] = ray.get(ref)
            except Exception as error:  # noqa: BLE001 - Ray wraps the worker's error; report them all
                errors.append(f"shard {refs.index(ref)}: {type(error).__name__}: {str(error).splitlines()[0]}")
        watcher.poll()
    if errors:
        raise RayEngineError("shards failed after all retries:\n  " + "\n  ".join(errors)
                             + "\nrun the same command again to finish the remaining frames")
    return [results[ref] for ref in refs]


def run_ray(job: RenderJob, num_shards: int | None = None, *, address: str | None = None,
            max_retries: int = 3, progress: ProgressCallback | None = None, renderer: str | None = None,
            runtime_env: dict[str, Any] | None = None) -> RayResult:
    """Render ``job`` as Ray tasks (one per shard) and merge.

    Args:
        job: the whole dataset.
        num_shards: tasks to submit (default: one per GPU, or per CPU, of the cluster).
        address: the Ray cluster (``ray://host:10001``, ``auto``); None starts a local Ray
            unless one is already initialized in this process.
        max_retries: retries of a shard whose worker died or raised.
        progress: called as frames complete.
        renderer: ``module:callable`` renderer factory for the tasks (default: Cycles).
        runtime_env: Ray runtime environment for the tasks (e.g. ``env_vars``).

    Raises:
        RayEngineError: Ray is not installed, or a shard failed after its retries.
    """
    ray = _import_ray()
    started = time.perf_counter()
    plan = plan_run(job)
    record = prepare_output(plan)
    warm_texture_cache(plan)
    owns_ray = _init(ray, address, runtime_env)
    try:
        resources = ray.cluster_resources()
        gpu = wants_gpu(plan.device, resources.get("GPU", 0))
        shards = num_shards or default_num_shards(record.frames, resources.get("GPU" if gpu else "CPU", 1))
        record = prepare_output(plan, num_shards=shards)
        todo = record.frames - len([i for i in complete_frames(job.out_dir) if i < record.frames])
        task = ray.remote(render_shard_task).options(num_gpus=1 if gpu else 0, num_cpus=1,
                                                     max_retries=max_retries, retry_exceptions=True)
        refs = [task.remote(job, k, shards, renderer) for k in range(shards)]
        summaries = _collect(ray, refs, MarkerWatcher(job.out_dir, todo, progress))
    finally:
        if owns_ray:
            ray.shutdown()
    result = RayResult(num_shards=shards, shard_summaries=summaries, seconds=time.perf_counter() - started)
    result.merge = merge_dataset(job.out_dir, record=record)
    return result
