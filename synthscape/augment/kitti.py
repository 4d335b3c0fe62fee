"""KITTI targets of the geometric ops: calib, label_2 and velodyne under an image transform.

A geometric op given as a 3x3 pixel matrix ``A`` (axis-aligned: flip, crop, scale; the pixel
convention of :mod:`synthscape.spec.projection`, the same as the rendered K and P2) moves
every pixel ``u`` to ``A u``; the camera that takes the new image is then ``P' = A P``. A
horizontal flip is also a mirror of the world: with ``A`` alone ``P'`` would have a negative
focal length (not a pinhole camera), so the world is mirrored too (camera x -> -x):
``P' = A P Mx`` (:func:`synthscape.spec.projection.transform_projection`), labels get
``x -> -x``, ``ry -> pi - ry`` (alpha follows), and LiDAR points are mirrored through the
camera frame. The 3D boxes then project through ``P'`` exactly onto the flipped image.
Rows are written by the KITTI writer's :func:`~synthscape.writers.kitti.label_line`.
"""

from __future__ import annotations

import numpy as np

from synthscape.augment.base import KittiFrame
from synthscape.spec.projection import (MIRROR_X, clip_rect, label_box_corners, label_box_range,
                                        projected_rect, transform_projection, transform_rect,
                                        truncation)
from synthscape.writers.kitti import KittiBox, dontcare_line, label_line


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


def parse_labels(text: str) -> list[str]:
    """label_2 text to its non-empty lines.

    Raises:
        ValueError: a line without KITTI's 15 fields.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if len(line.split()) < 15:
            raise ValueError(f"label row {line[:80]!r} has fewer than 15 fields")
    return lines


def _wrap(angle: float) -> float:
    return float((angle + np.pi) % (2 * np.pi) - np.pi)


def _transform_row(line: str, a: np.ndarray, mirror: bool, p2: np.ndarray, width: int,
                   height: int) -> str | None:
    row = line.split()
    rect = clip_rect(transform_rect(np.array([float(v) for v in row[4:8]]), a),
                     label_box_range(width, height))
    if rect is None:
        return None
    if row[0] == "DontCare":
        return dontcare_line(rect)
    h, w, length, x, y, z, ry = (float(v) for v in row[8:15])
    if mirror:
        x, ry = -x, _wrap(np.pi - ry)
    location = np.array([x, y, z])
    corners = label_box_corners(h, w, length, location, ry)
    box = KittiBox(corners, (h, w, length), location, ry)
    trunc = truncation(projected_rect(corners, p2), width, height)
    return label_line(row[0], trunc, int(row[2]), box, rect)


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
    rows = [_transform_row(r, a, mirror, calib["P2"], width, height) for r in frame.labels]
    velo = frame.velodyne
    if mirror and velo is not None:
        velo = _mirror_velodyne(velo, frame.calib)
    return KittiFrame(calib, [r for r in rows if r is not None], velo)
