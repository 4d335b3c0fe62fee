"""Sampling the rig: further cameras placed relative to the main camera, and the LiDAR's pose.

The rig frame is the main camera's OpenCV frame (x right, y down, z forward). A camera's
``camera_to_rig`` and a LiDAR's ``lidar_to_camera`` are relative to it, so every sensor's
world pose follows from the main camera's ``world_to_camera``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthscape.recipe.rig import RigCameraRecipe, RigRecipe
from synthscape.spec.camera import euler_xyz_to_matrix, intrinsics
from synthscape.spec.scene_spec import CameraSpec, LidarSpec, SceneSpec


VELO_TO_CAM_AXES = np.array([[0.0, -1.0, 0.0],
                             [0.0, 0.0, -1.0],
                             [1.0, 0.0, 0.0]])
"""Rotation taking LiDAR/rig axes (x fwd, y left, z up) to OpenCV camera axes
(x right, y down, z fwd): x_velo = z_cam, y_velo = -x_cam, z_velo = -y_cam, as KITTI."""


def _matrix(m: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(m))


def sample_rig_camera(recipe: RigCameraRecipe, main: CameraSpec, rng: np.random.Generator) -> CameraSpec:
    """One further camera: its extrinsic relative to the main camera and its intrinsics."""
    offset = np.asarray(recipe.offset.sample(rng), dtype=np.float64)
    rotation = euler_xyz_to_matrix(tuple(math.radians(float(a)) for a in recipe.rotation.sample(rng)))
    camera_to_rig = np.eye(4)
    camera_to_rig[:3, :3] = rotation
    camera_to_rig[:3, 3] = offset
    width, height = recipe.resolution or (main.width, main.height)
    focal = float(recipe.focal_length.sample(rng)) if recipe.focal_length is not None else main.focal_length_mm
    sensor = float(recipe.sensor_width or main.sensor_width_mm)
    world_to_camera = np.linalg.inv(camera_to_rig) @ np.asarray(main.world_to_camera, dtype=np.float64)
    return CameraSpec(width=int(width), height=int(height), focal_length_mm=focal, sensor_width_mm=sensor,
                      K=_matrix(intrinsics(int(width), int(height), focal, sensor)),
                      world_to_camera=_matrix(world_to_camera), clip_start=main.clip_start,
                      clip_end=main.clip_end, name=recipe.name, camera_to_rig=_matrix(camera_to_rig))


def sample_rig_cameras(rig: RigRecipe | None, main: CameraSpec, rng: np.random.Generator) -> tuple[CameraSpec, ...]:
    """Every further camera of the rig (none without a ``rig:`` section)."""
    if rig is None:
        return ()
    return tuple(sample_rig_camera(camera, main, rng) for camera in rig.all_cameras())


def stereo_right_name(rig: RigRecipe | None) -> str | None:
    """The name of the stereo right camera (``rig.stereo`` / ``rig.preset``), or None."""
    pair = rig.stereo_pair() if rig is not None else None
    return pair.name if pair is not None else None


@dataclass(frozen=True)
class StereoPair:
    """A rectified stereo pair of the frame: the main (left) camera and its right partner.

    Attributes:
        left: the main camera (the rig frame).
        right: the right camera: same intrinsics and orientation, at ``+baseline_m`` along left x.
        baseline_m: the baseline, metres.
    """

    left: CameraSpec
    right: CameraSpec
    baseline_m: float

    def rig_to_right(self) -> np.ndarray:
        """(4, 4) transform from the left (rig) camera frame to the right camera's frame."""
        return np.linalg.inv(np.asarray(self.right.camera_to_rig, dtype=np.float64))

    def projection_right(self) -> np.ndarray:
        """(3, 4) ``P3 = K_right [R | t]`` mapping left-camera points to right-camera pixels
        (for the pure +x offset, ``P3[0, 3] = -fx * baseline``)."""
        return np.asarray(self.right.K, dtype=np.float64) @ self.rig_to_right()[:3]


def stereo_pair(spec: SceneSpec) -> StereoPair | None:
    """The frame's stereo pair (the main camera is the left one), or None without a stereo rig.

    None too for a further camera's own view (:meth:`SceneSpec.view`): it is not a left camera.
    """
    name = spec.rig.stereo_right
    right = next((c for c in spec.rig.cameras if c.name == name), None) if name else None
    if right is None or right is spec.camera:
        return None
    return StereoPair(left=spec.camera, right=right, baseline_m=float(right.camera_to_rig[0][3]))


def lidar_to_camera_matrix(offset: Sequence[float], rotation_deg: Sequence[float]) -> np.ndarray:
    """(4, 4) rigid transform from the LiDAR frame to the main camera's OpenCV frame.

    Args:
        offset: mount position in rig axes (x forward, y left, z up), metres.
        rotation_deg: mount XYZ Euler rotation in rig axes, degrees.
    """
    mount = euler_xyz_to_matrix(tuple(np.deg2rad(np.asarray(rotation_deg, dtype=np.float64))))
    out = np.eye(4)
    out[:3, :3] = VELO_TO_CAM_AXES @ mount
    out[:3, 3] = VELO_TO_CAM_AXES @ np.asarray(offset, dtype=np.float64)
    return out


def lidar_params(recipe: Any, camera_world_to_camera: Sequence[Sequence[float]]) -> dict[str, Any]:
    """Resolve a ``lidar:`` recipe section for one frame into JSON-ready parameters.

    Args:
        recipe: the recipe's :class:`~synthscape.recipe.lidar.LidarRecipe`.
        camera_world_to_camera: (4, 4) OpenCV world-to-camera transform of the main camera.

    Returns:
        ``sensor`` (name, elevations_deg, points_per_ring, min/max_range, rotation_hz,
        range_noise_std), ``noise`` (resolved switches), ``lidar_to_camera`` and
        ``lidar_to_world`` (4x4 nested lists) and ``write_ply``.
    """
    sensor = recipe.sensor()
    l2c = lidar_to_camera_matrix(recipe.mount.offset, recipe.mount.rotation_deg)
    l2w = np.linalg.inv(np.asarray(camera_world_to_camera, dtype=np.float64)) @ l2c
    noise = recipe.noise
    return {
        "sensor": {
            "name": sensor.name,
            "elevations_deg": [float(e) for e in sensor.elevations_deg],
            "points_per_ring": int(sensor.points_per_ring),
            "min_range": float(sensor.min_range),
            "max_range": float(sensor.max_range),
            "rotation_hz": float(sensor.rotation_hz),
            "range_noise_std": float(sensor.range_noise_std),
        },
        "noise": {
            "range_std": float(sensor.range_noise_std) if noise.range.enabled else 0.0,
            "dropout": float(noise.dropout.probability) if noise.dropout.enabled else 0.0,
            "max_incidence_deg": float(noise.grazing.max_incidence_deg) if noise.grazing.enabled else 90.0,
            "attenuation_per_m": float(noise.intensity_falloff.attenuation_per_m)
            if noise.intensity_falloff.enabled else 0.0,
        },
        "lidar_to_camera": l2c.tolist(),
        "lidar_to_world": l2w.tolist(),
        "write_ply": bool(recipe.write_ply),
        **recipe.realism_params(),
    }


def sample_lidars(recipe: Any, main: CameraSpec) -> tuple[LidarSpec, ...]:
    """The rig's LiDARs (the ``lidar:`` section, named ``lidar``; none without one)."""
    if recipe is None:
        return ()
    return (LidarSpec(name="lidar", params=lidar_params(recipe, main.world_to_camera)),)
