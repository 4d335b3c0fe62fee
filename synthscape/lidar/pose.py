"""The LiDAR's pose on the camera rig and its JSON-ready spec (``spec.extras['lidar']``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthscape.spec.camera import euler_xyz_to_matrix
from synthscape.lidar.recipe import LidarRecipe
from synthscape.lidar.sensors import SensorModel

VELO_TO_CAM_AXES = np.array([[0.0, -1.0, 0.0],
                             [0.0, 0.0, -1.0],
                             [1.0, 0.0, 0.0]])
"""Rotation taking LiDAR/rig axes (x fwd, y left, z up) to OpenCV camera axes
(x right, y down, z fwd): x_velo = z_cam, y_velo = -x_cam, z_velo = -y_cam, as KITTI."""

LIDAR_SEED_KEY = 0x11DA
"""Spawn key that separates the LiDAR noise stream from the frame's scene sampling stream."""


def lidar_to_camera_matrix(recipe: LidarRecipe) -> np.ndarray:
    """(4, 4) rigid transform from the LiDAR frame to the OpenCV camera frame."""
    mount = euler_xyz_to_matrix(tuple(np.deg2rad(recipe.mount.rotation_deg)))
    out = np.eye(4)
    out[:3, :3] = VELO_TO_CAM_AXES @ mount
    out[:3, 3] = VELO_TO_CAM_AXES @ np.asarray(recipe.mount.offset, dtype=np.float64)
    return out


def sample_lidar_spec(recipe: LidarRecipe,
                      camera_world_to_camera: Sequence[Sequence[float]]) -> dict[str, Any]:
    """Resolve the LiDAR for one frame into a JSON-ready dict for ``spec.extras['lidar']``.

    Args:
        recipe: the recipe's ``lidar:`` section.
        camera_world_to_camera: (4, 4) OpenCV world-to-camera transform of the frame's camera.

    Returns:
        ``sensor`` (name, elevations_deg, points_per_ring, min/max_range, rotation_hz,
        range_noise_std), ``noise`` (resolved switches), ``lidar_to_camera`` and
        ``lidar_to_world`` (4x4 nested lists) and ``write_ply``.
    """
    sensor = recipe.sensor()
    l2c = lidar_to_camera_matrix(recipe)
    w2c = np.asarray(camera_world_to_camera, dtype=np.float64)
    l2w = np.linalg.inv(w2c) @ l2c
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
            "max_incidence_deg": float(noise.grazing.max_incidence_deg)
            if noise.grazing.enabled else 90.0,
            "attenuation_per_m": float(noise.intensity_falloff.attenuation_per_m)
            if noise.intensity_falloff.enabled else 0.0,
        },
        "lidar_to_camera": l2c.tolist(),
        "lidar_to_world": l2w.tolist(),
        "write_ply": bool(recipe.write_ply),
    }


def sensor_from_spec(lidar_spec: dict[str, Any]) -> SensorModel:
    """Rebuild the :class:`SensorModel` stored in ``spec.extras['lidar']['sensor']``."""
    s = lidar_spec["sensor"]
    return SensorModel(s["name"], tuple(s["elevations_deg"]), int(s["points_per_ring"]),
                       float(s["min_range"]), float(s["max_range"]), float(s["rotation_hz"]),
                       float(s["range_noise_std"]))


def lidar_to_camera_from_spec(lidar_spec: dict[str, Any]) -> np.ndarray:
    """(4, 4) float64 LiDAR-to-camera transform of a LiDAR spec (KITTI ``Tr_velo_to_cam``)."""
    return np.asarray(lidar_spec["lidar_to_camera"], dtype=np.float64)


def lidar_rng(dataset_seed: int, frame_index: int) -> np.random.Generator:
    """The LiDAR noise generator of a frame: independent of the scene sampling stream."""
    seq = np.random.SeedSequence([dataset_seed, frame_index], spawn_key=(LIDAR_SEED_KEY,))
    return np.random.default_rng(seq)
