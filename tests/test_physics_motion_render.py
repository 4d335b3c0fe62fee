"""A rendered toss (real Cycles, 64x48, 1 spp): forward flow on the tossed cube matches the flow from
depth, K and its recorded poses, and two runs write byte-identical meta (no wall time in a spec)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.blender.physics_motion import clear_cache
from synthscape.pipeline import plan_run, render_dataset
from synthscape.plan import RenderJob
from synthscape.spec.flow_geometry import spec_flow
from synthscape.spec.sample import sample_frame

pytestmark = pytest.mark.blender

OUTPUTS = ("rgb", "instance", "meta", "flow_fw")
RECIPE = {
    "frames": 3, "sequence": {"frames": 3, "fps": 12},
    "objects": [{"category": "thrown", "shape": "cube", "scale": 0.15, "placement": "physics",
                 "motion": {"physics": {"linear_velocity": [0.8, 0.0, 1.5], "angular_velocity": [60, 0, 120]}},
                 "material": {"base_color": [0.8, 0.2, 0.2]}},
                {"category": "clutter", "shape": "cube", "scale": 0.1, "count": 2, "placement": "physics"}],
    "physics": {"drop_height": 0.3, "time_cap": 2.0},
    "placement": {"area": [0.6, 0.6]}, "ground": {"size": [4, 4]},
    "lights": [{"type": "sun", "intensity": 3.0}],
    "camera": {"resolution": [64, 48], "distance": 2.6, "elevation": 25, "focal_length": 30},
    "render": {"samples": 1, "denoise": False},
}


def write_recipe(tmp_path: Path) -> Path:
    path = tmp_path / "toss.yaml"
    path.write_text(yaml.safe_dump(RECIPE))
    return path


def test_two_runs_of_a_physics_sequence_write_byte_identical_meta(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path)
    runs = []
    for name in ("a", "b"):
        clear_cache()  # each run simulates from scratch, as a separate process would
        out = tmp_path / name
        summary = render_dataset(RenderJob(str(recipe), out, device="cpu", resolution=(64, 48), samples=1,
                                           outputs=OUTPUTS))
        assert summary.frames_rendered == [0, 1, 2]
        runs.append([(out / "meta" / f"{g:06d}.json").read_bytes() for g in range(3)])
        assert all((out / "flow_fw" / f"{g:06d}.exr").is_file() for g in range(3))
    assert runs[0] == runs[1]
    assert b'"wall_s"' not in runs[0][0]


def test_forward_flow_on_the_tossed_cube_matches_its_recorded_motion(tmp_path: Path, renderer) -> None:
    plan = plan_run(RenderJob(str(write_recipe(tmp_path)), tmp_path / "out", device="cpu", resolution=(64, 48),
                              samples=1, outputs=OUTPUTS))
    clear_cache()
    spec = renderer.settle(sample_frame(plan, 1))
    thrown = spec.objects[0].instance_id
    assert [m.instance_id for m in spec.motion.objects] == [thrown]
    buffers = renderer.render(spec)
    assert buffers.flow_forward is not None
    expected, _ = spec_flow(spec, buffers.depth, buffers.instance, "next")
    mask = (buffers.instance == thrown) & np.isfinite(buffers.depth)
    assert mask.sum() >= 20, "the tossed cube must be in view"
    moving = np.linalg.norm(expected[mask], axis=-1)
    assert np.median(moving) > 1.0  # it really moves in the image
    error = np.linalg.norm(buffers.flow_forward[mask] - expected[mask], axis=-1)
    assert np.mean(error <= 0.1) >= 0.95, f"EPE p95 {np.percentile(error, 95):.3f} px"
