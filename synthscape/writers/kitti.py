"""KITTI object-detection export: calib, label_2, image_2, velodyne and ImageSets.

Conventions (KITTI devkit): the labelled camera is ``image_2`` with ``P2 = K [I | 0]`` and
``R0_rect = I``; a LiDAR point ``x_velo`` lands on pixel ``P2 @ R0_rect @ Tr_velo_to_cam @
x_velo``. Label boxes are in camera coordinates (x right, y down, z forward): ``location`` is
the bottom centre, dimensions are ``h w l``, ``rotation_y`` turns about the camera y axis and
is 0 when the object's length axis points along camera +x. The 3D box is exact when the camera
is level (KITTI's rig); for a pitched camera the box's heading is projected on the camera's
x-z plane. Pixel convention: see :mod:`synthscape.lidar.camera_rays`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthscape.buffers import FrameBuffers, SceneMesh
from synthscape.io.atomic import write_atomic, write_bytes_atomic, write_text_atomic
from synthscape.io.images import linear_to_srgb8, write_png
from synthscape.lidar.camera_rays import PIXEL_CENTER, image_extent, pixel_rays
from synthscape.lidar.io import scan_to_bin
from synthscape.lidar.mesh import box_corners, object_to_world
from synthscape.lidar.pose import VELO_TO_CAM_AXES
from synthscape.lidar.raycast import default_raycaster
from synthscape.lidar.simulate import LidarScan
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec

STEREO_BASELINE_M = 0.54
"""KITTI's colour stereo baseline, used for P1/P3."""
TR_IMU_TO_VELO = np.array([[1.0, 0.0, 0.0, -0.8086759],
                           [0.0, 1.0, 0.0, 0.3195559],
                           [0.0, 0.0, 1.0, -0.7997231]])
"""A fixed, KITTI-like IMU-to-LiDAR transform (the rig has no IMU)."""
KITTI_IMAGE_HEIGHT = 375
MODERATE_MIN_HEIGHT_PX = 25.0
"""KITTI 'Moderate' minimum 2D box height at 375 px image height."""
NEAR_PLANE_M = 0.05


@dataclass(frozen=True)
class KittiBox:
    """An object's 3D box in KITTI camera coordinates.

    Attributes:
        corners: (8, 3) float64 camera-frame corners of the oriented box, metres.
        dimensions: (h, w, l) metres.
        location: (3,) bottom centre in camera coordinates, metres.
        rotation_y: radians in [-pi, pi).
    """

    corners: np.ndarray
    dimensions: tuple[float, float, float]
    location: np.ndarray
    rotation_y: float


def _wrap(angle: float) -> float:
    return float((angle + np.pi) % (2 * np.pi) - np.pi)


def _fmt(matrix: np.ndarray) -> str:
    return " ".join(f"{v:.12e}" for v in np.asarray(matrix, dtype=np.float64).ravel())


def projection_p2(spec: SceneSpec) -> np.ndarray:
    """(3, 4) KITTI P2 = K [I | 0] of the spec's camera."""
    return np.hstack([np.asarray(spec.camera.K, dtype=np.float64), np.zeros((3, 1))])


def velo_to_cam(spec: SceneSpec) -> np.ndarray:
    """(4, 4) Tr_velo_to_cam: the spec's LiDAR pose, or the default rig's axes if no LiDAR."""
    lidar = spec.extras.get("lidar")
    if lidar and "lidar_to_camera" in lidar:
        return np.asarray(lidar["lidar_to_camera"], dtype=np.float64)
    out = np.eye(4)
    out[:3, :3] = VELO_TO_CAM_AXES
    out[:3, 3] = VELO_TO_CAM_AXES @ np.array([-0.27, 0.0, 0.08])
    return out


