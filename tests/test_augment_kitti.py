"""KITTI stays valid: flips and crops update P2 so 3D boxes still project onto the 2D boxes."""

from __future__ import annotations

import numpy as np
import pytest

from synthscape.augment import Compose, parse_augment
from synthscape.augment.dataset import AugmentError, augment_dataset
from synthscape.augment.kitti import parse_calib, parse_labels
from synthscape.augment.synthetic import make_synthetic_dataset
from synthscape.io.images import read_png
from synthscape.spec.projection import label_box_corners, label_box_range, mask_rect, projected_rect


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None).prod()
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    return float(inter / union)


def _projected_box(row, p2: np.ndarray, width: int, height: int) -> np.ndarray:
    rect = projected_rect(label_box_corners(*row.dimensions, np.array(row.location),
                                            row.rotation_y), p2)
    x0, y0, x1, y1 = label_box_range(width, height)
    return np.clip(rect, [x0, y0, x0, y0], [x1, y1, x1, y1])


@pytest.fixture(scope="module")
def kitti_source(tmp_path_factory):
    return make_synthetic_dataset(tmp_path_factory.mktemp("ksrc"), frames=2, width=192,
                                  height=128, kitti=True)


@pytest.mark.parametrize("ops", [
    [{"op": "hflip"}],
    [{"op": "crop", "size": [0.6, 0.9]}],
    [{"op": "crop", "size": [0.6, 0.9], "resize": True}],
    [{"op": "scale", "scale": [0.8, 1.3]}],
    [{"op": "hflip"}, {"op": "crop", "size": [0.7, 0.9]}, {"op": "brightness"}],
], ids=["hflip", "crop", "crop_resize", "scale", "flip_crop_photometric"])
def test_projection_through_new_p2_matches_2d_box(kitti_source, tmp_path, ops):
    out = tmp_path / "out"
    augment_dataset(kitti_source, out, copies=3, seed=3,
                    pipeline=Compose(parse_augment({"ops": ops})))
    # the source itself is consistent
    src_row = parse_labels((kitti_source / "kitti/training/label_2/000000.txt").read_text())[0]
    src_p2 = parse_calib((kitti_source / "kitti/training/calib/000000.txt").read_text())["P2"]
    assert _iou(_projected_box(src_row, src_p2, 192, 128), np.array(src_row.rect)) >= 0.9
    checked = 0
    for kid in range(6):
        base = out / "kitti" / "training"
        image = read_png(base / "image_2" / f"{kid:06d}.png")
        height, width = image.shape[:2]
        calib = parse_calib((base / "calib" / f"{kid:06d}.txt").read_text())
        assert calib["P2"][0, 0] > 0 and calib["P2"][1, 1] > 0, "P2 must stay a pinhole camera"
        rows = parse_labels((base / "label_2" / f"{kid:06d}.txt").read_text())
        frame, k = divmod(kid, 3)
        inst = read_png(out / "instance" / f"{frame:06d}_k{k}.png")
        np.testing.assert_array_equal(read_png(out / "rgb" / f"{frame:06d}_k{k}.png"), image)
        for row in rows:
            box2d = np.array(row.rect)
            assert _iou(_projected_box(row, calib["P2"], width, height), box2d) >= 0.9
            assert _iou(mask_rect(inst == 1), box2d) >= 0.9
            checked += 1
    assert checked > 0


def test_flip_mirrors_velodyne_consistently(kitti_source, tmp_path):
    out = tmp_path / "out"
    augment_dataset(kitti_source, out, 1, 0, Compose(parse_augment({"ops": [{"op": "hflip"}]})))
    base_src, base_out = kitti_source / "kitti/training", out / "kitti/training"
    src = np.fromfile(base_src / "velodyne/000000.bin", np.float32).reshape(-1, 4)
    dst = np.fromfile(base_out / "velodyne/000000.bin", np.float32).reshape(-1, 4)
    calib = parse_calib((base_src / "calib/000000.txt").read_text())
    tr = calib["Tr_velo_to_cam"]
    cam_src = src[:, :3] @ tr[:, :3].T + tr[:, 3]
    cam_dst = dst[:, :3] @ tr[:, :3].T + tr[:, 3]
    np.testing.assert_allclose(cam_dst, cam_src * [-1, 1, 1], atol=1e-4)
    np.testing.assert_array_equal(dst[:, 3], src[:, 3])


@pytest.mark.parametrize("op", ["rotate", "perspective", "affine"])
def test_refused_ops_for_kitti(kitti_source, tmp_path, op):
    with pytest.raises(AugmentError, match=f"'{op}' is refused .*KITTI"):
        augment_dataset(kitti_source, tmp_path / "out", 1, 0,
                        Compose(parse_augment({"ops": [{"op": op}]})))
    assert not (tmp_path / "out").exists()
    summary = augment_dataset(kitti_source, tmp_path / "out2", 1, 0,
                              Compose(parse_augment({"ops": [{"op": op}]})), kitti=False)
    assert summary["kitti"] is False and not (tmp_path / "out2" / "kitti").exists()
