"""KITTI object-detection export: calib, label_2, image_2, velodyne and ImageSets.

Conventions (KITTI devkit): the labelled camera is ``image_2`` with ``P2 = K [I | 0]`` and
``R0_rect = I``; a LiDAR point ``x_velo`` lands on pixel ``P2 @ R0_rect @ Tr_velo_to_cam @
x_velo``. Label boxes are in camera coordinates (x right, y down, z forward): ``location`` is
the bottom centre, dimensions are ``h w l``, ``rotation_y`` turns about the camera y axis and
is 0 when the object's length axis points along camera +x. The 3D box is exact when the camera
is level (KITTI's rig); for a pitched camera the box's heading is projected on the camera's
x-z plane. Pixel convention, projection, near-plane clipping and truncation:
:mod:`synthscape.spec.projection`.

Stereo (``rig.stereo`` / ``rig.preset: kitti_stereo``): ``image_3`` is the right camera's
image and ``P3 = K_right [R | t]`` maps points of the rectified left (``image_2``) camera
frame onto it (for the pure +x baseline ``B``: ``P3[0, 3] = -fx * B``); ``disp_occ_0`` holds the
left camera's disparity ground truth (:mod:`synthscape.writers.disparity`). Without a stereo
camera, ``P3`` is ``P2`` with KITTI's nominal 0.54 m baseline and no ``image_3`` behind it,
kept so KITTI readers that parse P3 still work. ``P0``/``P1`` (KITTI's grey cameras, which the
rig does not have) repeat ``P2``/``P3``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.errors import SynthscapeError
from synthscape.io.atomic import write_atomic, write_bytes_atomic, write_text_atomic
from synthscape.io.images import linear_to_srgb8, write_png
from synthscape.lidar.io import scan_to_bin
from synthscape.lidar.mesh import box_corners
from synthscape.spec.camera import object_to_world
from synthscape.spec.projection import mask_rect, projected_rect, projection_from_k, truncation
from synthscape.spec.rig import VELO_TO_CAM_AXES, StereoPair, stereo_pair
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec
from synthscape.writers.disparity_maps import frame_disparity
from synthscape.writers.layout import camera_dir
from synthscape.writers.registry import FinalizeContext, OutputFormat, register_output
from synthscape.writers.splits import split_train_val

STEREO_BASELINE_M = 0.54
"""KITTI's colour stereo baseline: the nominal P1/P3 of a recipe without a stereo camera."""
TR_IMU_TO_VELO = np.array([[1.0, 0.0, 0.0, -0.8086759],
                           [0.0, 1.0, 0.0, 0.3195559],
                           [0.0, 0.0, 1.0, -0.7997231]])
"""A fixed, KITTI-like IMU-to-LiDAR transform (the rig has no IMU)."""
KITTI_IMAGE_HEIGHT = 375
MODERATE_MIN_HEIGHT_PX = 25.0
"""KITTI 'Moderate' minimum 2D box height at 375 px image height."""


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
    return projection_from_k(spec.camera.K)


def velo_to_cam(spec: SceneSpec) -> np.ndarray:
    """(4, 4) Tr_velo_to_cam: the spec's LiDAR pose, or the default rig's axes if no LiDAR."""
    lidar = spec.lidar
    if lidar and "lidar_to_camera" in lidar:
        return np.asarray(lidar["lidar_to_camera"], dtype=np.float64)
    out = np.eye(4)
    out[:3, :3] = VELO_TO_CAM_AXES
    out[:3, 3] = VELO_TO_CAM_AXES @ np.array([-0.27, 0.0, 0.08])
    return out


def projection_p3(spec: SceneSpec) -> np.ndarray:
    """(3, 4) KITTI P3: the stereo right camera's ``K_right [R | t]`` relative to the left (main)
    camera, or, without a stereo camera, ``P2`` with the nominal baseline (``P3[0, 3] = -fx * 0.54``)."""
    pair = stereo_pair(spec)
    if pair is not None:
        return pair.projection_right()
    p3 = projection_p2(spec)
    p3[0, 3] = -p3[0, 0] * STEREO_BASELINE_M
    return p3


def kitti_calib(spec: SceneSpec) -> str:
    """The calib file text: P0..P3, R0_rect, Tr_velo_to_cam, Tr_imu_to_velo (KITTI layout)."""
    p2, p3 = projection_p2(spec), projection_p3(spec)
    rows = [("P0", p2), ("P1", p3), ("P2", p2), ("P3", p3), ("R0_rect", np.eye(3)),
            ("Tr_velo_to_cam", velo_to_cam(spec)[:3]), ("Tr_imu_to_velo", TR_IMU_TO_VELO)]
    return format_calib(dict(rows))


def format_calib(matrices: Mapping[str, np.ndarray]) -> str:
    """A KITTI calib file's text: one ``name: v0 v1 ...`` row per matrix, in order."""
    return "".join(f"{name}: {_fmt(m)}\n" for name, m in matrices.items())


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