def kitti_calib(spec: SceneSpec) -> str:
    """The calib file text: P0..P3, R0_rect, Tr_velo_to_cam, Tr_imu_to_velo (KITTI layout)."""
    p2 = projection_p2(spec)
    p3 = p2.copy()
    p3[0, 3] = -p2[0, 0] * STEREO_BASELINE_M
    rows = [("P0", p2), ("P1", p3), ("P2", p2), ("P3", p3), ("R0_rect", np.eye(3)),
            ("Tr_velo_to_cam", velo_to_cam(spec)[:3]), ("Tr_imu_to_velo", TR_IMU_TO_VELO)]
    return "".join(f"{name}: {_fmt(m)}\n" for name, m in rows)


def kitti_box(spec: SceneSpec, obj: ObjectSpec) -> KittiBox:
    """The KITTI 3D box of an object from its unscaled bbox, scale, rotation and location."""
    o2w = object_to_world(obj.location, obj.rotation, obj.scale)
    w2c = np.asarray(spec.camera.world_to_camera, dtype=np.float64)
    o2c = w2c @ o2w
    lo, hi = np.asarray(obj.bbox_min, float), np.asarray(obj.bbox_max, float)
    corners = box_corners(lo, hi) @ o2c[:3, :3].T + o2c[:3, 3]
    ext = np.abs(np.asarray(obj.scale, float)) * (hi - lo)
    bottom = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    location = o2c[:3, :3] @ bottom + o2c[:3, 3]
    # KITTI's length runs along the heading: take the longer horizontal axis (cars, cyclists).
    along_y = ext[1] > ext[0]
    heading = o2c[:3, :3] @ (np.array([0.0, 1.0, 0.0]) if along_y else np.array([1.0, 0.0, 0.0]))
    ry = _wrap(np.arctan2(-heading[2], heading[0]))
    length, width = (ext[1], ext[0]) if along_y else (ext[0], ext[1])
    return KittiBox(corners, (float(ext[2]), float(width), float(length)), location, ry)


def clip_box_near_plane(corners: np.ndarray) -> np.ndarray:
    """Corners in front of the near plane plus the box edges' crossings of it, (K, 3)."""
    edges = [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4),
             (0, 4), (1, 5), (2, 6), (3, 7)]
    pts = [c for c in corners if c[2] >= NEAR_PLANE_M]
    for a, b in edges:
        za, zb = corners[a, 2] - NEAR_PLANE_M, corners[b, 2] - NEAR_PLANE_M
        if za * zb < 0:
            pts.append(corners[a] + (corners[b] - corners[a]) * za / (za - zb))
    return np.array(pts).reshape(-1, 3)


def projected_rect(corners: np.ndarray, K: np.ndarray) -> np.ndarray | None:
    """(4,) x1 y1 x2 y2 of the projection of 3D points (camera frame); None if all behind."""
    pts = clip_box_near_plane(corners)
    if len(pts) == 0:
        return None
    uv = pts @ np.asarray(K, float).T
    uv = uv[:, :2] / uv[:, 2:3]
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


def occlusion_level(visible_px: int, amodal_px: int) -> int:
    """KITTI occluded flag from visible / amodal in-image pixels: 0 (>= 90 %), 1 (>= 40 %),
    2 (less), 3 (unknown: no amodal footprint)."""
    if amodal_px <= 0:
        return 3
    ratio = visible_px / amodal_px
    return 0 if ratio >= 0.9 else 1 if ratio >= 0.4 else 2


def _object_rect_px(mesh: SceneMesh, spec: SceneSpec, tri: np.ndarray) -> tuple[int, ...]:
    cam = spec.camera
    w2c = np.asarray(cam.world_to_camera, float)
    verts = mesh.vertices[np.unique(mesh.triangles[tri])].astype(np.float64)
    pc = verts @ w2c[:3, :3].T + w2c[:3, 3]
    if np.any(pc[:, 2] < NEAR_PLANE_M):
        return 0, cam.width, 0, cam.height
    uv = pc @ np.asarray(cam.K, float).T
    uv = uv[:, :2] / uv[:, 2:3]
    x0, y0 = np.floor(uv.min(axis=0) - PIXEL_CENTER).astype(int) - 1
    x1, y1 = np.ceil(uv.max(axis=0) - PIXEL_CENTER).astype(int) + 2
    return (int(np.clip(x0, 0, cam.width)), int(np.clip(x1, 0, cam.width)),
            int(np.clip(y0, 0, cam.height)), int(np.clip(y1, 0, cam.height)))


