"""Pinhole projection: one pixel convention for the camera, KITTI, augment, preview and LiDAR.

Pixel convention (OpenCV): pixel centres sit at integer coordinates, so pixel (row j,
column i) covers ``[i - 0.5, i + 0.5) x [j - 0.5, j + 0.5)``; the whole image spans
``[-0.5, W - 0.5) x [-0.5, H - 0.5)`` and a centred lens has its principal point at
``((W - 1) / 2, (H - 1) / 2)``. ``K`` (3, 3) and KITTI's ``P2 = K [I | 0]`` (3, 4) use it, as
do rays through pixel centres (:mod:`synthscape.lidar.camera_rays`), the 2D boxes of KITTI
labels and the 3x3 pixel transforms of the augment ops. COCO is the one exception: its
boxes count whole pixels from the image corner (``[x, y, w, h]`` with pixel i covering
``[i, i + 1)``); :func:`coco_bbox_to_rect` converts.

A 2D transform ``A`` (3, 3) that moves every pixel ``u`` to ``A u`` makes the camera of the
new image ``P' = A P`` (:func:`transform_projection`); a horizontal flip also mirrors the
world so that ``P'`` stays a pinhole camera with positive focal length.
"""

from __future__ import annotations

import numpy as np

PIXEL_CENTER = 0.0
"""Continuous coordinate of pixel 0's centre (OpenCV: 0; a corner-based raster would be 0.5)."""
COCO_PIXEL_CENTER = 0.5
"""Pixel 0's centre in COCO's corner-based box coordinates."""
NEAR_PLANE_M = 0.05
"""Box corners closer to the camera than this are clipped before projecting."""
MIRROR_X = np.diag([-1.0, 1.0, 1.0, 1.0])
"""Camera-frame mirror x -> -x, (4, 4)."""
BOX_EDGES = ((0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4),
             (0, 4), (1, 5), (2, 6), (3, 7))
"""Corner index pairs of a box's 12 edges (corners 0-3 one face, 4-7 the opposite one)."""


# --- the pixel grid -------------------------------------------------------------------------

def principal_point(width: int, height: int) -> tuple[float, float]:
    """(cx, cy) of a lens centred on a ``width`` x ``height`` image."""
    return (width - 1) / 2.0 + PIXEL_CENTER, (height - 1) / 2.0 + PIXEL_CENTER


def intrinsics_matrix(width: int, height: int, focal_px: float) -> np.ndarray:
    """(3, 3) K of square pixels with focal length ``focal_px`` and a centred principal point."""
    cx, cy = principal_point(width, height)
    return np.array([[focal_px, 0.0, cx], [0.0, focal_px, cy], [0.0, 0.0, 1.0]])


def image_extent(width: int, height: int) -> tuple[float, float, float, float]:
    """x0, y0, x1, y1 of the whole image in continuous pixel coordinates."""
    lo = PIXEL_CENTER - 0.5
    return lo, lo, width + lo, height + lo


def pixel_index(coord: np.ndarray) -> np.ndarray:
    """Integer pixel index of continuous pixel coordinates (either axis)."""
    return np.floor(np.asarray(coord) - PIXEL_CENTER + 0.5).astype(np.int64)


def label_box_range(width: int, height: int) -> tuple[float, float, float, float]:
    """Where 2D label boxes are clipped: the border pixels' centres, as KITTI's ``[0, W-1]``."""
    return PIXEL_CENTER, PIXEL_CENTER, width - 1.0 + PIXEL_CENTER, height - 1.0 + PIXEL_CENTER


