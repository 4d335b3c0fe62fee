"""What motion blur, depth of field and sensor noise add per frame at KITTI size (1242x375).

Frame 0 of ``scenes/street.yaml`` is rendered by Cycles at 1242x375 without optics, with
motion blur (cars at 10 m/s, the rig at 12 m/s, 1/60 s shutter), with depth of field
(f/1.4, focus on the first car) and with both; each effect's frame is its RGB render plus
the sharp label render (1 sample, effects off), so the time it adds includes that second
render, which is also reported alone. The sensor model (exposure, gain, shot and read noise,
numpy) is timed on the frame's RGB. The variants' order rotates each round; medians.

    python bench/bench_optics.py [--samples 4] [--repeat 3] [--device cpu]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

import numpy as np

from synthscape.blender.optics import sharp_label_settings
from synthscape.blender.render import CyclesRenderer
from synthscape.recipe.load import load_recipe
from synthscape.sensors.exposure import expose
from synthscape.spec.optics import OpticsSpec
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import SceneSpec

STREET = Path(__file__).resolve().parents[1] / "scenes" / "street.yaml"
KITTI_SIZE = (1242, 375)
SENSOR = OpticsSpec(exposure_ev=-1.0, gain=2.0, full_well_e=10000.0, read_noise_e=3.0)


def variants(spec: SceneSpec) -> dict[str, SceneSpec]:
    """The frame without optics, with motion blur, with depth of field and with both."""
    cars = tuple((o.instance_id, (10.0, 0.0, 0.0)) for o in spec.objects if spec.category_of(o.instance_id).name == "car")
    motion = {"shutter_s": 1 / 60, "camera_velocity": (0.0, 12.0, 0.0), "object_velocities": cars}
    first = next((o for o in spec.objects if o.instance_id == cars[0][0]), spec.objects[0]) if cars else spec.objects[0]
    focus = {"fstop": 1.4, "focus_point": first.location, "focus_instance": first.instance_id}
    return {"none": spec, "motion_blur": dataclasses.replace(spec, optics=OpticsSpec(**motion)),
            "depth_of_field": dataclasses.replace(spec, optics=OpticsSpec(**focus)),
            "both": dataclasses.replace(spec, optics=OpticsSpec(**motion, **focus))}


def time_label_render(renderer: CyclesRenderer, spec: SceneSpec) -> float:
    """Wall seconds of the sharp label render alone (1 sample, effects off) of ``spec``."""
    renderer.build(spec)  # a benchmark looks inside the renderer
    scene = renderer._scene
    scene.render.filepath = str(renderer._tmp / "labels.exr")
    with sharp_label_settings(scene):
        renderer.last_render_seconds, renderer._frame_start = 0.0, None
        renderer._render_passes(Path(scene.render.filepath))
    return renderer.last_render_seconds


def main() -> None:
    """Print the median render time per variant and what each effect adds."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    spec = sample_scene(load_recipe(STREET), 0, 0, resolution=KITTI_SIZE, samples=args.samples, device=args.device)
    renderer = CyclesRenderer(args.device)
    print(f"device {renderer.device.backend}, {KITTI_SIZE[0]}x{KITTI_SIZE[1]}, {args.samples} samples, "
          f"{len(spec.objects)} objects")
    times: dict[str, list[float]] = {name: [] for name in variants(spec)}
    render_only: dict[str, list[float]] = {name: [] for name in variants(spec)}
    labels: list[float] = []
    renderer.render(spec)  # warm-up (kernels, shared meshes)
    for round_index in range(args.repeat):
        names = list(times)
        for name in names[round_index % 4:] + names[:round_index % 4]:  # each variant takes every place in turn
            variant = variants(spec)[name]
            started = time.perf_counter()
            renderer.render(variant)
            times[name].append(time.perf_counter() - started)
            render_only[name].append(renderer.last_render_seconds)
        labels.append(time_label_render(renderer, variants(spec)["motion_blur"]))
    base, base_render = statistics.median(times["none"]), statistics.median(render_only["none"])
    for name, values in times.items():
        median, rendering = statistics.median(values), statistics.median(render_only[name])
        print(f"{name:15s} {median * 1000:9.1f} ms per frame (adds {(median - base) * 1000:8.1f} ms); "
              f"render calls alone {rendering * 1000:9.1f} ms (adds {(rendering - base_render) * 1000:8.1f} ms)")
    print(f"{'label render':15s} {statistics.median(labels) * 1000:9.1f} ms (1 sample, effects off; part of each effect)")
    rgb = np.random.default_rng(0).random((KITTI_SIZE[1], KITTI_SIZE[0], 3), dtype=np.float32)
    noise = []
    for seed in range(max(5, args.repeat)):
        started = time.perf_counter()
        expose(rgb, SENSOR, np.random.default_rng(seed))
        noise.append(time.perf_counter() - started)
    print(f"{'sensor noise':15s} {statistics.median(noise) * 1000:9.1f} ms per frame (numpy, sensors stage)")
    renderer.close()


if __name__ == "__main__":
    main()
