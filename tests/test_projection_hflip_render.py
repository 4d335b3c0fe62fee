"""hflip on a KITTI dataset rendered by Cycles: P2 keeps the render's pixel convention.

Regression test for issue 12: ``augment`` converted its flip matrix to a corner-based pixel
convention while the renderer's K uses pixel centres at integers, so the flipped P2 had
``cx = W - cx`` (32.5 at W = 64) instead of ``W - 1 - cx`` (31.5), and the 3D boxes no longer
projected onto the flipped 2D boxes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synthscape.augment.kitti import parse_calib, parse_labels
from synthscape.io.images import read_png
from synthscape.spec.projection import (clip_rect, label_box_corners, label_box_range,
                                        projected_rect)

pytestmark = pytest.mark.blender

WIDTH, HEIGHT = 64, 48
RECIPE = f"""
schema_version: 1
name: kitti_tiny
seed: 0
frames: 2
categories:
  - {{name: car, id: 1, kitti_type: Car}}
  - {{name: pedestrian, id: 2, kitti_type: Pedestrian}}
objects:
  - category: car
    shape: cube
    count: 2
    scale: [0.9, 2.1, 0.75]
    yaw: {{choice: [0, 15, 165]}}
    material: {{base_color: [0.7, 0.1, 0.1], roughness: 0.5}}
  - category: pedestrian
    shape: cylinder
    count: 1
    scale: [0.28, 0.28, 0.9]
    material: {{base_color: [0.2, 0.5, 0.3], roughness: 0.8}}
placement: {{center: [0, 9], area: [6, 4], min_gap: 0.3}}
ground: {{size: [40, 60], material: {{base_color: [0.2, 0.2, 0.2], roughness: 0.9}}}}
lights:
  - {{type: sun, intensity: 3.0, elevation: 50}}
world: {{color: [0.4, 0.5, 0.7], strength: 0.8}}
camera: {{resolution: [{WIDTH}, {HEIGHT}], focal_length: 35, location: [0, 0, 1.65],
          target: [0, 30, 1.65]}}
render: {{samples: 1, denoise: false, min_pixel_area: 4}}
"""


def _cli(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "headless", *args], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def flipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hflip")
    (root / "tiny.yaml").write_text(RECIPE)
    (root / "hflip.yaml").write_text("ops:\n  - {op: hflip}\n")
    _cli("render", str(root / "tiny.yaml"), "--out", str(root / "src"), "--device", "cpu")
    _cli("augment", str(root / "src"), "--copies", "1", "--out", str(root / "dst"),
         "--config", str(root / "hflip.yaml"))
    return root / "src", root / "dst"


def _kitti(root: Path, kid: int) -> tuple[np.ndarray, list]:
    base = root / "kitti" / "training"
    calib = parse_calib((base / "calib" / f"{kid:06d}.txt").read_text())
    return calib["P2"], parse_labels((base / "label_2" / f"{kid:06d}.txt").read_text())


def _projected(row, p2: np.ndarray) -> np.ndarray:
    return projected_rect(label_box_corners(*row.dimensions, np.array(row.location),
                                            row.rotation_y), p2)


def _mirror(rect: np.ndarray) -> np.ndarray:
    return np.array([WIDTH - 1 - rect[2], rect[1], WIDTH - 1 - rect[0], rect[3]])


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None).prod()
    return float(inter / (np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter))


@pytest.mark.parametrize("frame", [0, 1])
def test_flipped_p2_keeps_the_principal_point_convention(flipped, frame: int) -> None:
    src, dst = flipped
    p2_src, _ = _kitti(src, frame)
    p2_dst, _ = _kitti(dst, frame)
    assert p2_src[0, 2] == pytest.approx((WIDTH - 1) / 2)  # the renderer's centred lens
    assert p2_dst[0, 2] == pytest.approx(WIDTH - 1 - p2_src[0, 2], abs=1e-9)
    assert p2_dst[0, 0] == pytest.approx(p2_src[0, 0]) and p2_dst[0, 0] > 0
    np.testing.assert_allclose(p2_dst[1:], p2_src[1:])
    np.testing.assert_array_equal(read_png(dst / "kitti/training/image_2" / f"{frame:06d}.png"),
                                  read_png(src / "rgb" / f"{frame:06d}.png")[:, ::-1])


@pytest.mark.parametrize("frame", [0, 1])
def test_flipped_3d_boxes_project_onto_flipped_2d_boxes(flipped, frame: int) -> None:
    src, dst = flipped
    p2_src, rows_src = _kitti(src, frame)
    p2_dst, rows_dst = _kitti(dst, frame)
    objects = [(a, b) for a, b in zip(rows_src, rows_dst) if a.kind != "DontCare"]
    assert len(rows_dst) == len(rows_src) and objects, "the recipe must give KITTI objects"
    box_range = label_box_range(WIDTH, HEIGHT)
    for row_src, row_dst in objects:
        assert row_dst.kind == row_src.kind
        np.testing.assert_allclose(row_dst.rect, _mirror(np.array(row_src.rect)), atol=0.011)
        proj_src, proj_dst = _projected(row_src, p2_src), _projected(row_dst, p2_dst)
        # the flipped 3D box projects exactly where the mirror of the source projection lies
        np.testing.assert_allclose(proj_dst, _mirror(proj_src), atol=0.02)
        iou_src = _iou(clip_rect(proj_src, box_range), np.array(row_src.rect))
        iou_dst = _iou(clip_rect(proj_dst, box_range), np.array(row_dst.rect))
        assert iou_dst == pytest.approx(iou_src, abs=0.01)
        if row_dst.kind == "Car":  # cubes: the box's projection is the silhouette's rectangle
            assert iou_dst >= 0.85
