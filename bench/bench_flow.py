"""What optical flow adds per frame at 640x480: the vector pass and the flow writers.

Frame 0 of ``scenes/tabletop.yaml`` at 640x480 is made a sequence frame (the camera dollies
5 cm per frame and the first object moves 3 cm), then rendered by Cycles with and without the
Vector pass (``needs`` with and without ``flow``), the variants alternating each round; the
flow writers (two float32 EXRs and the KITTI 16-bit PNG) are timed on the result. Medians.

    python bench/bench_flow.py [--samples 16] [--repeat 3] [--device cpu]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from synthscape.blender.render import CyclesRenderer
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import MotionSpec, ObjectMotionSpec, PoseSpec, SceneSpec
from synthscape.writers.flow import write_flow_backward, write_flow_forward, write_kitti_flow

TABLETOP = Path(__file__).resolve().parents[1] / "scenes" / "tabletop.yaml"


def _shifted(w2c: tuple, shift: np.ndarray) -> tuple:
    cam_to_world = np.linalg.inv(np.asarray(w2c))
    cam_to_world[:3, 3] += shift
    return tuple(tuple(float(v) for v in row) for row in np.linalg.inv(cam_to_world))


def sequence_frame(samples: int) -> SceneSpec:
    """A tabletop frame with a dollying camera and one moving object."""
    spec = sample_scene(load_recipe(TABLETOP), 0, 0, resolution=(640, 480), samples=samples)
    step = np.array([0.05, 0.0, 0.0])
    first = spec.objects[0]
    loc = np.asarray(first.location)
    moving = ObjectMotionSpec(first.instance_id, PoseSpec(tuple(loc - 0.03), first.rotation),
                              PoseSpec(tuple(loc + 0.03), first.rotation))
    motion = MotionSpec(dt_s=1 / 30, camera_previous=_shifted(spec.camera.world_to_camera, -step),
                        camera_next=_shifted(spec.camera.world_to_camera, step), objects=(moving,))
    return dataclasses.replace(spec, motion=motion)


def main() -> None:
    """Print the median render seconds with and without flow, and the flow writers' time."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    frame = sequence_frame(args.samples)
    variants = {"no flow": dataclasses.replace(frame, needs=()), "flow": dataclasses.replace(frame, needs=("flow",))}
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    writing: list[float] = []
    with CyclesRenderer(args.device) as renderer, tempfile.TemporaryDirectory() as out:
        renderer.render(variants["no flow"])  # warm-up: kernels, images
        for round_index in range(args.repeat):
            names = list(variants)[:: 1 if round_index % 2 == 0 else -1]
            for name in names:
                start = time.perf_counter()
                buffers = renderer.render(variants[name])
                seconds[name].append(time.perf_counter() - start)
            start = time.perf_counter()
            for write in (write_flow_forward, write_flow_backward, write_kitti_flow):
                write(out, variants["flow"], buffers if buffers.flow_forward is not None else renderer.render(variants["flow"]))
            writing.append(time.perf_counter() - start)
        device = renderer.device.backend
    base, flow = statistics.median(seconds["no flow"]), statistics.median(seconds["flow"])
    print(f"tabletop frame 0, 640x480, {args.samples} spp, {device}, median of {args.repeat}")
    print(f"render without flow   {base:7.3f} s")
    print(f"render with flow      {flow:7.3f} s   (+{flow - base:.3f} s, vector pass and keys)")
    print(f"flow writers          {statistics.median(writing):7.3f} s   (flow_fw + flow_bw EXR, KITTI PNG)")


if __name__ == "__main__":
    main()
