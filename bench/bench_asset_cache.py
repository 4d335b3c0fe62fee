"""Asset-cache hit rate and sampling time with a 200-file mesh library, cold vs warm (issue 13).

The library is ``pybullet_data``'s ``random_urdfs/2??`` and ``3??`` OBJ files (200 meshes,
``pip install pybullet``). Each phase runs in its own process, as a worker or a rerun would:

* ``cold``: an empty asset cache; validating the recipe parses every file once;
* ``warm``: a new process on the same cache; nothing is parsed, every lookup is a hit.

Per phase it prints the recipe load (validation) time, the mean time per frame of sampling
(``sample_frame``, 20 objects per frame, each picking one of the 200 files), and the hit rate
of the ``mesh_info`` kind. Run: ``PYTHONPATH=. .venv/bin/python bench/bench_asset_cache.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FRAMES = 20
OBJECTS = 20


def write_recipe(folder: Path) -> Path:
    """A recipe whose one group samples the 200-file library."""
    import pybullet_data

    library = Path(pybullet_data.getDataPath()) / "random_urdfs"
    recipe = folder / "library.yaml"
    recipe.write_text(
        "placement: {area: [6, 6]}\n"
        "objects:\n"
        f"- {{category: part, count: {OBJECTS}, meshes: {{glob: '{library}/[23]??/*.obj'}},\n"
        "   normalize: {size: {uniform: [0.05, 0.15]}, up_axis: '+Z', origin: base}}\n", encoding="utf-8")
    return recipe


def run_phase(recipe: Path) -> dict[str, float]:
    """Load the recipe, sample :data:`FRAMES` frames; the numbers of this process."""
    from synthscape.assets.cache import STATS
    from synthscape.pipeline import plan_run
    from synthscape.plan.run_plan import RenderJob
    from synthscape.spec.sample import sample_frame

    STATS.reset()
    start = time.perf_counter()
    plan = plan_run(RenderJob(str(recipe), recipe.parent / "out"))
    loaded = time.perf_counter()
    files = set()
    for index in range(FRAMES):
        files.update(o.mesh_path for o in sample_frame(plan, index).objects)
    done = time.perf_counter()
    return {"load_s": loaded - start, "frame_ms": (done - loaded) / FRAMES * 1000,
            "hits": STATS.hits.get("mesh_info", 0), "misses": STATS.misses.get("mesh_info", 0),
            "hit_rate": STATS.hit_rate("mesh_info"), "distinct_files_sampled": len(files)}


def main() -> None:
    """Run the cold and the warm phase in child processes and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=["cold", "warm"], help=argparse.SUPPRESS)
    parser.add_argument("--recipe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(Path(args.recipe))))
        return
    with tempfile.TemporaryDirectory(prefix="bench_asset_cache_") as tmp:
        recipe = write_recipe(Path(tmp))
        env = dict(os.environ, SYNTHSCAPE_ASSET_CACHE=str(Path(tmp) / "cache"))
        for phase in ("cold", "warm"):
            out = subprocess.run([sys.executable, __file__, "--phase", phase, "--recipe", str(recipe)],
                                 env=env, capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{phase}: recipe load {result['load_s']:.2f} s, sampling {result['frame_ms']:.1f} ms/frame "
                  f"({OBJECTS} objects), mesh_info hits {result['hits']} misses {result['misses']} "
                  f"(hit rate {result['hit_rate']:.1%}), {result['distinct_files_sampled']} distinct files "
                  f"in {FRAMES} frames")


if __name__ == "__main__":
    main()
