"""Lens distortion on a further rig camera: its own lens, its own stream, and its labels distorted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.errors import SynthscapeError
from synthscape.pipeline import plan_run, render_dataset
from synthscape.plan import RenderJob
from synthscape.spec.lens import lens_of, project_camera_points
from synthscape.spec.sample import sample_frame
from synthscape.spec.scene_spec import spec_to_dict
from synthscape.writers.meta import spec_from_meta
from tests.batch_support import MINIMAL

BARREL = {"k1": -0.3, "k2": 0.08, "p1": 0.002, "p2": -0.001}


def _recipe(tmp_path: Path, distortion: dict | None, **extra: object) -> str:
    data = yaml.safe_load(Path(MINIMAL).read_text())
    camera = {"name": "side", "offset": [0.3, 0.0, 0.0], "resolution": [96, 64], "focal_length": 24}
    if distortion is not None:
        camera["distortion"] = distortion
    data["rig"] = {"cameras": [camera]}
    data["render"]["samples"] = 1
    data.update(extra)
    path = tmp_path / f"rig_lens_{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_a_further_camera_gets_its_own_lens_and_the_main_camera_keeps_its_draws(tmp_path: Path) -> None:
    pinhole = sample_frame(plan_run(RenderJob(_recipe(tmp_path, None), tmp_path)), 0)
    lensed = sample_frame(plan_run(RenderJob(_recipe(tmp_path, {**BARREL, "k1": {"uniform": [-0.3, -0.2]}}),
                                             tmp_path)), 0)
    side = lensed.rig.cameras[0]
    assert side.distortion_model == "plumb_bob" and -0.3 <= side.distortion[0] <= -0.2
    assert lensed.camera == pinhole.camera and lensed.objects == pinhole.objects
    assert lens_of(pinhole.rig.cameras[0]) is None
    meta_side = spec_to_dict(lensed)["rig"]["cameras"][0]
    assert meta_side["distortion_model"] == "plumb_bob"


def test_bop_is_refused_for_a_distorted_further_camera(tmp_path: Path) -> None:
    with pytest.raises(SynthscapeError, match=r"rig.cameras\[0\].distortion"):
        plan_run(RenderJob(_recipe(tmp_path, BARREL), tmp_path, outputs=("rgb", "bop")))


@pytest.mark.blender
def test_a_distorted_further_camera_renders_distorted_labels(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    render_dataset(RenderJob(_recipe(tmp_path, BARREL), out, frames=1, device="cpu",
                             outputs=("rgb", "instance", "meta", "coco", "calibration")))
    from synthscape.io.images import read_png

    spec = spec_from_meta(json.loads((out / "meta" / "000000.json").read_text()))
    side = spec.rig.cameras[0]
    instance = read_png(out / "cameras" / "side" / "instance" / "000000.png")
    assert instance.shape == (64, 96) and (out / "cameras" / "side" / "calibration" / "000000.yaml").is_file()
    w2c = np.asarray(side.world_to_camera)
    hits, seen = 0, 0
    for obj in spec.objects:
        p = (w2c[:3, :3] @ np.asarray(obj.location) + w2c[:3, 3]).reshape(1, 3)
        u, v = project_camera_points(np.asarray(side.K), lens_of(side), p)[0]
        if 2 <= u < side.width - 2 and 2 <= v < side.height - 2 and (instance == obj.instance_id).any():
            seen += 1
            window = instance[int(round(v)) - 1:int(round(v)) + 2, int(round(u)) - 1:int(round(u)) + 2]
            hits += int(obj.instance_id in window)
    assert seen >= 1 and hits == seen
