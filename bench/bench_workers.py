"""Local scaling: frames per minute with 1 and 2 worker processes, and memory per worker.

Renders tabletop.yaml (small resolution, few samples by default) with
``synthscape render --workers N`` for N = 1 and 2 into fresh folders, timing the whole
run (worker start-up, Blender import, rendering, writers and merge). Resident memory is
sampled from each worker process (psutil, including its children) while it runs; the
peak per worker is reported. Scaling = (frames/min with 2) / (frames/min with 1); 2.0
is perfect, and on a machine with fewer free cores than workers it cannot exceed ~1.

    python bench/bench_workers.py [--frames 16] [--resolution 160x120] [--samples 4] [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import psutil

from synthscape.batch.workers import run_local_workers
from synthscape.pipeline import RenderJob

REPO = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024


class PeakMemory:
    """``on_poll`` hook: peak resident set size of each worker's process tree, bytes."""

    def __init__(self) -> None:
        self.peak: dict[int, int] = {}

    def __call__(self, procs: Sequence[subprocess.Popen]) -> None:
        for proc in procs:
            try:
                root = psutil.Process(proc.pid)
                rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
            except psutil.Error:
                continue
            self.peak[proc.pid] = max(self.peak.get(proc.pid, 0), rss)


def measure(workers: int, args: argparse.Namespace) -> tuple[float, list[float]]:
    """(frames per minute, peak RSS MiB of each worker) of one run with ``workers`` processes."""
    width, height = (int(v) for v in args.resolution.split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        job = RenderJob(str(REPO / "scenes" / "tabletop.yaml"), Path(tmp) / "ds", frames=args.frames,
                        resolution=(width, height), samples=args.samples, device=args.device)
        memory = PeakMemory()
        result = run_local_workers(job, workers, on_poll=memory)
        assert result.merge is not None and result.merge.frames_merged == args.frames
    return args.frames / result.seconds * 60.0, [rss / MIB for rss in memory.peak.values()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--resolution", default="160x120")
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--device", default="cpu", choices=["cpu", "gpu", "auto"])
    args = parser.parse_args()
    print(f"tabletop.yaml, {args.frames} frames at {args.resolution}, {args.samples} samples, "
          f"device {args.device}, {os.cpu_count()} CPU(s) visible")
    rates = {}
    for workers in (1, 2):
        rate, rss = measure(workers, args)
        rates[workers] = rate
        per_worker = ", ".join(f"{m:.0f}" for m in rss)
        print(f"workers {workers}: {rate:6.1f} frames/min   peak RSS per worker MiB: {per_worker}")
    print(f"scaling 2 vs 1 workers: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
