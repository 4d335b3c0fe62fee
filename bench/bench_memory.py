"""Resident memory over many frames rendered in one process (leak check).

Renders frames of a recipe (default scenes/tabletop.yaml at 64x48, 1 sample) through the
same renderer and writers the CLI uses, and prints RSS at frame 10 and at the last frame.
Target (issue 2): RSS at frame 200 within 10% of RSS at frame 10.

    python bench/bench_memory.py [--frames 200] [--resolution 64x48] [--samples 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import psutil

from synthscape.blender.render import CyclesRenderer
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
    args = parser.parse_args()
    width, height = (int(v) for v in args.resolution.split("x"))
    recipe = load_recipe(args.recipe)
    process = psutil.Process()
    renderer = CyclesRenderer(device="cpu")
    rss: dict[int, float] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        for index in range(args.frames):
            spec = sample_scene(recipe, 0, index, resolution=(width, height), samples=args.samples)
            write_frame(Path(out), spec, renderer.render(spec), renderer.blender_version)
            rss[index + 1] = process.memory_info().rss / 2**20
            if (index + 1) % 25 == 0 or index + 1 in (1, 10):
                print(f"frame {index + 1:4d}  rss {rss[index + 1]:8.1f} MiB", flush=True)
    renderer.close()
    first, last = rss[min(10, args.frames)], rss[args.frames]
    print(f"\nrss at frame 10: {first:.1f} MiB, at frame {args.frames}: {last:.1f} MiB, "
          f"growth {100 * (last - first) / first:+.1f}% (target within 10%)")
    print(f"{args.frames} frames in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