def occlusion_level(visible_px: int, amodal_px: int) -> int:
    """KITTI occluded flag from visible / amodal in-image pixels: 0 (>= 90 %), 1 (>= 40 %),
    2 (less), 3 (unknown: no amodal footprint)."""
    if amodal_px <= 0:
        return 3
    ratio = visible_px / amodal_px
    return 0 if ratio >= 0.9 else 1 if ratio >= 0.4 else 2


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


EMPTY_FRAME_ROW = dontcare_line((0.0, 0.0, 0.0, 0.0))
"""The one row of a frame without labelled objects: a zero-area DontCare region, which every
toolchain reads and ignores (OpenPCDet's ``get_infos`` raises on an empty ``label_2`` file)."""


def label_file_text(lines: Sequence[str]) -> str:
    """A ``label_2`` file's text: one row per line; a frame without rows gets :data:`EMPTY_FRAME_ROW`."""
    return "".join(f"{line}\n" for line in (lines or [EMPTY_FRAME_ROW]))


def default_min_height_px(height: int) -> float:
    """KITTI's 25 px minimum box height scaled to an image ``height`` pixels tall."""
    return MODERATE_MIN_HEIGHT_PX * height / KITTI_IMAGE_HEIGHT


def _amodal_px(buffers: FrameBuffers, instance_id: int) -> int:
    """Amodal in-image pixels of an object from the sensors stage (0 = unknown)."""
    seen = (buffers.visibility or {}).get(instance_id)
    return int(seen.amodal_px or 0) if seen is not None else 0


@dataclass(frozen=True)
class KittiObject:
    """A visible object with a KITTI type, as both KITTI label files describe it."""

    obj: ObjectSpec
    kitti_type: str
    rect: tuple[float, ...]
    """The visible 2D box (x1, y1, x2, y2), from the instance mask."""
    box: KittiBox
    truncation: float
    """Fraction of the projected 3D box outside the image."""
    occluded: int
    """KITTI occlusion level from the visible and amodal pixel counts (3: unknown)."""


def kitti_objects(spec: SceneSpec, buffers: FrameBuffers,
                  min_height_px: float | None = None) -> tuple[list[KittiObject], list[tuple[float, ...]]]:
    """The frame's visible objects with a ``kitti_type`` in spec order, and the DontCare boxes.

    Args:
        spec: the frame.
        buffers: its render; ``instance`` gives the visible masks and 2D boxes, and
            ``visibility`` (sensors stage) the amodal footprint for the occlusion level
            (level 3, unknown, without it).
        min_height_px: visible boxes lower than this become DontCare; default
            :func:`default_min_height_px`.
    """
    min_h = default_min_height_px(buffers.height) if min_height_px is None else min_height_px
    kitti_type = {c.id: c.kitti_type for c in spec.categories}
    K = np.asarray(spec.camera.K)
    found, dontcare = [], []
    for obj in spec.objects:
        ktype = kitti_type.get(obj.category_id)
        visible = buffers.instance == obj.instance_id
        if not ktype or not visible.any():
            continue
        rect = tuple(float(v) for v in mask_rect(visible))
        if rect[3] - rect[1] < min_h:
            dontcare.append(rect)
            continue
        box = kitti_box(spec, obj)
        trunc = truncation(projected_rect(box.corners, K), buffers.width, buffers.height)
        occ = occlusion_level(int(visible.sum()), _amodal_px(buffers, obj.instance_id))
        found.append(KittiObject(obj, ktype, rect, box, trunc, occ))
    return found, dontcare


def kitti_labels(spec: SceneSpec, buffers: FrameBuffers, min_height_px: float | None = None) -> list[str]:
    """The label_2 rows of a frame (:func:`kitti_objects`): objects in spec order, then DontCare rows."""
    found, dontcare = kitti_objects(spec, buffers, min_height_px)
    return ([label_line(k.kitti_type, k.truncation, k.occluded, k.box, k.rect) for k in found]
            + [dontcare_line(rect) for rect in dontcare])


def _write_image(path: Path, out_dir: Path, frame_index: int, buffers: FrameBuffers) -> Path:
    rgb = out_dir / "rgb" / f"{frame_index:06d}.png"
    if rgb.exists():
        return write_atomic(path, lambda tmp: shutil.copyfile(rgb, tmp))
    return write_png(path, linear_to_srgb8(buffers.rgb))


def _write_stereo(root: Path, out: Path, spec: SceneSpec, buffers: FrameBuffers, pair: StereoPair,
                  camera_buffers: Mapping[str, FrameBuffers] | None) -> list[Path]:
    """``image_3`` (the right camera's ``rgb`` file, else its buffers) and ``disp_occ_0`` of one frame.

    Raises:
        SynthscapeError: neither the right camera's ``rgb`` file nor its buffers are there.
    """
    name = f"{spec.frame_index:06d}"
    right = (camera_buffers or {}).get(pair.right.name)
    folder = camera_dir(out, pair.right.name, pair.left.name)
    if right is None and not (folder / "rgb" / f"{name}.png").exists():
        raise SynthscapeError(f"kitti: image_3 needs the stereo camera {pair.right.name!r}'s image: "
                              f"{folder / 'rgb' / (name + '.png')} is missing and no buffers were given")
    image_3 = _write_image(root / "image_3" / f"{name}.png", folder, spec.frame_index,
                           right if right is not None else buffers)
    disparity = write_png(root / "disp_occ_0" / f"{name}.png", frame_disparity(pair, buffers))
    return [image_3, disparity]


