"""``synthscape render``: run the pipeline with a progress bar, Ctrl-C handling and a summary."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from headless.progress import format_duration
from synthscape.pipeline import ProgressCallback, RenderJob, RunSummary, render_dataset


@contextlib.contextmanager
def stop_after_current_frame() -> Iterator[threading.Event]:
    """While inside, the first Ctrl-C asks the loop to stop after the current frame.

    A second Ctrl-C interrupts at once (the frame in progress is not kept: frames are
    only complete once their marker is written).
    """
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def handle(signum: int, frame: object) -> None:
        if stop.is_set():
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        stop.set()
        click.echo("\nstopping after the current frame (Ctrl-C again to abort now)", err=True)

    signal.signal(signal.SIGINT, handle)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


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


def run_render(recipe: Path, out_dir: Path, *, frames: int | None, seed: int | None,
               device: str | None, resolution: tuple[int, int] | None, samples: int | None,
               progress_factory: Callable[[], ProgressCallback], frame_indices: list[int] | None = None,
               finalize: bool = True) -> RunSummary:
    """Render with progress output and print the summary."""
    job = RenderJob(recipe_path=str(recipe), out_dir=out_dir, frames=frames, seed=seed,
                    resolution=resolution, samples=samples, device=device,
                    frame_indices=frame_indices, finalize=finalize)
    with stop_after_current_frame() as stop:
        summary = render_dataset(job, progress=progress_factory(), stop=stop)
    print_summary(summary)
    return summary
