"""Spinning LiDAR sweeps: the ray directions of a sensor model (the presets live in
:mod:`synthscape.recipe.lidar_presets`).

The LiDAR frame follows KITTI's velodyne convention: x forward, y left, z up, metres.
"""

from __future__ import annotations

import numpy as np

from synthscape.recipe.lidar_presets import PRESETS, SensorModel

__all__ = ["PRESETS", "SensorModel", "sensor_rays"]


def sensor_rays(sensor: SensorModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit ray directions of one full sweep in the LiDAR frame.

    Rays are ordered ring-major: ray ``r * points_per_ring + c`` is ring ``r``, column ``c``.
    Column 0 looks forward (+x); azimuth grows counter-clockwise seen from above (towards +y).

    Args:
        sensor: the sensor model.

    Returns:
        directions: (R, 3) float32 unit vectors, R = rings * points_per_ring.
        ring: (R,) uint16 beam index.
        azimuth: (R,) float32 azimuth angle in radians, [-pi, pi).
    """
    elev = np.deg2rad(np.asarray(sensor.elevations_deg, dtype=np.float64))
    cols = np.arange(sensor.points_per_ring, dtype=np.float64)
    az = 2.0 * np.pi * cols / sensor.points_per_ring
    az = (az + np.pi) % (2.0 * np.pi) - np.pi
    el_grid, az_grid = np.meshgrid(elev, az, indexing="ij")
    directions = np.stack([np.cos(el_grid) * np.cos(az_grid),
                           np.cos(el_grid) * np.sin(az_grid),
                           np.sin(el_grid)], axis=-1).reshape(-1, 3)
    ring = np.repeat(np.arange(len(elev), dtype=np.uint16), sensor.points_per_ring)
    return directions.astype(np.float32), ring, az_grid.reshape(-1).astype(np.float32)
