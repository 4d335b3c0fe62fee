"""The tracking formats on a tiny real Cycles sequence (needs bpy): amodal masks from the exported mesh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthscape.io.images import read_png
from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from tests.sequence_support import move_objects, sequence_recipe
from tests.test_tracking_mot import scores

pytestmark = pytest.mark.blender


def test_a_cycles_sequence_gets_mot_kitti_tracking_and_coco_video(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        move_objects([0.8, 0.0, 0.0], [0, 0, 60])(data)
        data["objects"][0]["kitti_type"] = "Car"
        data["render"]["samples"] = 1
    recipe = sequence_recipe(tmp_path, {"frames": 3, "fps": 10.0, "camera": {"trajectory": "static"}}, frames=3,
                             edit=edit)
    out = tmp_path / "ds"
    render_dataset(RenderJob(str(recipe), out, device="cpu", resolution=(64, 48), samples=1,
                             outputs=("rgb", "instance", "meta", "kitti_tracking", "mot", "coco_video")))
    gt = out / "mot" / "synthscape-train" / "0000" / "gt" / "gt.txt"
    rows = [line.split(",") for line in gt.read_text().splitlines()]
    instances = [read_png(out / "instance" / f"{t:06d}.png") for t in range(3)]
    for row in rows:
        visible = int((instances[int(row[0]) - 1] == int(row[1])).sum())
        assert 0 < float(row[8]) <= 1.0 or visible == 0  # visible / whole silhouette, from Cycles' mesh
        assert int(row[4]) > 0 and int(row[5]) > 0
    assert {int(r[0]) for r in rows} == {1, 2, 3} and scores(gt, gt)["idf1"] == 1.0
    label = (out / "kitti_tracking" / "training" / "label_02" / "0000.txt").read_text().splitlines()
    assert label and {line.split(" ")[2] for line in label} <= {"Car", "DontCare"}
    video = json.loads((out / "coco_video" / "annotations.json").read_text())
    assert video["videos"][0]["length"] == 3 and video["annotations"]
