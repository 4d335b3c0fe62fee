"""KITTI export read back by third-party parsers (pykitti, OpenPCDet-style line parsing)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pykitti.utils
import pytest

from synthscape.buffers import FrameBuffers
from synthscape.io.images import read_png
from synthscape.lidar import LidarRecipe, sample_lidar_spec, simulate_lidar
from synthscape.lidar.camera_rays import image_extent, raycast_camera
from synthscape.lidar.demo import street_spec
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.sensors.visibility import amodal_masks, object_visibility
from synthscape.writers.kitti import (kitti_calib, kitti_labels, occlusion_level, split_train_val,
                                      truncation, write_kitti_frame, write_kitti_imagesets)


def _frame(seed: int = 3, **kw):
    spec = street_spec(np.random.default_rng(seed), **kw)
    recipe = LidarRecipe(preset="hdl64e", points_per_ring=1024)
    spec = dataclasses.replace(spec, frame_index=5).with_lidar(
        sample_lidar_spec(recipe, spec.camera.world_to_camera))
    mesh = scene_mesh_from_spec(spec)
    depth, instance = raycast_camera(mesh, spec)
    h, w = depth.shape
    rgb = np.random.default_rng(0).random((h, w, 3)).astype(np.float32)
    buffers = FrameBuffers(rgb=rgb, depth=depth, normal=np.zeros((h, w, 3), np.float32),
                           instance=instance, mesh=mesh)
    return spec, dataclasses.replace(buffers, visibility=object_visibility(spec, buffers))


# --- OpenPCDet's parsing (pcdet/utils/calibration_kitti.py, object3d_kitti.py), reproduced --
def pcdet_calib(path) -> dict[str, np.ndarray]:
    with open(path) as f:
        lines = f.readlines()
    obj = lines[2].strip().split(" ")[1:]
    p2 = np.array(obj, dtype=np.float32)
    obj = lines[3].strip().split(" ")[1:]
    p3 = np.array(obj, dtype=np.float32)
    obj = lines[4].strip().split(" ")[1:]
    r0 = np.array(obj, dtype=np.float32)
    obj = lines[5].strip().split(" ")[1:]
    tr = np.array(obj, dtype=np.float32)
    return {"P2": p2.reshape(3, 4), "P3": p3.reshape(3, 4), "R0": r0.reshape(3, 3),
            "Tr_velo2cam": tr.reshape(3, 4)}


class PcdetObject3d:
    def __init__(self, line: str):
        label = line.strip().split(" ")
        self.cls_type = label[0]
        self.truncation = float(label[1])
        self.occlusion = int(label[2])  # mmdetection3d reads it with int()
        self.alpha = float(label[3])
        self.box2d = np.array([float(x) for x in label[4:8]], dtype=np.float32)
        self.h, self.w, self.l = float(label[8]), float(label[9]), float(label[10])
        self.loc = np.array([float(x) for x in label[11:14]], dtype=np.float32)
        self.ry = float(label[14])

    def generate_corners3d(self) -> np.ndarray:
        l, h, w = self.l, self.h, self.w
        x = [l / 2, l / 2, -l / 2, -l / 2, l / 2, l / 2, -l / 2, -l / 2]
        y = [0, 0, 0, 0, -h, -h, -h, -h]
        z = [w / 2, -w / 2, -w / 2, w / 2, w / 2, -w / 2, -w / 2, w / 2]
        r = np.array([[np.cos(self.ry), 0, np.sin(self.ry)], [0, 1, 0],
                      [-np.sin(self.ry), 0, np.cos(self.ry)]])
        return np.dot(r, np.vstack([x, y, z])).T + self.loc


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("kitti")
    spec, buffers = _frame()
    scan = simulate_lidar(buffers.mesh, spec.lidar, np.random.default_rng(0),
                          spec.instance_to_category())
    buffers = dataclasses.replace(buffers, lidar=scan)
    paths = write_kitti_frame(out, spec, buffers, min_height_px=6.0)
    return out, spec, buffers, scan, paths


def test_calib_read_by_pykitti_and_pcdet(written):
    out, spec, _, scan, _ = written
    path = out / "kitti" / "training" / "calib" / "000005.txt"
    text = path.read_text()
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"]
    assert all(len(v.lstrip("-")) == 18 for line in text.splitlines() for v in line.split(" ")[1:])
    calib = pykitti.utils.read_calib_file(str(path))
    np.testing.assert_allclose(calib["P2"].reshape(3, 4)[:, :3], spec.camera.K)
    assert calib["P3"][3] == pytest.approx(-spec.camera.K[0][0] * 0.54)
    pc = pcdet_calib(path)
    np.testing.assert_allclose(pc["Tr_velo2cam"], np.asarray(spec.lidar
                                                             ["lidar_to_camera"])[:3], atol=1e-6)
    velo = pykitti.utils.load_velo_scan(str(out / "kitti" / "training" / "velodyne" /
                                            "000005.bin"))
    np.testing.assert_array_equal(velo[:, :3], scan.points)
    # PCDet's lidar_to_rect + rect_to_img: the points land in the image, in front of the camera
    hom = np.hstack([velo[:, :3], np.ones((len(velo), 1), np.float32)])
    rect = hom @ np.dot(pc["Tr_velo2cam"].T, pc["R0"].T)
    front = rect[rect[:, 2] > 1]
    img = np.hstack([front, np.ones((len(front), 1))]) @ pc["P2"].T
    u = img[:, 0] / img[:, 2]
    assert 0.1 < np.mean((u >= 0) & (u < spec.camera.width)) < 0.9


def test_labels_parse_and_boxes_project_onto_2d_boxes(written):
    out, spec, buffers, _, _ = written
    lines = (out / "kitti" / "training" / "label_2" / "000005.txt").read_text().splitlines()
    objs = [PcdetObject3d(line) for line in lines]
    types = [o.cls_type for o in objs]
    assert set(types) <= {"Car", "Pedestrian", "Cyclist", "DontCare"}
    assert types == sorted(types, key=lambda t: t == "DontCare")
    p2 = pcdet_calib(out / "kitti" / "training" / "calib" / "000005.txt")["P2"]
    checked = 0
    for o in objs:
        if o.cls_type == "DontCare":
            continue
        assert 0 <= o.truncation <= 1 and o.occlusion in (0, 1, 2, 3)
        assert -np.pi <= o.alpha <= np.pi and -np.pi <= o.ry <= np.pi
        if o.truncation > 0 or o.occlusion > 0:
            continue
        corners = o.generate_corners3d()
        img = np.hstack([corners, np.ones((8, 1))]) @ p2.T
        uv = img[:, :2] / img[:, 2:]
        projected = np.concatenate([uv.min(axis=0), uv.max(axis=0)])
        assert _iou(projected, o.box2d) >= 0.9, (o.cls_type, projected, o.box2d)
        checked += 1
    assert checked >= 2


def test_locations_are_bottom_centres_in_camera_frame(written):
    out, spec, _, _, _ = written
    lines = (out / "kitti" / "training" / "label_2" / "000005.txt").read_text().splitlines()
    w2c = np.asarray(spec.camera.world_to_camera)
    found = 0
    for line in lines:
        o = PcdetObject3d(line)
        if o.cls_type == "DontCare":
            continue
        world = np.linalg.inv(w2c) @ np.append(o.loc, 1.0)
        assert world[2] == pytest.approx(0.0, abs=0.01)  # bottom of the box on the ground
        match = [ob for ob in spec.objects
                 if np.hypot(ob.location[0] - world[0], ob.location[1] - world[1]) < 0.01]
        assert len(match) == 1
        ob = match[0]
        assert o.l == pytest.approx(2 * ob.scale[0], abs=0.01)
        assert o.h == pytest.approx(2 * ob.scale[2], abs=0.01)
        # camera looks along world +y, so camera x = world x and yaw 0 (heading world +x)
        assert np.cos(o.ry - (-ob.rotation[2])) == pytest.approx(1.0, abs=1e-3)
        found += 1
    assert found >= 3


def test_image_and_labels_skip_categories_without_kitti_type(written):
    out, spec, buffers, _, paths = written
    assert {p.parent.name for p in paths} == {"image_2", "label_2", "calib", "velodyne"}
    image = read_png(out / "kitti" / "training" / "image_2" / "000005.png")
    assert image.shape == (buffers.height, buffers.width, 3)
    lines = (out / "kitti" / "training" / "label_2" / "000005.txt").read_text().splitlines()
    kitti_ids = {o.instance_id for o in spec.objects if o.category_id != 4}
    visible = set(np.unique(buffers.instance).tolist()) & kitti_ids
    assert len(lines) == len(visible)


def test_small_objects_become_dontcare_last():
    spec, buffers = _frame()
    few = kitti_labels(spec, buffers, min_height_px=0.0)
    many = kitti_labels(spec, buffers, min_height_px=20.0)
    assert len(few) == len(many) and not any(r.startswith("DontCare") for r in few)
    dc = [r.startswith("DontCare") for r in many]
    assert any(dc) and dc == sorted(dc)
    assert all(len(r.split(" ")) == 15 for r in many)


def test_occlusion_comes_from_amodal_footprint():
    spec, buffers = _frame()
    amodal = amodal_masks(buffers.mesh, spec)
    for obj in spec.objects:
        visible = buffers.instance == obj.instance_id
        if obj.instance_id in amodal:
            assert not np.any(visible & ~amodal[obj.instance_id])  # visible is part of amodal
    occluded = [i for i, m in amodal.items() if (buffers.instance == i).sum() < 0.9 * m.sum()]
    assert occluded, "the street scene should have at least one occluded object"
    assert occlusion_level(100, 100) == 0 and occlusion_level(50, 100) == 1
    assert occlusion_level(10, 100) == 2 and occlusion_level(0, 0) == 3


def test_truncation_fraction():
    assert truncation(np.array([10.0, 10.0, 20.0, 20.0]), 100, 100) == 0.0
    x0, y0, x1, _ = image_extent(100, 100)
    assert truncation(np.array([x0 - 10, y0, x0 + 10, y0 + 10]), 100, 100) == pytest.approx(0.5)
    assert truncation(np.array([x1 - 5, y0, x1 + 15, y0 + 10]), 100, 100) == pytest.approx(0.75)
    assert truncation(None, 100, 100) == 1.0


def test_imagesets_are_deterministic_and_partition(tmp_path):
    frames = list(range(0, 50))
    train, val = split_train_val(frames, 0.2, seed=1)
    assert len(val) == 10 and sorted(train + val) == frames and not set(train) & set(val)
    assert split_train_val(frames, 0.2, seed=1) == (train, val)
    assert split_train_val(frames, 0.2, seed=2) != (train, val)
    write_kitti_imagesets(tmp_path, frames, 0.2, seed=1)
    sets = tmp_path / "kitti" / "ImageSets"
    assert (sets / "val.txt").read_text().split() == [f"{i:06d}" for i in val]
    assert len((sets / "trainval.txt").read_text().split()) == 50
    assert (sets / "test.txt").read_text() == ""  # mmdet3d and OpenPCDet open it


def test_calib_text_is_stable():
    spec, _ = _frame()
    assert kitti_calib(spec) == kitti_calib(spec)
    assert kitti_calib(spec).endswith("\n") and not kitti_calib(spec).endswith("\n\n")


def test_image_2_copies_the_rgb_png_bytes(tmp_path):
    from synthscape.io.images import linear_to_srgb8, write_png
    spec, buffers = _frame()
    rgb = write_png(tmp_path / "rgb" / "000005.png", linear_to_srgb8(buffers.rgb))
    write_kitti_frame(tmp_path, spec, buffers)
    copied = tmp_path / "kitti" / "training" / "image_2" / "000005.png"
    assert copied.read_bytes() == rgb.read_bytes()
    assert not (tmp_path / "kitti" / "training" / "velodyne").exists()
