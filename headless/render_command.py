"""``synthscape render``: run the pipeline with a progress bar, Ctrl-C handling and a summary.

Also the batch front end: ``--shard-index/--num-shards`` (or a farm's environment),
``--workers N`` and ``--engine ray`` (see :mod:`synthscape.batch`).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import click

from headless.progress import format_duration
from synthscape.dataset.sharding import resolve_shard
from synthscape.batch.shard_run import RENDERER_ENV, renderer_factory_from_env, run_shard
from synthscape.batch.stop import STOP_SIGNALS, StopRequest
from synthscape.errors import SynthscapeError
from synthscape.pipeline import ProgressCallback, RunSummary, render_dataset
from synthscape.plan import RenderJob


@contextlib.contextmanager
def stop_after_current_frame() -> Iterator[StopRequest]:
    """While inside, the first Ctrl-C (or SIGTERM) asks the loop to stop after the current frame.

    A second one interrupts at once (the frame in progress is not kept: frames are
    only complete once their marker is written). The request remembers its signal, for
    :func:`exit_if_stopped` and for forwarding to worker processes.
    """
    stop = StopRequest()
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def handle(signum: int, frame: object) -> None:
        if stop.is_set():
            restore()
            raise KeyboardInterrupt
        stop.request(signum)
        click.echo(f"\n{signal.Signals(signum).name}: stopping after the current frame "
                   "(Ctrl-C again to abort now)", err=True)

    for signum in STOP_SIGNALS:
        signal.signal(signum, handle)
    try:
        yield stop
    finally:
        restore()


def exit_if_stopped(stop: StopRequest, stopped_early: bool) -> None:
    """After the summary: a run a signal stopped early exits 128 + signal (130 Ctrl-C, 143 SIGTERM).

    Everything a resume needs is on disk by then (``run.json`` and each finished frame's marker).
    """
    if stopped_early and stop.is_set():
        raise click.exceptions.Exit(stop.exit_code)


def print_summary(summary: RunSummary) -> None:
    """The one-screen summary after a run."""
    rendered = len(summary.frames_rendered)
    per_frame = summary.render_seconds / rendered if rendered else 0.0
    device = summary.device_info.get("description") or summary.device_info.get("type", "?")
    lines = [
        "",
        f"dataset     {summary.out_dir}",
        f"frames      {rendered} rendered, {len(summary.frames_skipped)} already complete, "
        f"{summary.frames_total} in the dataset",
        f"device      {device}",
        f"time        {format_duration(summary.seconds)} total, {per_frame:.2f} s/frame rendering",
    ]
    if summary.category_counts:
        counts = ", ".join(f"{name} {count}" for name, count in summary.category_counts.items())
        lines.append(f"instances   {counts}")
        lines.append(f"annotations {summary.out_dir / 'coco' / 'annotations.json'}")
    if summary.interrupted:
        lines.append("stopped early: run the same command again to finish the remaining frames")
    click.echo("\n".join(lines))


def run_render(job: RenderJob, *, progress_factory: Callable[[], ProgressCallback],
               shard_index: int | None = None, num_shards: int | None = None, workers: int | None = None,
               engine: str = "local", address: str | None = None,
               environ: Mapping[str, str] | None = None) -> RunSummary | None:
    """Render ``job`` with progress output and print the summary.

    Dispatches on the options: ``--engine ray``, ``--workers N`` (N > 1), a shard (flags
    or engine environment, no merge), or the whole dataset in this process (merged).
    Returns the summary of an in-process run, None for workers/Ray.

    Raises:
        SynthscapeError: inconsistent options (shown by the CLI, exit 2).
    """
    environ = os.environ if environ is None else environ
    out_dir = job.out_dir
    if engine == "ray":
        _no_shard_flags(shard_index, "--engine ray")
        return _run_ray(job, num_shards or workers, address, progress_factory, environ)
    if address is not None:
        raise SynthscapeError("--address is for --engine ray; add --engine ray or drop --address")
    if workers is not None and workers > 1:
        _no_shard_flags(shard_index if shard_index is not None else num_shards, f"--workers {workers}")
        return _run_workers(job, workers, progress_factory)
    shard = resolve_shard(shard_index, num_shards, environ)
    factory = renderer_factory_from_env(environ)
    with stop_after_current_frame() as stop:
        if shard is not None:
            summary = run_shard(job, *shard, renderer_factory=factory, progress=progress_factory(), stop=stop)
        else:
            summary = render_dataset(job, renderer_factory=factory, progress=progress_factory(), stop=stop)
    print_summary(summary)
    if shard is not None:
        click.echo(f"shard       {shard[0]} of {shard[1]} (frames i with i mod {shard[1]} == {shard[0]}); "
                   f"when every shard is done: synthscape merge {out_dir}")
    exit_if_stopped(stop, summary.interrupted)
    return summary


def _no_shard_flags(value: int | None, option: str) -> None:
    if value is not None:
        raise SynthscapeError(f"{option} splits the dataset itself; drop --shard-index/--num-shards "
                              "(with --engine ray, --num-shards sets the number of tasks)")


def _run_workers(job: RenderJob, workers: int, progress_factory: Callable[[], ProgressCallback]) -> None:
    from synthscape.batch.workers import run_local_workers

    with stop_after_current_frame() as stop:
        result = run_local_workers(job, workers, progress=progress_factory(), stop=stop)
    _print_farm_summary(job.out_dir, f"{workers} local workers", result.seconds, result.frames_done, result.merge)
    exit_if_stopped(stop, result.merge is None)


def _run_ray(job: RenderJob, num_shards: int | None, address: str | None,
             progress_factory: Callable[[], ProgressCallback], environ: Mapping[str, str]) -> None:
    from synthscape.batch.ray_engine import run_ray

    result = run_ray(job, num_shards, address=address, progress=progress_factory(),
                     renderer=environ.get(RENDERER_ENV))
    _print_farm_summary(job.out_dir, f"Ray, {result.num_shards} task(s)", result.seconds,
                        result.merge.frames_merged if result.merge else 0, result.merge)


def _print_farm_summary(out_dir: Path, engine: str, seconds: float, frames_done: int, merge: Any) -> None:
    rate = frames_done / seconds * 60.0 if seconds > 0 else 0.0
    lines = ["", f"dataset     {out_dir}", f"engine      {engine}",
             f"frames      {frames_done} complete", f"time        {format_duration(seconds)} ({rate:.1f} frames/min)"]
    if merge is not None:
        counts = ", ".join(f"{name} {count}" for name, count in merge.category_counts.items())
        lines += [f"instances   {counts}", f"annotations {out_dir / 'coco' / 'annotations.json'}"]
    else:
        lines.append("stopped early: run the same command again to finish the remaining frames")
    click.echo("\n".join(lines))


def print_texture_plan(recipe: Path, texture_cache: str | None) -> None:
    """``--dry-run``: the texture API calls and image output tokens a run would spend."""
    from synthscape.recipe.load import load_recipe
    from synthscape.textures import plan_texture_calls

    plan = plan_texture_calls(load_recipe(recipe).generated_textures(), texture_cache)
    click.echo(f"dry run: {plan.summary()}")
