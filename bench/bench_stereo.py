"""Benchmark what the stereo rig adds to a frame: the right view and the disparity, at 1242x375.

Run: ``python bench/bench_stereo.py [--samples 16] [--repeat 3]``. It renders one frame of
``scenes/street.yaml`` (without its LiDAR) with ``rig: {preset: kitti_stereo}`` with Cycles on the
CPU: the left (main) view and the right view, each timed alone (``bpy.ops.render.render``, best of
``repeat``). Then, separately, the writing: the whole frame's write step with the stereo rig and
without it (the difference is what the right view's files, KITTI ``image_3`` and the disparity
cost), and the disparity map alone (``fx * B / Z`` and the KITTI uint16 encoding), then with its PNG.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np
import yaml

from synthscape.spec.scene_spec import SceneSpec
from timing import best_of

REPO = Path(__file__).resolve().parents[1]
OUTPUTS = ["rgb", "depth", "instance", "semantic", "meta", "coco", "kitti", "disparity"]



def _recipe(folder: Path, samples: int) -> Path:
    data = yaml.safe_load((REPO / "scenes" / "street.yaml").read_text())
    data.pop("lidar", None)
    data["rig"] = {"preset": "kitti_stereo"}
    data["render"].update(samples=samples, denoise=False, device="cpu")
    data["outputs"] = OUTPUTS
    path = folder / "bench_stereo.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _mono(spec: SceneSpec) -> SceneSpec:
    """The frame without its right camera and stereo pair (the write step of a mono rig)."""
    return dataclasses.replace(spec, rig=dataclasses.replace(spec.rig, cameras=(), stereo_right=None))


def bench(samples: int, repeat: int) -> dict[str, float]:
    """Seconds of each step for one stereo frame at 1242x375."""
    from synthscape.blender.render import CyclesRenderer
    from synthscape.pipeline import camera_needs, plan_run, write_views
    from synthscape.plan import RenderJob
    from synthscape.spec.rig import stereo_pair
    from synthscape.spec.sample import sample_frame
    from synthscape.writers.disparity import write_disparity
    from synthscape.writers.disparity_maps import frame_disparity

    folder = Path(tempfile.mkdtemp(prefix="bench_stereo_"))
    try:
        plan = plan_run(RenderJob(str(_recipe(folder, samples)), folder / "ds", resolution=(1242, 375)))
        mono_plan = dataclasses.replace(plan, outputs=tuple(o for o in OUTPUTS if o != "disparity"),
                                        job=dataclasses.replace(plan.job, out_dir=folder / "mono"))
        spec = sample_frame(plan, 0)
        pair = stereo_pair(spec)
        assert pair is not None
        renderer = CyclesRenderer(device="cpu")
        times: dict[str, float] = {"left_s": np.inf, "right_s": np.inf}
        views = {}
        right_view = dataclasses.replace(spec.view(pair.right.name), needs=tuple(sorted(camera_needs(plan))))
        for _ in range(repeat):
            views[pair.left.name] = renderer.render(spec)
            times["left_s"] = min(times["left_s"], renderer.last_render_seconds)
            views[pair.right.name] = renderer.render(right_view)
            times["right_s"] = min(times["right_s"], renderer.last_render_seconds)
        renderer.close()
        version = renderer.blender_version
        times["write_stereo_s"], _ = best_of(lambda: write_views(plan, spec, views, version), repeat)
        mono_views = {pair.left.name: views[pair.left.name]}
        times["write_mono_s"], _ = best_of(lambda: write_views(mono_plan, _mono(spec), mono_views, version), repeat)
        times["disparity_s"], _ = best_of(lambda: frame_disparity(pair, views[pair.left.name]), repeat)
        times["disparity_png_s"], _ = best_of(lambda: write_disparity(folder / "disp", spec, views[pair.left.name]),
                                            repeat)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"street.yaml at 1242x375, rig: {{preset: kitti_stereo}}, {args.samples} samples, Cycles on CPU; "
          f"best of {args.repeat}")
    r = bench(args.samples, args.repeat)
    added_write = r["write_stereo_s"] - r["write_mono_s"]
    print(f"render: left view {r['left_s']:.3f} s, right view {r['right_s']:.3f} s "
          f"(the stereo rig adds {r['right_s'] * 1e3:.0f} ms of rendering)")
    print(f"write step: {r['write_stereo_s'] * 1e3:.1f} ms with the stereo rig, {r['write_mono_s'] * 1e3:.1f} ms "
          f"without: the right view's files + image_3 + disparity add {added_write * 1e3:.1f} ms "
          f"(disparity map alone {r['disparity_s'] * 1e3:.2f} ms; with its PNG {r['disparity_png_s'] * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
