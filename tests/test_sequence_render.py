"""A tiny real Cycles render of a 3-frame sequence through render_dataset (needs bpy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synthscape.io.images import read_png
from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from tests.sequence_support import camera_centre, move_objects, sequence_recipe

pytestmark = pytest.mark.blender


def test_three_frame_sequence_renders_with_its_clock(tmp_path: Path) -> None:
    def edit(data):
        move_objects([0.0, 0.0, 0.0], [0, 0, 0], [{"t": 0.0}, {"t": 0.2, "location": [0.6, 0.0, 0.0]}])(data)
        data["render"]["samples"] = 1
    recipe = sequence_recipe(tmp_path, {"frames": 3, "fps": 10.0, "camera": {"trajectory": "orbit",
                                                                               "angular_speed": 30}},
                             frames=3, edit=edit)
    out = tmp_path / "ds"
    summary = render_dataset(RenderJob(str(recipe), out, device="cpu", resolution=(64, 48), samples=1,
                                       outputs=("rgb", "instance", "meta")))
    assert summary.frames_rendered == [0, 1, 2]
    metas = [json.loads((out / "meta" / f"{g:06d}.json").read_text()) for g in range(3)]
    assert [m["clock"] for m in metas] == [{"sequence": 0, "step": t, "time_s": t / 10.0, "fps": 10.0}
                                          for t in range(3)]
    centres = [camera_centre(m["camera"]["world_to_camera"]) for m in metas]
    assert np.linalg.norm(centres[1] - centres[0]) > 1e-3  # the camera orbits
    box = [m["objects"][0]["location"][0] for m in metas]
    assert box[2] - box[0] == pytest.approx(0.6, abs=1e-9)
    instances = [read_png(out / "instance" / f"{g:06d}.png") for g in range(3)]
    assert all(img.shape == (48, 64) for img in instances)
    assert not np.array_equal(instances[0], instances[2])  # the box moved in the image
    assert all((out / "rgb" / f"{g:06d}.png").is_file() for g in range(3))
