"""Time per frame of collision-free placement with 30 objects (issue 13).

Three recipes, sampled with ``sample_scene`` (no render), each 30 objects per frame in a
0.8 m x 0.8 m area, ``min_gap: 0`` and ``min_gap: 0.005`` (the distance queries):

* ``primitives``: cubes, spheres, cylinders, cones, tori and Suzannes of 4-8 cm, uniform SO(3);
* ``prim fixed``: the same at one scale (3 cm), so each shape's geometry is built once per process;
* ``meshes``: 30 ``pybullet_data`` ``random_urdfs`` OBJ files (``pip install pybullet``), uniform SO(3);
* ``footprint``: the primitives recipe upright with today's footprint circles, for comparison.

Prints the mean and worst ms per frame and how many of the 30 objects fit. Run:
``PYTHONPATH=. .venv/bin/python bench/bench_placement.py [--frames 50]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

SHAPES = ("cube", "sphere", "cylinder", "cone", "torus", "monkey")


def primitive_groups(orientation: str, scale: Any = None) -> list[dict[str, Any]]:
    """Six groups of five primitives each (default scale: 0.02-0.04, a new shape per object)."""
    scale = {"uniform": [0.02, 0.04]} if scale is None else scale
    return [{"category": shape, "shape": shape, "count": 5, "scale": scale, "orientation": orientation}
            for shape in SHAPES]


def mesh_groups() -> list[dict[str, Any]]:
    """Thirty groups of one ``random_urdfs`` mesh each, about 5-9 cm across."""
    import pybullet_data

    folder = Path(pybullet_data.getDataPath()) / "random_urdfs"
    return [{"category": "part", "mesh": str(folder / f"{i:03d}" / f"{i:03d}.obj"), "scale": 0.01,
             "orientation": "uniform"} for i in range(30)]


def bench(name: str, groups: list[dict[str, Any]], mode: str, min_gap: float, frames: int) -> None:
    """Sample ``frames`` frames and print the timing."""
    from synthscape.recipe.load import parse_recipe
    from synthscape.spec import collision_free
    from synthscape.spec.sample import sample_scene

    collision_free.object_mesh.cache_clear()  # each case starts cold, as a new worker process does
    collision_free._scaled_geometry.cache_clear()
    recipe = parse_recipe({"objects": groups, "placement": {"mode": mode, "area": [0.8, 0.8], "min_gap": min_gap}})
    sample_scene(recipe, 0, 0)  # meshes read and BVHs built once per process, as in a run
    times, placed = [], []
    for frame in range(1, frames + 1):
        start = time.perf_counter()
        spec = sample_scene(recipe, 0, frame)
        times.append(time.perf_counter() - start)
        placed.append(len(spec.objects))
    print(f"{name:<11} {mode:<15} min_gap {min_gap:<6} {1000 * statistics.mean(times):7.1f} ms/frame mean, "
          f"{1000 * max(times):7.1f} worst; {statistics.mean(placed):.1f} of 30 placed")


def main() -> None:
    """Run every case."""
    import logging

    logging.getLogger("synthscape").setLevel(logging.ERROR)  # "did not fit" warnings
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=50)
    frames = parser.parse_args().frames
    for min_gap in (0.0, 0.005):
        bench("primitives", primitive_groups("uniform"), "collision_free", min_gap, frames)
        bench("prim fixed", primitive_groups("uniform", 0.03), "collision_free", min_gap, frames)
        bench("meshes", mesh_groups(), "collision_free", min_gap, frames)
        bench("footprint", primitive_groups("upright"), "footprint", min_gap, frames)


if __name__ == "__main__":
    main()
