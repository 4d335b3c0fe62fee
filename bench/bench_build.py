"""Scene building versus object count: is building a frame linear in its objects?

For each count (default 200 and 2000) a recipe of that many objects of all six primitive
shapes (each with its own sampled material) on a large ground is sampled, then built
into Blender and rendered at 160x120, 1 sample. ``--builds`` frames of the recipe are
built one after another, as the renderer does: the first from an empty scene, the next ones
reusing the previous frame's objects and materials (new poses, shapes and values). Target
(issue 17): 2000 objects built in under 10 s.

    python bench/bench_build.py [--counts 200 2000] [--builds 2] [--resolution 160x120]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from synthscape.blender.render import CyclesRenderer
from synthscape.blender.scene_builder import clear_frame
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_scene

SHAPES = ("cube", "sphere", "cylinder", "cone", "torus", "monkey")


def recipe_with(count: int, folder: Path) -> Path:
    """A recipe of ``count`` small objects (the six shapes in turn) spread over a square."""
    side = max(2.0, (count ** 0.5) * 0.12)
    per_shape = [count // len(SHAPES) + (1 if i < count % len(SHAPES) else 0) for i in range(len(SHAPES))]
    objects = [{"category": shape, "shape": shape, "count": n, "scale": {"uniform": [0.02, 0.03]},
                "material": {"base_color": [{"uniform": [0, 1]}, {"uniform": [0, 1]}, {"uniform": [0, 1]}],
                             "roughness": {"uniform": [0.2, 0.8]}}}
               for shape, n in zip(SHAPES, per_shape) if n]
    recipe = {"schema_version": 1, "name": f"objects{count}", "seed": 0, "frames": 1, "objects": objects,
              "placement": {"area": [side, side], "min_gap": 0.002},
              "ground": {"size": [side + 0.2, side + 0.2], "material": {"base_color": [0.4, 0.4, 0.4]}},
              "lights": [{"type": "sun", "intensity": 3.0, "elevation": 60}],
              "world": {"color": [0.3, 0.3, 0.35], "strength": 0.5},
              "camera": {"resolution": [160, 120], "focal_length": 35, "distance": side * 1.2,
                         "elevation": 60},
              "render": {"samples": 1, "denoise": False}}
    path = folder / f"objects{count}.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def bench_count(renderer: CyclesRenderer, count: int, builds: int, resolution: tuple[int, int],
                folder: Path) -> None:
    """Sample ``builds`` frames, build each (the first from scratch, then reusing) and render the last."""
    recipe = load_recipe(recipe_with(count, folder))
    started = time.perf_counter()
    specs = [sample_scene(recipe, 0, index, resolution=resolution, samples=1, device="cpu")
             for index in range(builds)]
    sampled = (time.perf_counter() - started) / builds
    clear_frame()  # the first build starts from an empty scene
    build_times = []
    for spec in specs:
        started = time.perf_counter()
        renderer.build(spec)
        build_times.append(time.perf_counter() - started)
    renderer.render(specs[-1])  # builds it once more, then renders
    warm = build_times[1:] or build_times
    print(f"{len(specs[-1].objects):5d} objects: sample {sampled:.2f} s/frame, build from scratch "
          f"{build_times[0]:.2f} s ({1000 * build_times[0] / count:.2f} ms/object), next frames "
          f"{', '.join(f'{t:.2f}' for t in warm)} s ({1000 * min(warm) / count:.2f} ms/object), "
          f"render {renderer.last_render_seconds:.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--resolution", default="160x120")
    args = parser.parse_args()
    resolution = tuple(int(v) for v in args.resolution.split("x"))
    renderer = CyclesRenderer(device="cpu")
    with tempfile.TemporaryDirectory() as folder:
        for count in args.counts:
            bench_count(renderer, count, args.builds, resolution, Path(folder))
    renderer.close()


if __name__ == "__main__":
    main()