def amodal_masks(mesh: SceneMesh, spec: SceneSpec) -> dict[int, np.ndarray]:
    """Unoccluded footprint of every object: camera rays cast against its triangles alone.

    Returns:
        ``{instance_id: (H, W) bool}`` for each object of ``spec`` with triangles in ``mesh``.
    """
    cam = spec.camera
    out: dict[int, np.ndarray] = {}
    for obj in spec.objects:
        tri = np.flatnonzero(mesh.triangle_instance == obj.instance_id)
        if tri.size == 0:
            continue
        mask = out.setdefault(obj.instance_id, np.zeros((cam.height, cam.width), dtype=bool))
        x0, x1, y0, y1 = _object_rect_px(mesh, spec, tri)
        if x1 <= x0 or y1 <= y0:
            continue
        sub = SceneMesh(mesh.vertices, mesh.triangles[tri], mesh.triangle_instance[tri],
                        mesh.triangle_reflectivity[tri])
        origin, dirs, _ = pixel_rays(np.asarray(cam.K), np.asarray(cam.world_to_camera),
                                     (x0, x1), (y0, y1))
        hits = default_raycaster(sub).cast(origin, dirs)
        mask[y0:y1, x0:x1] = np.isfinite(hits.t).reshape(y1 - y0, x1 - x0)
    return out


def _visible_rect(mask: np.ndarray) -> tuple[float, float, float, float]:
    """Outer edges of the mask's pixels, clipped to KITTI's box range [0, W-1] x [0, H-1]."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    lo = PIXEL_CENTER - 0.5
    return (max(cols[0] + lo, 0.0), max(rows[0] + lo, 0.0),
            min(cols[-1] + 1 + lo, w - 1.0), min(rows[-1] + 1 + lo, h - 1.0))


def dontcare_line(rect: Sequence[float]) -> str:
    """A KITTI DontCare row for a 2D region."""
    x1, y1, x2, y2 = rect
    return f"DontCare -1 -1 -10 {x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} -1 -1 -1 -1000 -1000 -1000 -10"


def label_line(kitti_type: str, trunc: float, occluded: int, box: KittiBox,
               rect: Sequence[float]) -> str:
    """One KITTI label row (score omitted).

    Pixels and truncation keep KITTI's two decimals; angles, dimensions and locations get
    four, so the 3D box projects onto the image to well under a pixel (KITTI readers parse
    every field with ``float``).
    """
    x, y, z = (float(v) for v in box.location)
    alpha = _wrap(box.rotation_y - np.arctan2(x, z))
    h, w, length = box.dimensions
    x1, y1, x2, y2 = rect
    return (f"{kitti_type} {trunc:.2f} {occluded:d} {alpha:.4f} {x1:.2f} {y1:.2f} {x2:.2f} "
            f"{y2:.2f} {h:.4f} {w:.4f} {length:.4f} {x:.4f} {y:.4f} {z:.4f} "
            f"{box.rotation_y:.4f}")


def default_min_height_px(height: int) -> float:
    """KITTI's 25 px minimum box height scaled to an image ``height`` pixels tall."""
    return MODERATE_MIN_HEIGHT_PX * height / KITTI_IMAGE_HEIGHT


