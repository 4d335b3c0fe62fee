"""What a sequence frame costs over a still at 640x480: sampling, the motion keys, and (with F2's flow) the vector pass.

``scenes/tabletop.yaml`` (or ``--recipe``) is run twice through the planner: as it is (stills) and with
``sequence: {frames: 10, fps: 30, camera: {trajectory: orbit}}`` plus a linear and angular
velocity on every object group. Sampling is timed over ``--frames`` frames of each plan; then
frames of each are rendered by Cycles, the variants alternating each round: the still, the
same sequence frame without its motion record (its poses rendered as a still: the baseline of
the two next), the sequence frame without flow outputs (``needs`` without ``flow``: only the
keys of the motion record) and, when ``synthscape.writers.flow`` exists, with flow (the vector pass). Medians.

    PYTHONPATH=. python bench/bench_sequence.py [--samples 1] [--repeat 3] [--frames 30] [--device cpu] [--recipe scenes/minimal.yaml]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from synthscape.pipeline import plan_run
from synthscape.plan import RenderJob, RunPlan
from synthscape.spec.sample import sample_frame

TABLETOP = Path(__file__).resolve().parents[1] / "scenes" / "tabletop.yaml"
SEQUENCE = {"frames": 10, "fps": 30.0, "camera": {"trajectory": "orbit", "angular_speed": 20.0}}
MOTION = {"linear_velocity": [0.1, 0.05, 0.0], "angular_velocity": [0.0, 0.0, 45.0]}


def plans(folder: Path, frames: int, samples: int, device: str, recipe: Path = TABLETOP) -> tuple[RunPlan, RunPlan]:
    """The stills plan and the sequence plan of ``recipe`` at 640x480 (written next to it: relative paths hold)."""
    data = yaml.safe_load(recipe.read_text())
    still_path, sequence_path = recipe.with_name(".bench_still.yaml"), recipe.with_name(".bench_sequence.yaml")
    still_path.write_text(yaml.safe_dump(data))
    data["sequence"], data["frames"] = SEQUENCE, SEQUENCE["frames"]
    for group in data["objects"]:
        group["motion"] = MOTION
    sequence_path.write_text(yaml.safe_dump(data))
    frames = -(-frames // SEQUENCE["frames"]) * SEQUENCE["frames"]
    job = {"resolution": (640, 480), "samples": samples, "device": device, "frames": frames}
    return (plan_run(RenderJob(str(still_path), folder / "a", **job)),
            plan_run(RenderJob(str(sequence_path), folder / "b", **job)))


def sampling_seconds(plan: RunPlan, frames: int) -> float:
    """Median seconds of ``sample_frame`` over the first ``frames`` frames."""
    times = []
    for g in range(frames):
        start = time.perf_counter()
        sample_frame(plan, g)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def render_seconds(still: RunPlan, sequence: RunPlan, repeat: int, device: str) -> dict[str, float]:
    """Median Cycles seconds per variant (frame 3: mid-sequence, every object moving)."""
    from synthscape.blender.render import CyclesRenderer

    moving = sample_frame(sequence, 3)
    no_flow = tuple(n for n in moving.needs if n != "flow")
    variants = {"still": sample_frame(still, 3),
                "same poses, no motion": dataclasses.replace(moving, needs=no_flow, motion=None),
                "sequence, no flow": dataclasses.replace(moving, needs=no_flow)}
    if importlib.util.find_spec("synthscape.writers.flow") is not None:
        variants["sequence, flow"] = dataclasses.replace(moving, needs=tuple(sorted({*moving.needs, "flow"})))
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    with CyclesRenderer(device) as renderer:
        renderer.render(variants["still"])  # warm-up: kernels, images
        for round_index in range(repeat):
            for name in list(variants)[:: 1 if round_index % 2 == 0 else -1]:
                start = time.perf_counter()
                renderer.render(variants[name])
                seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in seconds.items()}


def main() -> None:
    """Print sampling and render medians of stills and sequence frames, and the difference."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--recipe", type=Path, default=TABLETOP)
    parser.add_argument("--no-render", action="store_true", help="time the sampling only (no bpy)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        try:
            still, sequence = plans(Path(folder), args.frames, args.samples, args.device, args.recipe)
        finally:
            for name in (".bench_still.yaml", ".bench_sequence.yaml"):
                args.recipe.with_name(name).unlink(missing_ok=True)
        base, seq = sampling_seconds(still, args.frames), sampling_seconds(sequence, args.frames)
        print(f"{args.recipe.name}, 640x480, {args.samples} spp, {args.device}; medians")
        print(f"sampling, still          {base * 1e3:8.2f} ms/frame")
        print(f"sampling, sequence frame {seq * 1e3:8.2f} ms/frame   (+{(seq - base) * 1e3:.2f} ms)")
        if args.no_render:
            return
        rendered = render_seconds(still, sequence, args.repeat, args.device)
    base_render = rendered["same poses, no motion"]  # the sequence frame's scene rendered as a still
    for name, value in rendered.items():
        extra = "" if name in ("still", "same poses, no motion") else f"   (+{value - base_render:.3f} s)"
        print(f"render, {name:<22}{value:8.3f} s/frame{extra}")


if __name__ == "__main__":
    main()
