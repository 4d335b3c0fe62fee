"""The LiDAR's pose on the camera rig and its JSON-ready parameters (``spec.rig.lidars``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthscape.spec.rig import VELO_TO_CAM_AXES, lidar_params
from synthscape.spec.rig import lidar_to_camera_matrix as _mount_matrix
from synthscape.lidar.recipe import LidarRecipe
from synthscape.lidar.sensors import SensorModel

LIDAR_SEED_KEY = 0x11DA
"""Spawn key that separates the LiDAR noise stream from the frame's scene sampling stream."""


def lidar_to_camera_matrix(recipe: LidarRecipe) -> np.ndarray:
    """(4, 4) rigid transform from the LiDAR frame to the OpenCV camera frame."""
    return _mount_matrix(recipe.mount.offset, recipe.mount.rotation_deg)


def sample_lidar_spec(recipe: LidarRecipe,
                      camera_world_to_camera: Sequence[Sequence[float]]) -> dict[str, Any]:
    """Resolve the LiDAR for one frame (see :func:`synthscape.spec.rig.lidar_params`)."""
    return lidar_params(recipe, camera_world_to_camera)


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
