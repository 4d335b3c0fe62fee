"""Object keypoints: the 8 corners and the centre of each object's 3D box, projected into the
camera, with COCO visibility flags from ray casting against the scene mesh.

Flags (COCO): 2 = visible; 1 = labelled but occluded (the first surface on the camera ray,
the object's own included, lies in front of the keypoint); 0 = outside the image or behind
the camera. Corner order is :func:`synthscape.lidar.mesh.box_corners` (0-3 the face at the
box's minimum z, counter-clockwise; 4-7 the opposite face), so the skeleton is
:data:`synthscape.spec.projection.BOX_EDGES`. Pixel convention: :mod:`synthscape.spec.projection`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from synthscape.buffers import BOX_KEYPOINT_NAMES, FrameBuffers, ObjectKeypoints, SceneMesh
from synthscape.lidar.mesh import box_corners
from synthscape.spec.camera import object_to_world
from synthscape.lidar.raycast import RaycastBackend, default_raycaster
from synthscape.spec.lens import project_in_view
from synthscape.spec.projection import NEAR_PLANE_M, image_extent, world_to_camera_points
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec

OCCLUSION_TOLERANCE_M = 1e-3
"""A surface closer than this (plus 1e-4 of the distance) in front of a keypoint does not hide it
(a corner is on the surfaces that meet there; float32 vertices put them a hair off)."""
VISIBLE, OCCLUDED, OUTSIDE = 2, 1, 0

RaycasterFactory = Callable[[SceneMesh], RaycastBackend]


def box_keypoints_world(obj: ObjectSpec) -> np.ndarray:
    """(9, 3) world positions of an object's box corners and centre, metres."""
    local = box_corners(obj.bbox_min, obj.bbox_max)
    local = np.vstack([local, (np.asarray(obj.bbox_min, float) + np.asarray(obj.bbox_max, float)) / 2])
    m = object_to_world(obj.location, obj.rotation, obj.scale)
    return local @ m[:3, :3].T + m[:3, 3]


def _flags_in_view(spec: SceneSpec, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) pixel coordinates (NaN behind the camera) and (N,) bool 'inside the image'."""
    cam = spec.camera
    pc = world_to_camera_points(np.asarray(cam.world_to_camera), world)
    front = pc[:, 2] >= NEAR_PLANE_M
    uv = np.full((len(world), 2), np.nan)
    if front.any():
        uv[front] = project_in_view(cam, pc[front])  # distorted; NaN beyond the lens's valid radius
    x0, y0, x1, y1 = image_extent(cam.width, cam.height)
    with np.errstate(invalid="ignore"):
        inside = front & (uv[:, 0] >= x0) & (uv[:, 0] < x1) & (uv[:, 1] >= y0) & (uv[:, 1] < y1)
    return uv, inside


def _occluded(spec: SceneSpec, backend: RaycastBackend, world: np.ndarray) -> np.ndarray:
    """(N,) bool: the first surface on the ray from the camera centre lies in front of the point."""
    w2c = np.asarray(spec.camera.world_to_camera, dtype=np.float64)
    origin = -w2c[:3, :3].T @ w2c[:3, 3]
    offsets = world - origin
    dist = np.linalg.norm(offsets, axis=1)
    hits = backend.cast(origin, offsets / dist[:, None])
    return np.asarray(hits.t, dtype=np.float64) < dist - OCCLUSION_TOLERANCE_M - 1e-4 * dist


def object_keypoints(spec: SceneSpec, buffers: FrameBuffers,
                     raycaster: RaycasterFactory = default_raycaster) -> dict[int, ObjectKeypoints]:
    """:class:`ObjectKeypoints` of every object of the spec (box corners and centre).

    Raises:
        ValueError: ``buffers.mesh`` is None (occlusion needs the scene's triangles; outputs
            that need ``keypoints`` also need ``mesh``).
    """
    if buffers.mesh is None:
        raise ValueError(f"frame {spec.frame_index}: keypoint visibility needs the scene mesh; "
                         "an output that needs 'keypoints' must also need 'mesh'")
    per_object = [box_keypoints_world(obj) for obj in spec.objects]
    if not per_object:
        return {}
    world = np.concatenate(per_object)
    uv, inside = _flags_in_view(spec, world)
    hidden = _occluded(spec, raycaster(buffers.mesh), world)
    flags = np.where(inside, np.where(hidden, OCCLUDED, VISIBLE), OUTSIDE).astype(np.uint8)
    n = len(BOX_KEYPOINT_NAMES)
    return {obj.instance_id: ObjectKeypoints(obj.instance_id, BOX_KEYPOINT_NAMES, uv[k * n:(k + 1) * n],
                                             flags[k * n:(k + 1) * n])
            for k, obj in enumerate(spec.objects)}


__all__ = ["BOX_KEYPOINT_NAMES", "OCCLUDED", "OUTSIDE", "VISIBLE", "box_keypoints_world", "object_keypoints"]