def clip_rect(rect: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray | None:
    """(4,) x1 y1 x2 y2 clipped to ``bounds`` (x0, y0, x1, y1); None when nothing is left."""
    x0, y0, x1, y1 = bounds
    lo = np.clip(np.asarray(rect[:2], float), [x0, y0], [x1, y1])
    hi = np.clip(np.asarray(rect[2:], float), [x0, y0], [x1, y1])
    if np.any(hi - lo <= 0):
        return None
    return np.concatenate([lo, hi])


def mask_edges(mask: np.ndarray) -> np.ndarray | None:
    """(4,) x1 y1 x2 y2: the outer edges of an (H, W) mask's pixels; None if it is empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    lo = PIXEL_CENTER - 0.5
    return np.array([cols[0] + lo, rows[0] + lo, cols[-1] + 1 + lo, rows[-1] + 1 + lo], float)


def mask_rect(mask: np.ndarray) -> np.ndarray:
    """(4,) :func:`mask_edges` of a non-empty (H, W) mask, clipped to :func:`label_box_range`."""
    rect = mask_edges(mask)
    if rect is None:
        raise ValueError("mask_rect needs a non-empty mask")
    h, w = mask.shape
    x0, y0, x1, y1 = label_box_range(w, h)
    return np.array([max(rect[0], x0), max(rect[1], y0), min(rect[2], x1), min(rect[3], y1)])


def coco_bbox_to_rect(bbox: np.ndarray) -> np.ndarray:
    """COCO ``[x, y, w, h]`` (corner-based) to x1 y1 x2 y2 in this module's convention."""
    x, y, w, h = (float(v) for v in bbox)
    shift = PIXEL_CENTER - COCO_PIXEL_CENTER
    return np.array([x + shift, y + shift, x + w + shift, y + h + shift])


def rect_pixel_span(rect: np.ndarray) -> tuple[int, int, int, int]:
    """First and last (inclusive) column and row whose centres lie inside a rectangle."""
    x1, y1, x2, y2 = (float(v) for v in rect)
    first = np.ceil(np.array([x1, y1]) - PIXEL_CENTER).astype(int)
    last = np.floor(np.array([x2, y2]) - PIXEL_CENTER - 1e-9).astype(int)
    return int(first[0]), int(first[1]), int(last[0]), int(last[1])


# --- 2D transforms of the pixel grid --------------------------------------------------------

def translation_matrix(tx: float, ty: float) -> np.ndarray:
    """(3, 3) pixel translation; a crop at (x0, y0) is ``translation_matrix(-x0, -y0)``."""
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def hflip_matrix(width: int) -> np.ndarray:
    """(3, 3) left-right flip of a ``width``-pixel image: column i -> W - 1 - i."""
    return np.array([[-1.0, 0.0, width - 1.0 + 2 * PIXEL_CENTER], [0.0, 1.0, 0.0],
                     [0.0, 0.0, 1.0]])


def grid_scale_matrix(sx: float, sy: float) -> np.ndarray:
    """(3, 3) resize by (sx, sy) that maps the image's outer edges onto the new image's."""
    edge = PIXEL_CENTER - 0.5
    return (translation_matrix(edge, edge) @ np.diag([sx, sy, 1.0])
            @ translation_matrix(-edge, -edge))


def transform_rect(rect: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map x1 y1 x2 y2 through an axis-aligned (3, 3) pixel transform (no clipping)."""
    x1, y1, x2, y2 = (float(v) for v in rect)
    pts = np.array([[x1, y1, 1.0], [x2, y2, 1.0]]) @ np.asarray(matrix, float).T
    pts = pts[:, :2] / pts[:, 2:3]
    return np.concatenate([pts.min(axis=0), pts.max(axis=0)])


def transform_projection(p: np.ndarray, matrix: np.ndarray, mirror: bool) -> np.ndarray:
    """The (3, 4) projection of the transformed image: ``A P`` (``A P Mx`` when mirroring).

    Args:
        p: (3, 4) projection (KITTI ``P0``..``P3``) or (3, 3) K of the source image.
        matrix: (3, 3) source-to-destination pixel transform in this module's convention.
        mirror: the transform flips x; the world is mirrored too so the focal length stays
            positive (labels then need x -> -x, ry -> pi - ry).
    """
    p = np.asarray(p, float)
    post = MIRROR_X[:p.shape[1], :p.shape[1]] if mirror else np.eye(p.shape[1])
    return np.asarray(matrix, float) @ p @ post


# --- cameras and points ---------------------------------------------------------------------

def projection_from_k(K: np.ndarray) -> np.ndarray:
    """(3, 4) ``K [I | 0]`` (KITTI's P2 with R0_rect = I)."""
    return np.hstack([np.asarray(K, dtype=np.float64), np.zeros((3, 1))])


def world_to_camera_points(world_to_camera: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N, 3) world points in the camera frame of a (4, 4) world-to-camera transform."""
    w2c = np.asarray(world_to_camera, dtype=np.float64)
    return np.asarray(points, dtype=np.float64) @ w2c[:3, :3].T + w2c[:3, 3]


def project_points(p: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N, 2) pixel coordinates of (N, 3) camera-frame points through a (3, 3) K or (3, 4) P."""
    p = np.asarray(p, dtype=np.float64)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if p.shape[1] == 4:
        pts = np.hstack([pts, np.ones((len(pts), 1))])
    uvw = pts @ p.T
    return uvw[:, :2] / uvw[:, 2:3]


def label_box_corners(h: float, w: float, length: float, location: np.ndarray,
                      ry: float) -> np.ndarray:
    """(8, 3) camera-frame corners of a KITTI label box (bottom-centre ``location``, metres)."""
    x = np.array([1, 1, -1, -1, 1, 1, -1, -1]) * length / 2
    y = np.array([0, 0, 0, 0, -1, -1, -1, -1]) * h
    z = np.array([1, -1, -1, 1, 1, -1, -1, 1]) * w / 2
    c, s = np.cos(ry), np.sin(ry)
    rot = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return (rot @ np.stack([x, y, z])).T + np.asarray(location, float)


def clip_box_near_plane(corners: np.ndarray) -> np.ndarray:
    """Corners in front of the near plane plus the box edges' crossings of it, (K, 3)."""
    corners = np.asarray(corners, dtype=float)
    pts = [c for c in corners if c[2] >= NEAR_PLANE_M]
    for a, b in BOX_EDGES:
        za, zb = corners[a, 2] - NEAR_PLANE_M, corners[b, 2] - NEAR_PLANE_M
        if za * zb < 0:
            pts.append(corners[a] + (corners[b] - corners[a]) * za / (za - zb))
    return np.array(pts).reshape(-1, 3)


def projected_rect(corners: np.ndarray, p: np.ndarray) -> np.ndarray | None:
    """(4,) x1 y1 x2 y2 of a box's projection through K or P (near-plane clipped); None if
    all of it is behind the camera."""
    pts = clip_box_near_plane(corners)
    if len(pts) == 0:
        return None
    uv = project_points(p, pts)
    return np.concatenate([uv.min(axis=0), uv.max(axis=0)])


def truncation(rect: np.ndarray | None, width: int, height: int) -> float:
    """Fraction of the projected box's area outside the image, 0..1 (1 if behind the camera)."""
    if rect is None:
        return 1.0
    x0, y0, x1, y1 = image_extent(width, height)
    area = max(rect[2] - rect[0], 1e-9) * max(rect[3] - rect[1], 1e-9)
    inside = (max(0.0, min(rect[2], x1) - max(rect[0], x0))
              * max(0.0, min(rect[3], y1) - max(rect[1], y0)))
    return float(np.clip(1.0 - inside / area, 0.0, 1.0))
