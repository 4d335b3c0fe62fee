"""Lens distortion on real Cycles renders (tiny): labels distorted, calibration written, zero = today's pixels."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from synthscape.blender.render import CyclesRenderer
from synthscape.buffers import SceneMesh
from synthscape.lidar.camera_rays import raycast_camera
from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from synthscape.io.images import read_png
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_scene
from synthscape.writers.calibration import calibration_yaml
from synthscape.writers.meta import spec_from_meta
from tests.batch_support import MINIMAL

pytestmark = pytest.mark.blender

BARREL = {"k1": -0.3, "k2": 0.08, "p1": 0.002, "p2": -0.001}


def recipe_file(tmp_path: Path, distortion: dict | None) -> Path:
    data = yaml.safe_load(Path(MINIMAL).read_text())
    # a wide lens looking past the objects, so they sit where the distortion moves pixels most
    data["camera"].update({"resolution": [96, 64], "focal_length": 24, "distance": 2.2, "target": [0.7, 0.7, 0.0]})
    data["render"]["samples"] = 1
    if distortion is not None:
        data["camera"]["distortion"] = distortion
    path = tmp_path / f"lens_{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def read_calibration(text: str, tmp_path: Path) -> tuple[np.ndarray, np.ndarray, str]:
    path = tmp_path / "calibration.yaml"
    path.write_text(text)
    storage = cv2.FileStorage(str(path), cv2.FILE_STORAGE_READ)
    return (storage.getNode("camera_matrix").mat(), storage.getNode("distortion_coefficients").mat(),
            storage.getNode("distortion_model").string())


def project(K: np.ndarray, coefficients: np.ndarray, model: str, camera_points: np.ndarray) -> np.ndarray:
    zero = np.zeros(3)
    if model == "equidistant":
        uv, _ = cv2.fisheye.projectPoints(camera_points.reshape(-1, 1, 3), zero, zero, K, coefficients)
    else:
        uv, _ = cv2.projectPoints(camera_points, zero, zero, K, coefficients)
    return uv.reshape(-1, 2)


def on_own_mask(instance: np.ndarray, uv: np.ndarray, instance_id: int) -> float:
    """Fraction of the in-image points whose pixel shows ``instance_id``."""
    cols, rows = np.floor(uv[:, 0] + 0.5).astype(int), np.floor(uv[:, 1] + 0.5).astype(int)
    inside = (cols >= 0) & (cols < instance.shape[1]) & (rows >= 0) & (rows < instance.shape[0])
    return float((instance[rows[inside], cols[inside]] == instance_id).mean()) if inside.any() else float("nan")


def _submesh(mesh: SceneMesh, keep: np.ndarray) -> SceneMesh:
    return SceneMesh(mesh.vertices, mesh.triangles[keep], mesh.triangle_instance[keep],
                     mesh.triangle_reflectivity[keep])


@pytest.mark.parametrize("distortion", [BARREL, {"model": "fisheye", "k1": 0.05, "k2": -0.02}])
def test_projected_vertices_land_on_the_distorted_masks(tmp_path: Path, distortion: dict) -> None:
    spec = sample_scene(load_recipe(recipe_file(tmp_path, distortion)), 0, 0)
    spec = dataclasses.replace(spec, outputs=("instance",), needs=("mesh",))
    with CyclesRenderer("cpu") as renderer:
        buffers = renderer.render(spec)
    cam = spec.camera
    assert buffers.instance.shape == (cam.height, cam.width) and buffers.rgb.shape == (cam.height, cam.width, 3)
    _, cast = raycast_camera(buffers.mesh, spec)  # rays through the distorted pixels
    assert (cast == buffers.instance).mean() > 0.97
    K, coefficients, model = read_calibration(calibration_yaml(cam), tmp_path)
    w2c = np.asarray(cam.world_to_camera)
    checked, shift = 0, 0.0
    for obj in spec.objects:
        verts = buffers.mesh.vertices[np.unique(buffers.mesh.triangles[buffers.mesh.triangle_instance
                                                                       == obj.instance_id])]
        pc = verts.astype(np.float64) @ w2c[:3, :3].T + w2c[:3, 3]
        amodal = raycast_camera(_submesh(buffers.mesh, buffers.mesh.triangle_instance == obj.instance_id), spec)[1]
        visible = buffers.instance == obj.instance_id
        if visible.sum() < 20 or visible.sum() < 0.95 * (amodal == obj.instance_id).sum():
            continue  # occluded: hidden vertices need not land on the visible mask
        # corners sit on the silhouette's edge: a pixel of slack
        mask = cv2.dilate(visible.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.uint16) * obj.instance_id
        uv = project(K, coefficients, model, pc)
        pinhole = project(K, np.zeros(5), "plumb_bob", pc)
        pinhole_share = on_own_mask(mask, pinhole, obj.instance_id)
        assert on_own_mask(mask, uv, obj.instance_id) == 1.0, (obj.instance_id, pinhole_share)
        shift = max(shift, float(np.abs(uv - pinhole).max()))
        checked += 1
    assert checked >= 1 and shift > 1.5  # the distortion really moved the vertices


def test_zero_distortion_renders_todays_pixels(tmp_path: Path) -> None:
    plain = sample_scene(load_recipe(recipe_file(tmp_path, None)), 0, 0)
    zero = sample_scene(load_recipe(recipe_file(tmp_path, {"k1": 0.0, "k2": 0.0})), 0, 0)
    assert zero.camera.distortion_model == "plumb_bob" and plain.camera.distortion_model == "none"
    with CyclesRenderer("cpu") as renderer:
        want, got = renderer.render(plain), renderer.render(zero)
    for name in ("rgb", "depth", "normal", "instance"):
        assert np.array_equal(getattr(want, name), getattr(got, name)), name


def test_dataset_boxes_come_from_the_distorted_masks(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    render_dataset(RenderJob(str(recipe_file(tmp_path, BARREL)), out, frames=1, device="cpu",
                             outputs=("rgb", "instance", "meta", "coco", "calibration")))
    spec = spec_from_meta(json.loads((out / "meta" / "000000.json").read_text()))
    assert spec.camera.distortion_model == "plumb_bob" and spec.camera.distortion[0] == -0.3
    K, coefficients, model = read_calibration((out / "calibration" / "000000.yaml").read_text(), tmp_path)
    assert np.array_equal(K, np.asarray(spec.camera.K)) and model == "plumb_bob"
    assert np.array_equal(coefficients.ravel(), spec.camera.distortion)
    instance = read_png(out / "instance" / "000000.png")
    assert instance.shape == (64, 96)
    coco = json.loads((out / "coco" / "annotations.json").read_text())
    assert coco["annotations"]
    for ann in coco["annotations"]:
        rows, cols = np.nonzero(instance == ann["id"] % 65536)  # frame 0: annotation id = instance id
        assert ann["bbox"] == [cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1]
    w2c = np.asarray(spec.camera.world_to_camera)
    landed = 0
    for obj in spec.objects:
        centre = np.asarray(obj.location) + np.asarray(obj.scale) * (np.asarray(obj.bbox_min) + obj.bbox_max) / 2
        uv = project(K, coefficients, model, (w2c[:3, :3] @ centre + w2c[:3, 3])[None])[0]
        col, row = int(np.floor(uv[0] + 0.5)), int(np.floor(uv[1] + 0.5))
        if 0 <= col < 96 and 0 <= row < 64 and (instance == obj.instance_id).sum() > 20:
            assert obj.instance_id in instance[max(row - 1, 0):row + 2, max(col - 1, 0):col + 2]
            landed += 1
    assert landed >= 1
