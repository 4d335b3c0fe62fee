"""Core v2: a two-camera rig rendered by Cycles (one render per camera per frame)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from synthscape.writers.meta import spec_from_meta
from tests.batch_support import MINIMAL

pytestmark = pytest.mark.blender


def test_two_camera_rig_renders_both_views(tmp_path: Path) -> None:
    data = yaml.safe_load(Path(MINIMAL).read_text())
    data["rig"] = {"cameras": [{"name": "right", "offset": [0.5, 0.0, 0.0]}]}
    data["render"]["samples"] = 1
    recipe = tmp_path / "rig.yaml"
    recipe.write_text(yaml.safe_dump(data))
    out = tmp_path / "ds"
    render_dataset(RenderJob(str(recipe), out, frames=1, device="cpu"))
    spec = spec_from_meta(json.loads((out / "meta" / "000000.json").read_text()))
    folders = {"camera": out, "right": out / "cameras" / "right"}
    instances = {}
    for camera in spec.cameras():
        instance = np.asarray(Image.open(folders[camera.name] / "instance" / "000000.png"))
        instances[camera.name] = instance
        w2c, K = np.asarray(camera.world_to_camera), np.asarray(camera.K)
        seen = 0
        for obj in spec.objects:
            p = w2c[:3, :3] @ np.asarray(obj.location) + w2c[:3, 3]
            u, v = (K @ p)[:2] / p[2]
            if 1 <= u < camera.width - 1 and 1 <= v < camera.height - 1 and (instance == obj.instance_id).any():
                window = instance[int(round(v)) - 1:int(round(v)) + 2, int(round(u)) - 1:int(round(u)) + 2]
                assert obj.instance_id in window, (camera.name, obj.instance_id)
                seen += 1
        assert seen >= 1
        coco = json.loads((folders[camera.name] / "coco" / "annotations.json").read_text())
        assert len(coco["images"]) == 1 and coco["annotations"]
    assert not np.array_equal(instances["camera"], instances["right"])
