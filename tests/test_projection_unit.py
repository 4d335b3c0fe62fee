"""The projection module: one pixel convention, and what 2D transforms do to K / P2."""

from __future__ import annotations

import numpy as np
import pytest

from synthscape.augment import Compose, parse_augment
from synthscape.augment.dataset import augment_dataset
from synthscape.augment.kitti import parse_calib, parse_labels
from synthscape.augment.synthetic import make_synthetic_dataset
from synthscape.lidar import camera_rays
from synthscape.spec import projection as P
from synthscape.spec.camera import intrinsics

K = np.array([[50.0, 0.0, 30.5], [0.0, 50.0, 22.0], [0.0, 0.0, 1.0]])
POINTS = np.array([[0.3, -0.2, 4.0], [-1.0, 0.5, 7.0], [0.0, 0.0, 2.0]])


def test_one_convention_everywhere() -> None:
    assert camera_rays.PIXEL_CENTER is P.PIXEL_CENTER
    assert camera_rays.image_extent is P.image_extent and camera_rays.pixel_index is P.pixel_index
    k = intrinsics(192, 128, 35.0, 36.0)
    assert (k[0, 2], k[1, 2]) == P.principal_point(192, 128) == (95.5, 63.5)
    # the centre of pixel i projects to pixel index i; the image spans W pixels
    assert P.pixel_index(np.array([0.0, 0.49, 191.0])).tolist() == [0, 0, 191]
    x0, _, x1, _ = P.image_extent(192, 128)
    assert x1 - x0 == 192 and P.pixel_index(np.array([x0, x1 - 1e-9])).tolist() == [0, 191]


def test_hflip_matrix_maps_columns_and_keeps_a_centred_principal_point() -> None:
    a = P.hflip_matrix(192)
    cols = np.array([[0.0, 0.0, 1.0], [191.0, 5.0, 1.0], [95.5, 1.0, 1.0]]) @ a.T
    assert cols[:, 0].tolist() == [191.0, 0.0, 95.5]
    np.testing.assert_array_equal(a @ a, np.eye(3))
    p2 = P.transform_projection(P.projection_from_k(intrinsics(192, 128, 35.0, 36.0)), a, True)
    assert p2[0, 2] == 95.5 and p2[0, 0] > 0


def test_flipped_camera_sees_the_mirrored_world_at_the_flipped_pixels() -> None:
    a = P.hflip_matrix(64)
    p_flip = P.transform_projection(P.projection_from_k(K), a, mirror=True)
    mirrored = POINTS * [-1.0, 1.0, 1.0]
    uv = P.project_points(K, POINTS)
    expected = np.column_stack([63.0 - uv[:, 0], uv[:, 1]])
    np.testing.assert_allclose(P.project_points(p_flip, mirrored), expected, atol=1e-12)


@pytest.mark.parametrize("a", [P.translation_matrix(-7, -3), P.grid_scale_matrix(2.0, 1.5),
                               P.grid_scale_matrix(0.5, 0.5) @ P.translation_matrix(-4, -2)],
                         ids=["crop", "scale", "crop_scale"])
def test_transformed_projection_commutes_with_the_pixel_transform(a: np.ndarray) -> None:
    uv = np.hstack([P.project_points(K, POINTS), np.ones((len(POINTS), 1))]) @ a.T
    moved = P.project_points(P.transform_projection(K, a, mirror=False), POINTS)
    np.testing.assert_allclose(moved, uv[:, :2], atol=1e-12)


def test_grid_scale_maps_image_edges_to_image_edges() -> None:
    x0, y0, x1, y1 = P.image_extent(64, 48)
    rect = P.transform_rect(np.array([x0, y0, x1, y1]), P.grid_scale_matrix(3.0, 3.0))
    np.testing.assert_allclose(rect, P.image_extent(192, 144))


def test_coco_boxes_and_mask_rectangles() -> None:
    mask = np.zeros((10, 12), bool)
    mask[3:8, 2:6] = True  # rows 3..7, cols 2..5
    rect = P.coco_bbox_to_rect([2.0, 3.0, 4.0, 5.0])  # the COCO box of that mask
    np.testing.assert_allclose(rect, P.mask_rect(mask))
    assert P.rect_pixel_span(rect) == (2, 3, 5, 7)
    mask[:, :] = True
    np.testing.assert_allclose(P.mask_rect(mask), P.label_box_range(12, 10))  # KITTI: [0, W-1]
    assert P.clip_rect(np.array([20.0, 0, 30, 5]), P.label_box_range(12, 10)) is None


def test_near_plane_clipping_and_truncation() -> None:
    corners = P.label_box_corners(1.5, 1.6, 3.9, np.array([0.0, 1.0, 0.5]), 0.0)  # z -0.3..1.3
    clipped = P.clip_box_near_plane(corners)
    assert clipped[:, 2].min() == pytest.approx(P.NEAR_PLANE_M) and len(clipped) == 8
    assert P.projected_rect(corners - [0, 0, 10], K) is None
    assert P.truncation(None, 64, 48) == 1.0
    x0, y0, x1, y1 = P.image_extent(64, 48)
    assert P.truncation(np.array([x0 - 10, y0, x0 + 10, y0 + 10]), 64, 48) == pytest.approx(0.5)


def test_flip_twice_restores_calib_and_labels(tmp_path) -> None:
    src = make_synthetic_dataset(tmp_path / "src", frames=2, width=96, height=64, kitti=True)
    out = tmp_path / "out"
    augment_dataset(src, out, 1, 0, Compose(parse_augment({"ops": [{"op": "hflip"}, {"op": "hflip"}]})))
    for frame in (0, 1):
        name = f"{frame:06d}"
        calib_src = parse_calib((src / "kitti/training/calib" / f"{name}.txt").read_text())
        calib_out = parse_calib((out / "kitti/training/calib" / f"{name}.txt").read_text())
        for key, matrix in calib_src.items():
            np.testing.assert_allclose(calib_out[key], matrix, atol=1e-9)
        rows_src = parse_labels((src / "kitti/training/label_2" / f"{name}.txt").read_text())
        rows_out = parse_labels((out / "kitti/training/label_2" / f"{name}.txt").read_text())
        assert len(rows_out) == len(rows_src) == 1
        for a, b in zip(rows_src, rows_out):
            assert b.kind == a.kind and b.occluded == a.occluded
            np.testing.assert_allclose(b.rect, a.rect, atol=1e-9)
            np.testing.assert_allclose(b.location, a.location, atol=1e-9)
            assert b.rotation_y == pytest.approx(a.rotation_y, abs=1e-4)
            assert b.truncated == pytest.approx(a.truncated, abs=0.01)
