"""street.yaml rendered by Cycles: LiDAR agrees with the rendered depth, KITTI boxes with the image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pykitti.utils
import pytest
import yaml

from synthscape.io.images import read_exr, read_png
from synthscape.lidar import read_bin, read_label
from synthscape.lidar.camera_rays import image_extent, pixel_index
from synthscape.pipeline import RenderJob, render_dataset
from tests.conftest import SCENES
from tests.test_kitti_export import PcdetObject3d, _iou, pcdet_calib
from tests.test_lidar_sim import _depth_at, _instance_edges

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def street(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("street")
    render_dataset(RenderJob(recipe_path=str(SCENES / "street.yaml"), out_dir=out, frames=2, seed=1,
                             resolution=(1242, 375), samples=1, device="cpu"))
    return out


def kitti_file(out: Path, folder: str, frame: int, suffix: str) -> Path:
    return out / "kitti" / "training" / folder / f"{frame:06d}.{suffix}"


@pytest.mark.parametrize("frame", [0, 1])
def test_lidar_points_land_on_matching_rendered_depth(street: Path, frame: int) -> None:
    calib = pykitti.utils.read_calib_file(str(kitti_file(street, "calib", frame, "txt")))
    velo = pykitti.utils.load_velo_scan(str(kitti_file(street, "velodyne", frame, "bin")))
    assert np.array_equal(velo, read_bin(street / "lidar" / f"{frame:06d}.bin"))
    tr = np.vstack([calib["Tr_velo_to_cam"].reshape(3, 4), [0, 0, 0, 1]])
    r0 = np.eye(4)
    r0[:3, :3] = calib["R0_rect"].reshape(3, 3)
    p2 = calib["P2"].reshape(3, 4)
    cam = (r0 @ tr @ np.hstack([velo[:, :3], np.ones((len(velo), 1))]).T).T
    uvw = cam @ p2.T
    u, v = uvw[:, 0] / uvw[:, 2], uvw[:, 1] / uvw[:, 2]
    depth = read_exr(street / "depth" / f"{frame:06d}.exr")["Z"]
    instance = read_png(street / "instance" / f"{frame:06d}.png")
    x0, y0, x1, y1 = image_extent(depth.shape[1], depth.shape[0])
    inside = (cam[:, 2] > 0.5) & (u >= x0) & (u < x1) & (v >= y0) & (v < y1)
    z, u, v = cam[inside, 2], u[inside], v[inside]
    _, labels = read_label(street / "lidar" / f"{frame:06d}.label")
    instance_labels = labels[inside]
    finite = np.isfinite(depth)
    camera_z, px, py = _depth_at(np.where(finite, depth, 1e6), u, v)
    edges = _instance_edges(instance) | ~finite
    edge = edges[py, px] | edges[py, px + 1] | edges[py + 1, px] | edges[py + 1, px + 1]
    assert z.size > 2000
    # HDL-64E accuracy is 2 cm (1 sigma); allow 5 cm + 3 sigma.
    good = np.abs(camera_z - z) < 0.05 + 3 * 0.02
    assert good[~edge].mean() >= 0.95, f"only {good[~edge].mean():.3f} of points match the depth"
    same = good & ~edge
    pixel = instance[pixel_index(v), pixel_index(u)]
    assert (instance_labels[same] == pixel[same]).mean() >= 0.99
    assert set(instance_labels[same].tolist()) > {0}


MIN_IOU = {"Car": 0.8, "Van": 0.8, "Cyclist": 0.7}
"""Least IoU of an unoccluded, untruncated object's 2D box with its projected 3D box, per KITTI type.
street.yaml's procedural cars fill most of their box (the gap: ground clearance behind the wheels, the
cabin's taper), a cyclist less (wheels, rider); a pedestrian's limbs leave much of it empty, so
pedestrians are only checked to lie inside it."""


def test_kitti_boxes_project_onto_their_2d_boxes(street: Path) -> None:
    checked = 0
    for frame in (0, 1):
        p2 = pcdet_calib(kitti_file(street, "calib", frame, "txt"))["P2"]
        lines = kitti_file(street, "label_2", frame, "txt").read_text().splitlines()
        objects = [PcdetObject3d(line) for line in lines]
        types = [o.cls_type for o in objects]
        assert types == sorted(types, key=lambda t: t == "DontCare"), "DontCare rows must come last"
        for o in objects:
            if o.cls_type == "DontCare" or o.truncation > 0 or o.occlusion > 0:
                continue
            corners = o.generate_corners3d()
            image = np.hstack([corners, np.ones((8, 1))]) @ p2.T
            uv = image[:, :2] / image[:, 2:]
            projected = np.concatenate([uv.min(axis=0), uv.max(axis=0)])
            assert np.all(o.box2d[:2] >= projected[:2] - 1) and np.all(o.box2d[2:] <= projected[2:] + 1), \
                (o.cls_type, projected, o.box2d)
            if o.cls_type == "Car":
                assert o.l > o.w, "a car's length runs along its heading"
            if o.cls_type in MIN_IOU:
                assert _iou(projected, o.box2d) >= MIN_IOU[o.cls_type], (o.cls_type, projected, o.box2d)
                checked += 1
    assert checked >= 1


def test_kitti_layout_and_imagesets(street: Path) -> None:
    for folder, suffix in [("image_2", "png"), ("label_2", "txt"), ("calib", "txt"), ("velodyne", "bin")]:
        assert kitti_file(street, folder, 0, suffix).is_file()
    assert kitti_file(street, "image_2", 0, "png").read_bytes() == (street / "rgb" / "000000.png").read_bytes()
    calib_keys = [line.split(":")[0] for line in kitti_file(street, "calib", 0, "txt").read_text().splitlines()]
    assert calib_keys == ["P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"]
    sets = street / "kitti" / "ImageSets"
    ids = sorted((sets / "train.txt").read_text().split() + (sets / "val.txt").read_text().split())
    assert ids == ["000000", "000001"]
    assert (sets / "test.txt").read_text() == ""  # mmdetection3d and OpenPCDet open it
    config = yaml.safe_load((street / "lidar" / "semantic-kitti.yaml").read_text())
    assert config["labels"][0] == "unlabeled" and "car" in config["labels"].values()
