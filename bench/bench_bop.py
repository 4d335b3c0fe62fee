"""Benchmark what the BOP export adds to a frame: 10 and 30 objects at 640x480 on the CPU.

Run: ``python bench/bench_bop.py [--samples 16] [--repeat 3]``. For each object count it renders
one frame with Cycles (the frame's render time, ``bpy.ops.render.render`` alone), then times
the steps ``outputs: [..., bop]`` adds: the scene-mesh export, the visibility sensor (amodal
masks by ray casting each object alone), the per-frame BOP writer (RGB, depth, two masks per
object, fragment, model geometry) and the merge step for that frame (scene JSON files and
models). BlenderProc's BopWriter needs 0.35-0.45 s *per object* per frame (BlenderProc #830).
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np
import yaml
from timing import best_of

SHAPES = ("cube", "sphere", "cylinder", "cone", "torus", "monkey")



def _recipe(folder: Path, objects: int, samples: int) -> Path:
    per_shape = [objects // len(SHAPES) + (i < objects % len(SHAPES)) for i in range(len(SHAPES))]
    data = {"name": f"bench_bop_{objects}", "seed": 1, "frames": 1,
            "objects": [{"category": s, "shape": s, "count": n, "scale": {"uniform": [0.1, 0.2]}}
                        for s, n in zip(SHAPES, per_shape) if n],
            "placement": {"area": [4.5, 4.5]}, "ground": {"size": [9, 9]},
            "lights": [{"type": "sun", "intensity": 3}],
            "camera": {"resolution": [640, 480], "focal_length": 30, "distance": 5.5, "elevation": 55},
            "render": {"samples": samples, "denoise": False, "device": "cpu"},
            "outputs": ["rgb", "depth", "instance", "coco", "bop"], "bop": {"image_format": "jpg"}}
    path = folder / f"bench_bop_{objects}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def bench(objects: int, samples: int, repeat: int) -> dict[str, float]:
    """Seconds of each step for one frame with ``objects`` objects."""
    import bpy

    from synthscape.blender.mesh_export import export_scene_mesh
    from synthscape.blender.render import CyclesRenderer
    from synthscape.dataset.merge import merge_dataset  # noqa: F401  (the writers register on import)
    from synthscape.pipeline import plan_run
    from synthscape.plan import RenderJob
    from synthscape.sensors import run_sensors
    from synthscape.spec.sample import sample_frame
    from synthscape.writers.bop import write_bop_frame
    from synthscape.writers.bop_scenes import finalize_bop
    from synthscape.writers.registry import FinalizeContext

    folder = Path(tempfile.mkdtemp(prefix="bench_bop_"))
    try:
        plan = plan_run(RenderJob(str(_recipe(folder, objects, samples)), folder / "ds"))
        spec = sample_frame(plan, 0)
        renderer = CyclesRenderer(device="cpu")
        render_s = np.inf
        for _ in range(max(1, repeat - 1)):
            buffers = renderer.render(spec)
            render_s = min(render_s, renderer.last_render_seconds)
        instance_of = renderer.build(spec)
        depsgraph = bpy.context.evaluated_depsgraph_get()
        export_s, _ = best_of(lambda: export_scene_mesh(depsgraph, instance_of=lambda ob: instance_of.get(ob.name)),
                            repeat)
        visibility_s, sensed = best_of(lambda: run_sensors(spec, dataclasses.replace(buffers, visibility=None),
                                                         {"visibility"}), repeat)
        out = folder / "ds"
        write_s, _ = best_of(lambda: write_bop_frame(out, spec, sensed), repeat)
        ctx = FinalizeContext(out_dir=out, frames=(0,), dataset_seed=plan.seed, categories=plan.categories,
                              name=plan.name)
        finalize_s, _ = best_of(lambda: finalize_bop(ctx), repeat)
        renderer.close()
        triangles = int(buffers.mesh.triangles.shape[0]) if buffers.mesh is not None else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    added = export_s + visibility_s + write_s
    return {"objects": objects, "triangles": triangles, "render_s": render_s, "export_s": export_s,
            "visibility_s": visibility_s, "write_s": write_s, "finalize_s": finalize_s, "added_s": added,
            "added_fraction": added / render_s, "per_object_s": added / objects}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--objects", type=int, nargs="+", default=[10, 30])
    args = parser.parse_args()
    print(f"640x480, {args.samples} samples, Cycles on CPU; best of {args.repeat}")
    for n in args.objects:
        r = bench(n, args.samples, args.repeat)
        print(f"{n:3d} objects ({r['triangles']} triangles): render {r['render_s']:.3f} s; BOP adds "
              f"export {r['export_s'] * 1e3:.1f} ms + visibility {r['visibility_s'] * 1e3:.1f} ms + "
              f"write {r['write_s'] * 1e3:.1f} ms = {r['added_s'] * 1e3:.1f} ms "
              f"({100 * r['added_fraction']:.2f} % of the render, {r['per_object_s'] * 1e3:.2f} ms per object); "
              f"merge of the frame {r['finalize_s'] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
