"""KITTI targets of the geometric ops: calib, label_2 and velodyne under an image transform.

A geometric op given as a raster-convention 3x3 matrix ``A`` (axis-aligned: flip, crop,
scale) moves every pixel ``u`` to ``A u``; the camera that takes the new image is then
``P' = A P``. A horizontal flip is also a mirror of the world: with ``A`` alone ``P'`` would
have a negative focal length (not a pinhole camera), so the world is mirrored too
(camera x -> -x, ``Mx``): ``P' = A P Mx``, labels get ``x -> -x``, ``ry -> pi - ry``,
``alpha -> pi - alpha``, and LiDAR points are mirrored through the camera frame. The 3D boxes
then project through ``P'`` exactly onto the flipped image.
"""

from __future__ import annotations

import numpy as np

from synthscape.augment.base import KittiFrame
from synthscape.augment.functional import transform_rect
from synthscape.writers.kitti import clip_box_near_plane

MIRROR_X = np.diag([-1.0, 1.0, 1.0, 1.0])
"""Camera-frame mirror x -> -x, (4, 4)."""


def parse_calib(text: str) -> dict[str, np.ndarray]:
    """``name: v0 v1 ...`` rows to matrices: P* (3, 4), R0_rect (3, 3), Tr_* (3, 4)."""
    out: dict[str, np.ndarray] = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        name, values = line.split(":", 1)
        v = np.array([float(x) for x in values.split()])
        out[name.strip()] = v.reshape(3, 3) if v.size == 9 else v.reshape(3, -1)
    return out


def format_calib(calib: dict[str, np.ndarray]) -> str:
    """Inverse of :func:`parse_calib` (12-digit exponent format, as the KITTI writer)."""
    return "".join(f"{name}: {' '.join(f'{x:.12e}' for x in m.ravel())}\n"
                   for name, m in calib.items())


def parse_labels(text: str) -> list[list[str]]:
    """label_2 text to rows of whitespace-split fields."""
    return [line.split() for line in text.splitlines() if line.strip()]


def format_labels(rows: list[list[str]]) -> str:
    """Rows back to label_2 text."""
    return "".join(" ".join(r) + "\n" for r in rows)


def _wrap(angle: float) -> float:
    return float((angle + np.pi) % (2 * np.pi) - np.pi)


def box_corners(h: float, w: float, length: float, location: np.ndarray,
                ry: float) -> np.ndarray:
    """(8, 3) camera-frame corners of a KITTI box (bottom-centre ``location``, metres)."""
    x = np.array([1, 1, -1, -1, 1, 1, -1, -1]) * length / 2
    y = np.array([0, 0, 0, 0, -1, -1, -1, -1]) * h
    z = np.array([1, -1, -1, 1, 1, -1, -1, 1]) * w / 2
    c, s = np.cos(ry), np.sin(ry)
    rot = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return (rot @ np.stack([x, y, z])).T + np.asarray(location, float)


def project_rect(corners: np.ndarray, p2: np.ndarray) -> np.ndarray | None:
    """(4,) x1 y1 x2 y2 of 3D points projected by a (3, 4) P; near-plane clipped; None if
    all behind the camera."""
    pts = clip_box_near_plane(np.asarray(corners, dtype=float))
    if len(pts) == 0:
        return None
    uvw = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(p2, float).T
    uv = uvw[:, :2] / uvw[:, 2:3]
    return np.concatenate([uv.min(axis=0), uv.max(axis=0)])


def _truncation(rect: np.ndarray | None, width: int, height: int) -> float:
    if rect is None:
        return 1.0
    area = max(rect[2] - rect[0], 1e-9) * max(rect[3] - rect[1], 1e-9)
    inside = (max(0.0, min(rect[2], width) - max(rect[0], 0.0))
              * max(0.0, min(rect[3], height) - max(rect[1], 0.0)))
    return float(np.clip(1.0 - inside / area, 0.0, 1.0))


def _transform_row(row: list[str], a: np.ndarray, mirror: bool, p2: np.ndarray, width: int,
                   height: int) -> list[str] | None:
    rect = transform_rect(np.array([float(v) for v in row[4:8]]), a, width, height)
    if rect is None:
        return None
    out = list(row)
    out[4:8] = [f"{v:.2f}" for v in rect]
    if row[0] == "DontCare":
        return out
    h, w, length, x, y, z, ry = (float(v) for v in row[8:15])
    if mirror:
        x, ry = -x, _wrap(np.pi - ry)
    corners = box_corners(h, w, length, np.array([x, y, z]), ry)
    out[1] = f"{_truncation(project_rect(corners, p2), width, height):.2f}"
    out[3] = f"{_wrap(ry - np.arctan2(x, z)):.2f}"
    out[11:15] = [f"{x:.2f}", f"{y:.2f}", f"{z:.2f}", f"{ry:.2f}"]
    return out


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


def transform_kitti(frame: KittiFrame, a_raster: np.ndarray, mirror: bool, width: int,
                    height: int) -> KittiFrame:
    """The KITTI frame seen through an axis-aligned image transform.

    Args:
        frame: source calib/labels/velodyne.
        a_raster: (3, 3) raster-convention source-to-destination pixel transform.
        mirror: the transform flips x (mirror the world, see module docstring).
        width: output image width, pixels.
        height: output image height, pixels.

    Returns:
        New calib (all ``P*`` updated), labels (2D boxes mapped and clipped, rows leaving
        the image dropped, truncation recomputed) and velodyne (mirrored when ``mirror``).
    """
    a = np.asarray(a_raster, float)
    post = MIRROR_X if mirror else np.eye(4)
    calib = {name: (a @ m @ post if name.startswith("P") else m.copy())
             for name, m in frame.calib.items()}
    rows = [_transform_row(r, a, mirror, calib["P2"], width, height) for r in frame.labels]
    velo = frame.velodyne
    if mirror and velo is not None:
        velo = _mirror_velodyne(velo, frame.calib)
    return KittiFrame(calib, [r for r in rows if r is not None], velo)
