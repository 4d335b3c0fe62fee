"""Optical flow from geometry: depth, intrinsics and the poses of two instants (pure numpy).

Conventions (those of :mod:`synthscape.buffers` and Sintel / KITTI flow): ``flow[y, x] =
(dx, dy)`` in pixels, x to the right, y down; the surface seen at pixel (x, y) of this frame is at
(x + dx, y + dy) in the other frame. Pixel centres are at integer coordinates
(:data:`~synthscape.spec.projection.PIXEL_CENTER`).

This is the reference the rendered flow (Cycles' vector pass) is checked against, and a user's
tool for the same reprojection (e.g. to find occlusions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from synthscape.spec.camera import object_to_world
from synthscape.spec.projection import PIXEL_CENTER
from synthscape.spec.scene_spec import CameraSpec, MotionSpec, ObjectSpec, PoseSpec, SceneSpec

UNIT_SCALE = (1.0, 1.0, 1.0)
"""Poses move points rigidly: the transform between two instants leaves the scale out."""


def view_world_to_camera(camera: CameraSpec, rig_world_to_camera: Sequence[Sequence[float]]) -> np.ndarray:
    """A rig camera's (4, 4) world-to-camera when the main camera's is ``rig_world_to_camera``."""
    return np.linalg.inv(np.asarray(camera.camera_to_rig, dtype=np.float64)) @ np.asarray(rig_world_to_camera)


def object_motions(objects: Sequence[ObjectSpec], motion: MotionSpec,
                   direction: str) -> dict[int, np.ndarray]:
    """Per moving instance, the (4, 4) world transform taking its points now to ``direction``
    (``next`` or ``previous``) frame: ``T_other @ inv(T_now)``."""
    now = {o.instance_id: object_to_world(o.location, o.rotation, UNIT_SCALE) for o in objects}
    out: dict[int, np.ndarray] = {}
    for moving in motion.objects:
        if moving.instance_id not in now:
            continue
        pose: PoseSpec = moving.next if direction == "next" else moving.previous
        out[moving.instance_id] = object_to_world(pose.location, pose.rotation, UNIT_SCALE) @ np.linalg.inv(now[moving.instance_id])
    return out


def backproject(depth: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(H, W, 3) camera-frame points (OpenCV axes) of a planar z-depth map."""
    h, w = depth.shape
    xs = np.arange(w, dtype=np.float64) + PIXEL_CENTER
    ys = np.arange(h, dtype=np.float64) + PIXEL_CENTER
    u, v = np.meshgrid(xs, ys)
    K = np.asarray(K, dtype=np.float64)
    z = depth.astype(np.float64)
    x = (u - K[0, 2]) / K[0, 0] * z
    y = (v - K[1, 2]) / K[1, 1] * z
    return np.stack([x, y, z], axis=-1)


def rigid_flow(depth: np.ndarray, K: np.ndarray, world_to_camera: np.ndarray, other_world_to_camera: np.ndarray,
               instance: np.ndarray | None = None,
               object_transforms: Mapping[int, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flow of every pixel to the other instant, and the depth of its point there.

    Args:
        depth: (H, W) planar depth of this frame, ``inf`` where nothing was hit.
        K: (3, 3) intrinsics (the same camera at both instants).
        world_to_camera: (4, 4) this frame's camera pose; ``other_world_to_camera`` the other's.
        instance: (H, W) instance ids, to move the pixels of moving objects.
        object_transforms: instance id -> (4, 4) world transform from now to the other instant
            (:func:`object_motions`); pixels of other instances stand still.

    Returns:
        ``(flow, other_depth)``: (H, W, 2) float32 pixels (NaN where nothing was hit or the point
        is behind the other camera) and (H, W) float32 planar depth in the other camera.
    """
    finite = np.isfinite(depth)
    points = backproject(np.where(finite, depth, 0.0), K)
    cam_to_world = np.linalg.inv(np.asarray(world_to_camera, dtype=np.float64))
    world = points @ cam_to_world[:3, :3].T + cam_to_world[:3, 3]
    if instance is not None and object_transforms:
        for instance_id, transform in object_transforms.items():
            mask = (instance == instance_id) & finite
            world[mask] = world[mask] @ transform[:3, :3].T + transform[:3, 3]
    other = np.asarray(other_world_to_camera, dtype=np.float64)
    cam = world @ other[:3, :3].T + other[:3, 3]
    K = np.asarray(K, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = K[0, 0] * cam[..., 0] / cam[..., 2] + K[0, 2]
        v = K[1, 1] * cam[..., 1] / cam[..., 2] + K[1, 2]
    h, w = depth.shape
    grid_u, grid_v = np.meshgrid(np.arange(w, dtype=np.float64) + PIXEL_CENTER, np.arange(h, dtype=np.float64) + PIXEL_CENTER)
    flow = np.stack([u - grid_u, v - grid_v], axis=-1)
    valid = finite & (cam[..., 2] > 0)
    flow[~valid] = np.nan
    return flow.astype(np.float32), np.where(valid, cam[..., 2], np.inf).astype(np.float32)


def visible_in_other(flow: np.ndarray, other_depth: np.ndarray, depth_there: np.ndarray,
                     relative_tolerance: float = 0.01) -> np.ndarray:
    """(H, W) bool: the pixel's point lands inside the other frame and is not hidden there.

    ``depth_there`` is the other frame's rendered depth; a point whose depth in the other camera
    exceeds the surface seen at its landing pixel by more than ``relative_tolerance`` is occluded.
    """
    h, w = depth_there.shape
    target_x = np.rint(flow[..., 0] + np.arange(w)[None, :]).astype(np.float64)
    target_y = np.rint(flow[..., 1] + np.arange(h)[:, None]).astype(np.float64)
    inside = np.isfinite(target_x) & np.isfinite(target_y)
    inside &= (target_x >= 0) & (target_x < w) & (target_y >= 0) & (target_y < h)
    tx = np.where(inside, target_x, 0).astype(np.int64)
    ty = np.where(inside, target_y, 0).astype(np.int64)
    seen = depth_there[ty, tx]
    return inside & (other_depth <= seen * (1.0 + relative_tolerance))


def spec_flow(spec: SceneSpec, depth: np.ndarray, instance: np.ndarray,
              direction: str = "next") -> tuple[np.ndarray, np.ndarray]:
    """:func:`rigid_flow` of a sequence frame's main camera to the ``next`` or ``previous`` frame.

    Raises:
        ValueError: the spec is a still (no ``motion``).
    """
    if spec.motion is None:
        raise ValueError(f"frame {spec.frame_index} is a still: optical flow needs a sequence (spec.motion)")
    rig_other = spec.motion.camera_next if direction == "next" else spec.motion.camera_previous
    other = view_world_to_camera(spec.camera, rig_other)
    transforms = object_motions(spec.objects, spec.motion, direction)
    return rigid_flow(depth, np.asarray(spec.camera.K), np.asarray(spec.camera.world_to_camera), other,
                      instance, transforms)


__all__ = ["backproject", "object_motions", "rigid_flow", "spec_flow", "view_world_to_camera",
           "visible_in_other"]
