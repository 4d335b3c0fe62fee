"""Pipeline overhead: `synthscape render` versus bare bpy.ops.render.render of the same scenes.

Both run in this process on the same specs (tabletop.yaml, 320x240, 16 samples by default):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=str(REPO / "scenes" / "tabletop.yaml"))
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--resolution", default="320x240")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    resolution = tuple(int(v) for v in args.resolution.split("x"))
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

    def __init__(self, renderer: CyclesRenderer):
        self.renderer = renderer
        self.device_info = renderer.device_info
        self.blender_version = renderer.blender_version

    def render(self, spec):  # noqa: ANN001, ANN201 - the Renderer protocol
        return self.renderer.render(spec)

    def close(self) -> None:
        """Nothing: the benchmark closes the renderer at the end."""


if __name__ == "__main__":
    main()
