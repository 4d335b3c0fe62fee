"""Spinning LiDAR sensor models a recipe can name: beam layouts of real sensors as plain data.

The LiDAR frame follows KITTI's velodyne convention: x forward, y left, z up, metres. The ray
directions of a sweep are computed by :func:`synthscape.lidar.sensors.sensor_rays`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SensorModel:
    """A rotating multi-beam LiDAR."""

    name: str
    elevations_deg: tuple[float, ...]
    """Elevation of each beam (ring), degrees, ring 0 first (top beam first for presets)."""
    points_per_ring: int
    """Firings per revolution (azimuth columns)."""
    min_range: float
    """Closest return, metres."""
    max_range: float
    """Farthest return, metres."""
    rotation_hz: float
    """Revolutions per second (kept for metadata; the sweep is simulated as instantaneous)."""
    range_noise_std: float
    """Gaussian range accuracy (1 sigma), metres."""

    @property
    def num_rays(self) -> int:
        """Rays per sweep: rings x points per ring."""
        return len(self.elevations_deg) * self.points_per_ring


def _hdl64e_elevations() -> tuple[float, ...]:
    upper = np.linspace(2.0, -8.33, 32)
    lower = np.linspace(-8.83, -24.8, 32)
    return tuple(round(float(e), 4) for e in np.concatenate([upper, lower]))


def _uniform(top: float, bottom: float, count: int) -> tuple[float, ...]:
    return tuple(round(float(e), 4) for e in np.linspace(top, bottom, count))


PRESETS: dict[str, SensorModel] = {
    "hdl64e": SensorModel("hdl64e", _hdl64e_elevations(), 2048, 0.9, 120.0, 10.0, 0.02),
    "vlp16": SensorModel("vlp16", _uniform(15.0, -15.0, 16), 1800, 0.5, 100.0, 10.0, 0.03),
    "os1_64": SensorModel("os1_64", _uniform(22.5, -22.5, 64), 2048, 0.3, 120.0, 10.0, 0.03),
    "os1_128": SensorModel("os1_128", _uniform(22.5, -22.5, 128), 2048, 0.3, 120.0, 10.0, 0.03),
}
"""Presets. HDL-64E: upper block of 32 beams +2.0..-8.33 deg, lower block -8.83..-24.8 deg
(KITTI's sensor). VLP-16: -15..+15 deg in 2 deg steps. Ouster OS1-64/128: uniform +-22.5 deg."""
