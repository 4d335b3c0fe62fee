"""The LiDAR's pose on the camera rig and its JSON-ready parameters (``spec.rig.lidars``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthscape.spec.rig import lidar_params
from synthscape.spec.rig import lidar_to_camera_matrix as _mount_matrix
from synthscape.recipe.lidar import LidarRecipe
from synthscape.lidar.sensors import SensorModel

def lidar_to_camera_matrix(recipe: LidarRecipe) -> np.ndarray:
    """(4, 4) rigid transform from the LiDAR frame to the OpenCV camera frame."""
    return _mount_matrix(recipe.mount.offset, recipe.mount.rotation_deg)


def sample_lidar_spec(recipe: LidarRecipe,
                      camera_world_to_camera: Sequence[Sequence[float]]) -> dict[str, Any]:
    """Resolve the LiDAR for one frame (see :func:`synthscape.spec.rig.lidar_params`)."""
    return lidar_params(recipe, camera_world_to_camera)


def sensor_from_spec(lidar_spec: dict[str, Any]) -> SensorModel:
    """Rebuild the :class:`SensorModel` stored in ``spec.lidar['sensor']``."""
    s = lidar_spec["sensor"]
    return SensorModel(s["name"], tuple(s["elevations_deg"]), int(s["points_per_ring"]),
                       float(s["min_range"]), float(s["max_range"]), float(s["rotation_hz"]),
                       float(s["range_noise_std"]))


def lidar_to_camera_from_spec(lidar_spec: dict[str, Any]) -> np.ndarray:
    """(4, 4) float64 LiDAR-to-camera transform of a LiDAR spec (KITTI ``Tr_velo_to_cam``)."""
    return np.asarray(lidar_spec["lidar_to_camera"], dtype=np.float64)
