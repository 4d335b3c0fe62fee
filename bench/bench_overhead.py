"""Pipeline overhead: `synthscape render` versus bare bpy.ops.render.render of the same scenes.

Two modes.

``--mode steady`` (issue 17, the GPU-readiness figure): one ``render_dataset`` run; the
renderer records the start and end of every ``bpy.ops.render.render`` call, measured inside
:class:`CyclesRenderer`. Steady overhead = (last render end - first render start) / sum of
the render times; "pipeline work between renders" = (span - sum) / (frames - 1). Defaults:
tabletop.yaml with the denoiser off, 640x480, 1 sample, 16 frames, 2 rounds.

    python bench/bench_overhead.py --mode steady [--frames 16] [--resolution 640x480] [--samples 1]

``--mode compare`` (issue 2): both run in this process on the same specs (tabletop.yaml, 320x240, 16 samples by default):
1. bare: build each scene with the Blender layer, then time only bpy.ops.render.render;
2. pipeline: time synthscape.pipeline.render_dataset end to end (sampling, building,
   rendering, EXR decoding, all writers, COCO merge).
The two alternate for --rounds rounds (so machine load and warm-up hit both alike); prints
each round and the ratio of the medians, pipeline / bare. Target (issue 2): at most 1.10.

    python bench/bench_overhead.py [--frames 20] [--resolution 320x240] [--samples 16] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from synthscape import pipeline
from synthscape.blender.render import CyclesRenderer
from synthscape.pipeline import RenderJob, render_dataset
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_scene

REPO = Path(__file__).resolve().parents[1]


def time_bare(renderer: CyclesRenderer, specs: list) -> float:
    """Seconds spent in bpy.ops.render.render alone for these specs."""
    import bpy

    total = 0.0
    for spec in specs:
        renderer.build(spec)
        started = time.perf_counter()
        bpy.ops.render.render(write_still=False)
        total += time.perf_counter() - started
    return total


def recipe_without_denoiser(recipe_path: str, folder: Path) -> str:
    """A copy of the recipe with ``render.denoise: false`` (tabletop.yaml has no relative paths)."""
    data = yaml.safe_load(Path(recipe_path).read_text())
    data.setdefault("render", {})["denoise"] = False
    path = folder / Path(recipe_path).name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def steady_round(recipe: str, frames: int, resolution: tuple[int, int], samples: int,
                 shared: CyclesRenderer) -> tuple[float, float, float]:
    """One ``render_dataset`` run; returns (span first render start..last render end, sum of renders, wall)."""
    spans: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as out:
        job = RenderJob(recipe_path=recipe, out_dir=Path(out), frames=frames, seed=0,
                        resolution=resolution, samples=samples, device="cpu")
        started = time.perf_counter()
        render_dataset(job, renderer_factory=lambda device: KeepOpen(shared, spans))
        wall = time.perf_counter() - started
    span = spans[-1][1] - spans[0][0]
    return span, sum(end - start for start, end in spans), wall


def timed_write_views(write_seconds: list[float]):
    """``pipeline.write_views`` that also records how long each frame's write step took (writer thread)."""
    original = pipeline.write_views

    def write_views(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            write_seconds.append(time.perf_counter() - started)

    return original, write_views


def main_steady(args: argparse.Namespace, resolution: tuple[int, int]) -> None:
    """Print the steady overhead of each round and the spread."""
    shared = CyclesRenderer(device="cpu")
    ratios, between = [], []
    with tempfile.TemporaryDirectory() as folder:
        recipe = args.recipe if args.denoise else recipe_without_denoiser(args.recipe, Path(folder))
        for round_index in range(args.rounds):
            write_seconds: list[float] = []
            original, pipeline.write_views = timed_write_views(write_seconds)
            try:
                span, rendering, wall = steady_round(recipe, args.frames, resolution, args.samples, shared)
            finally:
                pipeline.write_views = original
            ratios.append(span / rendering)
            between.append(1000 * (span - rendering) / max(args.frames - 1, 1))
            print(f"round {round_index}: render {1000 * rendering / args.frames:.0f} ms/frame, "
                  f"pipeline work between renders {between[-1]:.0f} ms/frame, "
                  f"steady overhead {ratios[-1]:.3f} (run wall {wall:.2f} s); writer thread "
                  f"{1000 * statistics.median(write_seconds):.0f} ms/frame (overlaps the next render)", flush=True)
    shared.close()
    print(f"steady overhead: median {statistics.median(ratios):.3f}, range {min(ratios):.3f}-{max(ratios):.3f} "
          f"(target <= 1.10, stretch 1.05); between renders: median {statistics.median(between):.0f} ms, "
          f"range {min(between):.0f}-{max(between):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("steady", "compare"), default="steady")
    parser.add_argument("--recipe", default=str(REPO / "scenes" / "tabletop.yaml"))
    parser.add_argument("--frames", type=int, default=None, help="default: 16 (steady), 20 (compare)")
    parser.add_argument("--resolution", default=None, help="default: 640x480 (steady), 320x240 (compare)")
    parser.add_argument("--samples", type=int, default=None, help="default: 1 (steady), 16 (compare)")
    parser.add_argument("--denoise", action="store_true", help="steady: keep the recipe's denoiser setting")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    steady = args.mode == "steady"
    args.frames = args.frames or (16 if steady else 20)
    args.samples = args.samples or (1 if steady else 16)
    resolution = tuple(int(v) for v in (args.resolution or ("640x480" if steady else "320x240")).split("x"))
    if steady:
        main_steady(args, resolution)
        return
    recipe = load_recipe(args.recipe)
    specs = [sample_scene(recipe, 0, i, resolution=resolution, samples=args.samples, device="cpu")
             for i in range(args.frames)]
    shared = CyclesRenderer(device="cpu")
    bare_times, pipeline_times = [], []
    for round_index in range(args.rounds):
        bare_times.append(time_bare(shared, specs))
        with tempfile.TemporaryDirectory() as out:
            job = RenderJob(recipe_path=args.recipe, out_dir=Path(out), frames=args.frames, seed=0,
                            resolution=resolution, samples=args.samples, device="cpu")
            started = time.perf_counter()
            render_dataset(job, renderer_factory=lambda device: KeepOpen(shared))
            pipeline_times.append(time.perf_counter() - started)
        print(f"round {round_index}: bare {bare_times[-1]:.2f} s, pipeline {pipeline_times[-1]:.2f} s", flush=True)
    bare, pipeline = statistics.median(bare_times), statistics.median(pipeline_times)
    print(f"bare render:  {bare:.2f} s ({bare / args.frames:.3f} s/frame)")
    print(f"pipeline:     {pipeline:.2f} s ({pipeline / args.frames:.3f} s/frame)")
    print(f"overhead ratio pipeline/bare: {pipeline / bare:.3f} (target <= 1.10)")
    shared.close()


class KeepOpen:
    """The shared renderer, with close() left to this benchmark."""

    def __init__(self, renderer: CyclesRenderer, spans: list[tuple[float, float]] | None = None):
        self.renderer = renderer
        self.device_info = renderer.device_info
        self.blender_version = renderer.blender_version
        self.spans = spans if spans is not None else []

    def render(self, spec):
        buffers = self.renderer.render(spec)
        self.spans.append(self.renderer.last_render_span)
        return buffers

    def close(self) -> None:
        """Nothing: the benchmark closes the renderer at the end."""


if __name__ == "__main__":
    main()
