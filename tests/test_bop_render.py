"""BOP and keypoints on a real Cycles render (640x480, 1 sample, a few objects): the checks the
issue lists, with the small reader of tests/test_bop_reader.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from tests.coco_support import keypoint_ap_of_ground_truth
from tests.test_bop_format import CRATE_PLY
from tests.test_bop_reader import (add, adi, iou, load_depth_mm, load_image, load_json, load_ply, load_scene_camera,
                                   load_scene_gt, mspd, mssd, project, rasterize, symmetries, vsd)

pytestmark = pytest.mark.blender

SHAPES = ("cube", "sphere", "cylinder", "cone", "torus", "monkey")
SEGMENTS = {"sphere": 32, "cylinder": 32, "cone": 32, "torus": 48}
"""Segments around z of the Blender layer's primitives (synthscape/blender/primitives.py)."""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bop_render")
    (folder / "crate.ply").write_text(CRATE_PLY)
    objects = [{"category": s, "shape": s, "count": 1, "scale": {"uniform": [0.15, 0.3]}} for s in SHAPES]
    objects.append({"category": "crate", "mesh": "crate.ply", "count": 1, "scale": 0.6})
    recipe = {"name": "bop_render", "seed": 5, "frames": 1, "objects": objects, "placement": {"area": [2.6, 2.6]},
              "ground": {"size": [6, 6]}, "lights": [{"type": "sun", "intensity": 3}],
              "camera": {"resolution": [640, 480], "focal_length": 30, "distance": 3.4, "elevation": 45},
              "render": {"samples": 1, "denoise": False, "min_pixel_area": 1},
              "outputs": ["rgb", "instance", "meta", "coco", "bop", "coco_keypoints"], "bop": {"image_format": "png"}}
    (folder / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    render_dataset(RenderJob(str(folder / "recipe.yaml"), folder / "ds", device="cpu"))
    return folder / "ds"


def test_bop_files_of_a_real_render(dataset: Path) -> None:
    bop, scene = dataset / "bop", dataset / "bop" / "train_pbr" / "000000"
    info = load_json(bop / "models" / "models_info.json", keys_to_int=True)
    cam = load_scene_camera(scene / "scene_camera.json")[0]
    gts = load_scene_gt(scene / "scene_gt.json")[0]
    gt_info = load_json(scene / "scene_gt_info.json", keys_to_int=True)[0]
    instance = load_image(dataset / "instance" / "000000.png")
    depth = load_depth_mm(scene / "depth" / "000000.png", cam["depth_scale"])
    meta = json.loads((dataset / "meta" / "000000.json").read_text())
    assert len(gts) == len(meta["objects"]) == len(SHAPES) + 1
    checked = 0
    for gt_id, (gt, obj, entry) in enumerate(zip(gts, meta["objects"], gt_info)):
        model = load_ply(bop / "models" / f"obj_{gt['obj_id']:06d}.ply")
        R, t, K = gt["cam_R_m2c"], gt["cam_t_m2c"], cam["cam_K"]
        full = load_image(scene / "mask" / f"000000_{gt_id:06d}.png") > 0
        visib = load_image(scene / "mask_visib" / f"000000_{gt_id:06d}.png") > 0
        np.testing.assert_array_equal(visib, instance == obj["instance_id"])
        assert not (visib & ~full).any()
        assert entry["px_count_visib"] == visib.sum()
        assert entry["visib_fract"] == pytest.approx(entry["px_count_visib"] / entry["px_count_all"])
        uv = np.round(project(model["pts"], K, R, t)).astype(int)
        inside = (uv[:, 0] >= 0) & (uv[:, 0] < 640) & (uv[:, 1] >= 0) & (uv[:, 1] < 480)
        near = np.zeros_like(full)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near |= np.roll(np.roll(full, dy, axis=0), dx, axis=1)
        assert near[uv[inside, 1], uv[inside, 0]].all(), obj["shape"]  # every vertex lands on the mask
        silhouette = rasterize(model["pts"], model["faces"], K, R, t, 640, 480)
        if full.sum() >= 200:
            assert iou(silhouette > 0, full) >= 0.98, obj["shape"]
            checked += 1
        syms = symmetries(info[gt["obj_id"]])
        assert add(R, t, R, t, model["pts"]) == 0 and adi(R, t, R, t, model["pts"]) == 0
        assert mssd(R, t, R, t, model["pts"], syms) == 0 and mspd(R, t, R, t, K, model["pts"], syms) == 0
        if silhouette.any():
            assert vsd(silhouette, silhouette, depth, 15.0, 20.0) == 0.0
    assert checked >= 5


def _nearest(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(((a[:, None] - b[None]) ** 2).sum(axis=2)).min(axis=1).max())


def test_symmetries_map_blender_geometry_onto_itself(dataset: Path) -> None:
    bop = dataset / "bop" / "models"
    info, assets = load_json(bop / "models_info.json", keys_to_int=True), load_json(bop / "models_assets.json",
                                                                                    keys_to_int=True)
    shapes = set()
    for obj_id, entry in info.items():
        pts, shape = load_ply(bop / f"obj_{obj_id:06d}.ply")["pts"], assets[obj_id]["shape"]
        shapes.add(shape)
        tol = 1e-3 * entry["diameter"]
        for sym in entry.get("symmetries_discrete", []):
            m = np.array(sym).reshape(4, 4)
            assert _nearest(pts @ m[:3, :3].T + m[:3, 3], pts) < tol, shape
        for sym in entry.get("symmetries_continuous", []):
            angle = 2 * np.pi / SEGMENTS[shape]
            a = np.array(sym["axis"], float)
            kx = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
            rot = np.eye(3) + np.sin(angle) * kx + (1 - np.cos(angle)) * kx @ kx
            if shape != "sphere" or a[2] == 1:  # a UV sphere's vertices repeat about z only
                assert _nearest(pts @ rot.T, pts) < tol, shape
        if shape == "sphere" and "symmetries_continuous" in entry:  # round about every axis: one radius
            radius = np.linalg.norm(pts, axis=1)
            assert np.ptp(radius) < 1e-3 * radius.mean()
        expected = {"cube": True, "sphere": True, "cylinder": True, "cone": True, "torus": True,
                    "monkey": False, "mesh": True}[shape]  # Suzanne is only mirror-symmetric
        assert ("symmetries_discrete" in entry or "symmetries_continuous" in entry) == expected, shape
        if shape == "mesh":  # the crate box of three different sides, detected from its vertices
            assert len(entry["symmetries_discrete"]) == 3
    assert shapes == {*SHAPES, "mesh"}


def test_keypoints_of_a_real_render_evaluate_to_ap_1(dataset: Path) -> None:
    ap, gt = keypoint_ap_of_ground_truth(dataset / "coco" / "keypoints.json")
    assert ap == pytest.approx(1.0)
    assert sum(a["num_keypoints"] for a in gt.dataset["annotations"]) > 0
