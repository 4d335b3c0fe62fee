"""Resident memory over many frames rendered in one process (leak check).

Renders frames of a recipe (default scenes/tabletop.yaml at 64x48, 1 sample) through the
same renderer and writers the CLI uses, and prints RSS at frame 10 and at the last frame.
Target (issue 2): RSS at frame 200 within 10% of RSS at frame 10.

``--pipeline`` runs the frames through ``render_dataset`` instead (background writer, frame
reuse in the builder, COCO merge at the end), sampling RSS from the progress callback.

    python bench/bench_memory.py [--frames 200] [--resolution 64x48] [--samples 1] [--pipeline]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import psutil

from synthscape.blender.render import CyclesRenderer
from synthscape.pipeline import RenderJob, render_dataset
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_scene
from synthscape.writers import write_frame

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=str(REPO / "scenes" / "tabletop.yaml"))
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--resolution", default="64x48")
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--pipeline", action="store_true", help="run the frames through render_dataset")
    args = parser.parse_args()
    width, height = (int(v) for v in args.resolution.split("x"))
    recipe = load_recipe(args.recipe)
    process = psutil.Process()
    renderer = CyclesRenderer(device="cpu")
    rss: dict[int, float] = {}
    started = time.perf_counter()

    def record(done: int, *_: object) -> None:
        rss[done] = process.memory_info().rss / 2**20
        if done % 25 == 0 or done in (1, 10):
            print(f"frame {done:4d}  rss {rss[done]:8.1f} MiB", flush=True)

    with tempfile.TemporaryDirectory() as out:
        if args.pipeline:
            job = RenderJob(recipe_path=args.recipe, out_dir=Path(out), frames=args.frames, seed=0,
                            resolution=(width, height), samples=args.samples, device="cpu")
            render_dataset(job, renderer_factory=lambda device: renderer, progress=record)
        else:
            for index in range(args.frames):
                spec = sample_scene(recipe, 0, index, resolution=(width, height), samples=args.samples)
                write_frame(Path(out), spec, renderer.render(spec), renderer.blender_version)
                record(index + 1)
        renderer.close()
    first, last = rss[min(10, args.frames)], rss[args.frames]
    print(f"\nrss at frame 10: {first:.1f} MiB, at frame {args.frames}: {last:.1f} MiB, "
          f"growth {100 * (last - first) / first:+.1f}% (target within 10%)")
    print(f"{args.frames} frames in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
