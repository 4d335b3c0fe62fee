"""KITTI targets of the geometric ops: calib, label_2 and velodyne under an image transform.

A geometric op given as a 3x3 pixel matrix ``A`` (axis-aligned: flip, crop, scale; the pixel
convention of :mod:`synthscape.spec.projection`, the same as the rendered K and P2) moves
every pixel ``u`` to ``A u``; the camera that takes the new image is then ``P' = A P``. A
horizontal flip is also a mirror of the world: with ``A`` alone ``P'`` would have a negative
focal length (not a pinhole camera), so the world is mirrored too (camera x -> -x):
``P' = A P Mx`` (:func:`synthscape.spec.projection.transform_projection`), labels get
``x -> -x``, ``ry -> pi - ry`` (alpha follows), and LiDAR points are mirrored through the
camera frame. The 3D boxes then project through ``P'`` exactly onto the flipped image.
Changed rows are formatted by the KITTI writer (:func:`synthscape.writers.kitti.label_line`)
when the copy is written; this module only needs the projection maths.
"""

from __future__ import annotations

import numpy as np

from synthscape.augment.base import KittiFrame, KittiLabel
from synthscape.spec.projection import (MIRROR_X, clip_rect, label_box_corners, label_box_range,
                                        projected_rect, transform_projection, transform_rect,
                                        truncation)


def parse_calib(text: str) -> dict[str, np.ndarray]:
    """``name: v0 v1 ...`` rows to matrices: P* (3, 4), R0_rect (3, 3), Tr_* (3, 4).

    Raises:
        ValueError: a row whose values are not numbers or not 9 / 12 of them.
    """
    out: dict[str, np.ndarray] = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        name, values = line.split(":", 1)
        v = np.array([float(x) for x in values.split()])
        if v.size not in (9, 12):
            raise ValueError(f"calib row {name.strip()!r} has {v.size} values, expected 9 or 12")
        out[name.strip()] = v.reshape(3, 3) if v.size == 9 else v.reshape(3, 4)
    return out


def parse_labels(text: str) -> list[KittiLabel]:
    """label_2 text to its rows (each keeps its source line).

    Raises:
        ValueError: a row without KITTI's 15 fields or with non-numeric values.
    """
    out = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        f = line.split()
        if len(f) < 15:
            raise ValueError(f"label row {line[:80]!r} has fewer than 15 fields")
        v = [float(x) for x in f[1:15]]
        out.append(KittiLabel(f[0], v[0], int(v[1]), (v[3], v[4], v[5], v[6]), (v[7], v[8], v[9]),
                              (v[10], v[11], v[12]), v[13], line))
    return out


def _wrap(angle: float) -> float:
    return float((angle + np.pi) % (2 * np.pi) - np.pi)


def _transform_label(label: KittiLabel, a: np.ndarray, mirror: bool, p2: np.ndarray,
                     width: int, height: int) -> KittiLabel | None:
    rect = clip_rect(transform_rect(np.array(label.rect), a), label_box_range(width, height))
    if rect is None:
        return None
    rect_t = (float(rect[0]), float(rect[1]), float(rect[2]), float(rect[3]))
    if label.kind == "DontCare":
        return KittiLabel(label.kind, label.truncated, label.occluded, rect_t, label.dimensions,
                          label.location, label.rotation_y)
    x, y, z = label.location
    ry = label.rotation_y
    if mirror:
        x, ry = -x, _wrap(np.pi - ry)
    corners = label_box_corners(*label.dimensions, np.array([x, y, z]), ry)
    trunc = truncation(projected_rect(corners, p2), width, height)
    return KittiLabel(label.kind, trunc, label.occluded, rect_t, label.dimensions, (x, y, z), ry)


def _mirror_velodyne(points: np.ndarray, calib: dict[str, np.ndarray]) -> np.ndarray:
    tr = np.eye(4)
    tr[:3] = calib["Tr_velo_to_cam"]
    r0 = np.eye(4)
    r0[:3, :3] = calib.get("R0_rect", np.eye(3))
    to_cam = r0 @ tr
    m = np.linalg.inv(to_cam) @ MIRROR_X @ to_cam
    out = points.copy()
    out[:, :3] = points[:, :3].astype(np.float64) @ m[:3, :3].T + m[:3, 3]
    return out.astype(np.float32)


def transform_kitti(frame: KittiFrame, matrix: np.ndarray, mirror: bool, width: int,
                    height: int) -> KittiFrame:
    """The KITTI frame seen through an axis-aligned image transform.

    Args:
        frame: source calib/labels/velodyne.
        matrix: (3, 3) source-to-destination pixel transform (projection module convention).
        mirror: the transform flips x (mirror the world, see module docstring).
        width: output image width, pixels.
        height: output image height, pixels.

    Returns:
        New calib (all ``P*`` updated), labels (2D boxes mapped and clipped to KITTI's box
        range, rows leaving the image dropped, truncation recomputed) and velodyne (mirrored
        when ``mirror``).
    """
    a = np.asarray(matrix, float)
    calib = {name: (transform_projection(m, a, mirror) if name.startswith("P") else m.copy())
             for name, m in frame.calib.items()}
    rows = [_transform_label(r, a, mirror, calib["P2"], width, height) for r in frame.labels]
    velo = frame.velodyne
    if mirror and velo is not None:
        velo = _mirror_velodyne(velo, frame.calib)
    return KittiFrame(calib, [r for r in rows if r is not None], velo)
