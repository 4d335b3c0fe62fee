"""Resident memory of the tracking writers and their merge over one long sequence (issue 15).

Renders one sequence of ``--frames`` frames (default 300) of a recipe (default
scenes/minimal.yaml with an orbiting camera and moving objects) through ``render_dataset`` with
the numpy fake renderer plus the objects' box mesh (so the sensors stage ray casts amodal
masks), writing ``rgb, instance, meta, coco, kitti_tracking, mot, coco_video``; then runs
``synthscape merge`` again on its own. RSS is sampled from the progress callback (after every
frame's files) and by a thread every 20 ms during the merge. Target: RSS at the last frame
within 10% of RSS at frame 30, and the merge's peak within 10% of the RSS before it.

    PYTHONPATH=. .venv/bin/python bench/bench_tracking_memory.py [--frames 300] [--resolution 320x240]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.buffers import FrameBuffers
from synthscape.dataset.merge import merge_dataset
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.pipeline import RenderJob, render_dataset
from synthscape.spec.scene_spec import SceneSpec

REPO = Path(__file__).resolve().parents[1]
OUTPUTS = ("rgb", "instance", "meta", "coco", "kitti_tracking", "mot", "coco_video")


class BoxMeshFakeRenderer(FakeRenderer):
    """The fake renderer's disks plus the scene mesh of the objects' boxes (amodal masks)."""

    def render(self, spec: SceneSpec) -> FrameBuffers:
        return dataclasses.replace(super().render(spec), mesh=scene_mesh_from_spec(spec))


def sequence_recipe(path: Path, frames: int, resolution: tuple[int, int]) -> Path:
    """minimal.yaml as one ``frames``-frame sequence: orbiting camera, moving objects, a KITTI type."""
    data = yaml.safe_load((REPO / "scenes" / "minimal.yaml").read_text())
    data.update(frames=frames, sequence={"frames": frames, "fps": 30.0,
                                         "camera": {"trajectory": "orbit", "angular_speed": 20}})
    data["camera"]["resolution"] = list(resolution)
    for group in data["objects"][:2]:
        group["motion"] = {"linear_velocity": [0.2, 0.1, 0.0], "angular_velocity": [0, 0, 30]}
    data["objects"][0]["kitti_type"] = "Car"
    path.write_text(yaml.safe_dump(data))
    return path


def peak_during(work, process: psutil.Process) -> tuple[float, float]:
    """(RSS before, peak RSS) in MiB while ``work()`` runs, sampled every 20 ms."""
    before, peak, done = process.memory_info().rss, [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        work()
    finally:
        done.set()
        thread.join()
    return before / 2**20, max(peak[0], process.memory_info().rss) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--resolution", default="320x240")
    parser.add_argument("--outputs", default=",".join(OUTPUTS),
                        help="comma-separated formats (compare with rgb,instance,meta,coco: the baseline)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.resolution.split("x"))
    process, rss = psutil.Process(), {}

    def record(done: int, *_: object) -> None:
        rss[done] = process.memory_info().rss / 2**20
        if done % 50 == 0 or done in (1, 30):
            print(f"frame {done:4d}  rss {rss[done]:8.1f} MiB", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        recipe = sequence_recipe(Path(tmp) / "sequence.yaml", args.frames, (width, height))
        out = Path(tmp) / "ds"
        started = time.perf_counter()
        job = RenderJob(recipe_path=str(recipe), out_dir=out, outputs=tuple(args.outputs.split(",")), device="cpu")
        render_dataset(job, renderer_factory=lambda device: BoxMeshFakeRenderer(device), progress=record)
        seconds = time.perf_counter() - started
        before, peak = peak_during(lambda: merge_dataset(out), process)
        merge_s = time.perf_counter() - started - seconds
        video = out / "coco_video" / "annotations.json"
        size = video.stat().st_size / 2**20 if video.is_file() else 0.0
    first, last = rss[min(30, args.frames)], rss[args.frames]
    print(f"\nrss at frame 30: {first:.1f} MiB, at frame {args.frames}: {last:.1f} MiB, "
          f"growth {100 * (last - first) / first:+.1f}% (target within 10%)")
    print(f"merge: rss {before:.1f} MiB before, peak {peak:.1f} MiB ({100 * (peak - before) / before:+.1f}%), "
          f"{merge_s:.1f} s; coco_video/annotations.json {size:.1f} MiB")
    print(f"{args.frames} frames rendered and written in {seconds:.1f} s")


if __name__ == "__main__":
    main()