def write_kitti_frame(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                      min_height_px: float | None = None,
                      camera_buffers: Mapping[str, FrameBuffers] | None = None) -> list[Path]:
    """Write ``kitti/training/{image_2,label_2,calib,velodyne}/NNNNNN.*`` for one frame.

    ``image_2`` copies ``rgb/NNNNNN.png`` when the caller has written it (else encodes
    ``buffers.rgb``); occlusion comes from ``buffers.visibility``; ``velodyne`` is the
    sensors stage's ``buffers.lidar`` (skipped when None). With a stereo rig, ``image_3`` is the
    right camera's image (``cameras/NAME/rgb/NNNNNN.png``, else ``camera_buffers[NAME]``) and
    ``disp_occ_0`` the left camera's disparity (KITTI uint16 x 256).

    Returns:
        The paths written.
    """
    out = Path(out_dir)
    root, name = out / "kitti" / "training", f"{spec.frame_index:06d}"
    if spec.camera.distortion_model != "none" and any(spec.camera.distortion):  # refused at plan time
        raise ValueError(f"frame {spec.frame_index}: KITTI needs a rectified pinhole camera, but camera "
                         f"{spec.camera.name!r} has {spec.camera.distortion_model} distortion")
    labels = kitti_labels(spec, buffers, min_height_px)
    paths = [_write_image(root / "image_2" / f"{name}.png", out, spec.frame_index, buffers),
             write_text_atomic(root / "label_2" / f"{name}.txt", label_file_text(labels)),
             write_text_atomic(root / "calib" / f"{name}.txt", kitti_calib(spec))]
    pair = stereo_pair(spec)
    if pair is not None:
        paths += _write_stereo(root, out, spec, buffers, pair, camera_buffers)
    if buffers.lidar is not None:
        paths.append(write_bytes_atomic(root / "velodyne" / f"{name}.bin", scan_to_bin(buffers.lidar)))
    return paths


def write_kitti_imagesets(out_dir: str | os.PathLike[str], frame_indices: Sequence[int],
                          val_fraction: float = 0.2, seed: int = 0) -> list[Path]:
    """Write ``kitti/ImageSets/{train,val,trainval,test}.txt`` (6-digit ids, one per line).

    ``test.txt`` is empty (every frame is labelled): mmdetection3d's ``create_kitti_info_file``
    and OpenPCDet's ``create_kitti_infos`` read it and stop without it.
    """
    train, val = split_train_val(frame_indices, val_fraction, seed)
    return write_imagesets(out_dir, {"train": train, "val": val, "trainval": sorted(train + val)})


def write_imagesets(out_dir: str | os.PathLike[str], sets: Mapping[str, Sequence[int]]) -> list[Path]:
    """Write ``kitti/ImageSets/<name>.txt`` for each given split (sorted 6-digit ids, one per
    line), plus an empty ``test.txt`` when ``sets`` has none (every frame is labelled)."""
    sets = {"test": [], **sets}
    base = Path(out_dir) / "kitti" / "ImageSets"
    return [write_text_atomic(base / f"{k}.txt", "".join(f"{i:06d}\n" for i in sorted(sets[k])))
            for k in (*(k for k in sets if k != "test"), "test")]


def write_kitti(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                camera_buffers: Mapping[str, FrameBuffers] | None = None, **ctx: object) -> list[Path]:
    """The ``kitti`` output: :func:`write_kitti_frame` when a category has a KITTI type, else nothing.

    ``camera_buffers`` (every camera's buffers by name, from the pipeline) feeds ``image_3``.
    """
    if not spec.wants_kitti():
        return []
    return write_kitti_frame(out_dir, spec, buffers, camera_buffers=camera_buffers)


def finalize_kitti(ctx: FinalizeContext) -> list[Path]:
    """``kitti/ImageSets`` over the merged frames, split with the dataset seed (none without ``kitti/``)."""
    if not (Path(ctx.out_dir) / "kitti").is_dir():
        return []
    return write_kitti_imagesets(ctx.out_dir, ctx.frames, seed=ctx.dataset_seed)


register_output(OutputFormat(
    "kitti", write_kitti, finalize_kitti, needs=frozenset({"mesh", "visibility", "lidar"}), scope="frame",
    description="KITTI object detection: kitti/training/{image_2,label_2,calib,velodyne}, kitti/ImageSets; "
                "with a stereo rig also image_3 and disp_occ_0"))
