"""Benchmark physics placement: settle time per frame for 10/30/100 objects, and frames/min of
``scenes/bin_picking.yaml`` against ``scenes/tabletop.yaml`` at the same resolution and samples.

Run: ``python bench/bench_physics.py [--frames 5] [--resolution 320x240] [--samples 16]``.

* Settle: cubes (3-6 cm) and flat plates (6 x 4 x 1.2 cm), or with ``--round`` cylinders (4 cm
  across, 6 cm long) instead of the plates, random orientations, dropped into a bin sized for the
  count; per frame the wall time of ``CyclesRenderer.settle`` (every simulation attempt and
  the checks after it), the simulated seconds and whether the bodies came to rest before the cap.
* Frames/min: full CLI-equivalent runs (``render_dataset``) of both shipped recipes, on the CPU,
  same resolution, samples and outputs (``rgb, instance, meta, coco``), first frame excluded
  (Blender start-up and the one-off asset preprocessing).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _settle_recipe(objects: int, plates: str = "cube") -> dict:
    side = 0.3 * (objects / 10) ** 0.5
    return {"objects": [{"category": "block", "shape": "cube", "scale": {"uniform": [0.015, 0.03]},
                         "count": objects // 2, "placement": "physics", "orientation": "uniform"},
                        {"category": "plate", "shape": plates, "scale": [0.03, 0.02, 0.006] if plates == "cube"
                         else [0.02, 0.02, 0.03],
                         "count": objects - objects // 2, "placement": "physics", "orientation": "uniform"}],
            "supports": [{"kind": "bin", "size": [side * 1.3, side], "wall_height": 0.15}],
            "physics": {"time_cap": 6.0}}


def bench_settle(objects: int, frames: int, plates: str = "cube") -> dict[str, float]:
    """Median settle wall time, simulated time and settled fraction over ``frames`` frames."""
    from synthscape.blender.render import CyclesRenderer
    from synthscape.recipe.schema import Recipe
    from synthscape.spec.sample import sample_scene

    recipe = Recipe.model_validate(_settle_recipe(objects, plates))
    renderer = CyclesRenderer("cpu")
    walls, sims, settled, removed = [], [], 0, 0
    try:
        for frame in range(frames):
            spec = sample_scene(recipe, 7, frame)
            started = time.perf_counter()  # the wall time is not in the spec (specs are deterministic)
            result = renderer.settle(spec).physics.result
            walls.append(time.perf_counter() - started)
            sims.append(result.sim_time_s)
            settled += result.settled
            removed += len(result.removed)
    finally:
        renderer.close()
    return {"objects": objects, "wall_s": statistics.median(walls), "sim_s": statistics.median(sims),
            "settled": settled / frames, "removed": removed}


def frames_per_minute(recipe: Path, frames: int, resolution: tuple[int, int], samples: int) -> float:
    """Frames/min of a recipe's run after its first frame."""
    from synthscape.pipeline import render_dataset
    from synthscape.plan import RenderJob

    folder = Path(tempfile.mkdtemp(prefix="bench_physics_"))
    stamps: list[float] = []
    try:
        render_dataset(RenderJob(recipe_path=str(recipe), out_dir=folder / "ds", frames=frames + 1,
                                 resolution=resolution, samples=samples, device="cpu",
                                 outputs=("rgb", "instance", "meta", "coco")),
                       progress=lambda done, total, index: stamps.append(time.perf_counter()))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 60.0 * (len(stamps) - 1) / (stamps[-1] - stamps[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--resolution", default="320x240")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--counts", default="10,30,100")
    parser.add_argument("--only", choices=("settle", "rate"), default=None)
    parser.add_argument("--round", action="store_true", help="cylinders (2 cm radius, 6 cm long) instead of plates")
    args = parser.parse_args()
    width, height = (int(v) for v in args.resolution.split("x"))
    print("| objects | settle wall s (median) | simulated s | frames at rest before the cap | removed |")
    print("| --- | --- | --- | --- | --- |")
    for count in (int(c) for c in args.counts.split(",")) if args.only != "rate" else ():
        row = bench_settle(count, args.frames, "cylinder" if args.round else "cube")
        print(f"| {count} | {row['wall_s']:.2f} | {row['sim_s']:.2f} | {row['settled']:.0%} | {row['removed']} |")
    print()
    for name in ("bin_picking", "tabletop") if args.only != "settle" else ():
        rate = frames_per_minute(REPO / "scenes" / f"{name}.yaml", args.frames, (width, height), args.samples)
        print(f"{name}.yaml: {rate:.1f} frames/min at {width}x{height}, {args.samples} samples (CPU)")
    print(yaml.safe_dump({"frames": args.frames, "resolution": args.resolution, "samples": args.samples}))


if __name__ == "__main__":
    main()