def kitti_labels(spec: SceneSpec, buffers: FrameBuffers, amodal: dict[int, np.ndarray],
                 min_height_px: float | None = None) -> list[str]:
    """The label_2 rows of a frame: objects with a ``kitti_type`` that are visible.

    Args:
        spec: the frame.
        buffers: its render; ``instance`` gives the visible masks and 2D boxes.
        amodal: :func:`amodal_masks` of the frame, for the occlusion level.
        min_height_px: visible boxes lower than this become DontCare (written last);
            default :func:`default_min_height_px`.

    Returns:
        Lines without newlines, objects in spec order, then DontCare rows.
    """
    min_h = default_min_height_px(buffers.height) if min_height_px is None else min_height_px
    kitti_type = {c.id: c.kitti_type for c in spec.categories}
    rows, dontcare = [], []
    for obj in spec.objects:
        ktype = kitti_type.get(obj.category_id)
        visible = buffers.instance == obj.instance_id
        if not ktype or not visible.any():
            continue
        rect = _visible_rect(visible)
        if rect[3] - rect[1] < min_h:
            dontcare.append(dontcare_line(rect))
            continue
        box = kitti_box(spec, obj)
        trunc = truncation(projected_rect(box.corners, np.asarray(spec.camera.K)),
                           buffers.width, buffers.height)
        amodal_px = int(amodal[obj.instance_id].sum()) if obj.instance_id in amodal else 0
        occ = occlusion_level(int(visible.sum()), amodal_px)
        rows.append(label_line(ktype, trunc, occ, box, rect))
    return rows + dontcare


def _write_image(path: Path, out_dir: Path, frame_index: int, buffers: FrameBuffers) -> Path:
    rgb = out_dir / "rgb" / f"{frame_index:06d}.png"
    if rgb.exists():
        return write_atomic(path, lambda tmp: shutil.copyfile(rgb, tmp))
    return write_png(path, linear_to_srgb8(buffers.rgb))


def write_kitti_frame(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                      scan: LidarScan | None, min_height_px: float | None = None) -> list[Path]:
    """Write ``kitti/training/{image_2,label_2,calib,velodyne}/NNNNNN.*`` for one frame.

    ``image_2`` copies ``rgb/NNNNNN.png`` when the caller has written it (else encodes
    ``buffers.rgb``); occlusion uses :func:`amodal_masks` of ``buffers.mesh`` (level 3,
    unknown, without a mesh); ``velodyne`` is skipped when ``scan`` is None.

    Returns:
        The paths written.
    """
    out = Path(out_dir)
    root, name = out / "kitti" / "training", f"{spec.frame_index:06d}"
    amodal = amodal_masks(buffers.mesh, spec) if buffers.mesh is not None else {}
    labels = kitti_labels(spec, buffers, amodal, min_height_px)
    paths = [_write_image(root / "image_2" / f"{name}.png", out, spec.frame_index, buffers),
             write_text_atomic(root / "label_2" / f"{name}.txt", "".join(f"{r}\n" for r in labels)),
             write_text_atomic(root / "calib" / f"{name}.txt", kitti_calib(spec))]
    if scan is not None:
        paths.append(write_bytes_atomic(root / "velodyne" / f"{name}.bin", scan_to_bin(scan)))
    return paths


def split_train_val(frame_indices: Sequence[int], val_fraction: float = 0.2,
                    seed: int = 0) -> tuple[list[int], list[int]]:
    """Deterministic train/val split of frame indices (sorted lists)."""
    if not 0.0 <= val_fraction <= 1.0:
        raise ValueError(f"val_fraction must be in [0, 1], got {val_fraction}")
    frames = np.array(sorted(set(int(i) for i in frame_indices)), dtype=np.int64)
    n_val = int(round(val_fraction * len(frames)))
    perm = np.random.default_rng(np.random.SeedSequence([seed, 0x4B17])).permutation(len(frames))
    val = sorted(frames[perm[:n_val]].tolist())
    return sorted(set(frames.tolist()) - set(val)), val


def write_kitti_imagesets(out_dir: str | os.PathLike[str], frame_indices: Sequence[int],
                          val_fraction: float = 0.2, seed: int = 0) -> list[Path]:
    """Write ``kitti/ImageSets/{train,val,trainval}.txt`` (6-digit ids, one per line)."""
    train, val = split_train_val(frame_indices, val_fraction, seed)
    sets = {"train": train, "val": val, "trainval": sorted(train + val)}
    base = Path(out_dir) / "kitti" / "ImageSets"
    return [write_text_atomic(base / f"{k}.txt", "".join(f"{i:06d}\n" for i in v))
            for k, v in sets.items()]
