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
    """Revolutions per second: sets each point's firing time within the sweep."""
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


VLP32C_ELEVATIONS_DEG: tuple[float, ...] = (
    15.0, 10.333, 7.0, 4.667, 3.333, 2.333, 1.667, 1.333, 1.0, 0.667, 0.333, 0.0, -0.333, -0.667,
    -1.0, -1.333, -1.667, -2.0, -2.333, -2.667, -3.0, -3.333, -3.667, -4.0, -4.667, -5.333, -6.148,
    -7.254, -8.843, -11.31, -15.639, -25.0)
"""Velodyne VLP-32C beam elevations, degrees, top beam first (ring 0). From Velodyne's
"VLP-32C User Manual" 63-9325 Rev. C, Table 9-6 "VLP-32C Azimuth Offsets by Elevation"
(section 9.5, pages 66-67): non-uniform, dense (1/3 deg) around the horizon, -25..+15 deg."""

PANDAR64_ELEVATIONS_DEG: tuple[float, ...] = (
    14.882, 11.032, 8.059, 5.057, 3.04, 2.028, 1.86, 1.688, 1.522, 1.351, 1.184, 1.013, 0.846, 0.675,
    0.508, 0.337, 0.169, 0.0, -0.169, -0.337, -0.508, -0.675, -0.845, -1.013, -1.184, -1.351, -1.522,
    -1.688, -1.86, -2.028, -2.198, -2.365, -2.536, -2.7, -2.873, -3.04, -3.21, -3.375, -3.548, -3.712,
    -3.884, -4.05, -4.221, -4.385, -4.558, -4.72, -4.892, -5.057, -5.229, -5.391, -5.565, -5.726,
    -5.898, -6.061, -7.063, -8.059, -9.06, -9.885, -11.032, -12.006, -12.974, -13.93, -18.889, -24.897)
"""Hesai Pandar64 beam elevations, degrees, channel 1 (top) first: the factory "angle correction"
defaults Hesai publishes for the Pandar64 (its User's Manual, appendix "Channel Distribution",
and the same table in Hesai's Apache-2.0 ROS/Apollo driver as ``pandar64_elev_angle_map``):
-25..+15 deg, 1/6 deg steps around the horizon. Per-unit calibration files refine them."""

OS1_32_ELEVATIONS_DEG: tuple[float, ...] = (
    22.10, 20.67, 19.25, 17.82, 16.40, 14.97, 13.55, 12.12, 10.69, 9.27, 7.84, 6.42, 4.99, 3.56, 2.14, 0.71,
    -0.71, -2.14, -3.56, -4.99, -6.42, -7.84, -9.27, -10.69, -12.12, -13.55, -14.97, -16.40, -17.82, -19.25,
    -20.67, -22.10)
"""Ouster OS1-32 beam elevations, degrees, top beam first: the ``beam_altitude_angles`` of the OS1
32-channel profile NVIDIA Isaac Sim ships (Apache-2.0; beam intrinsics read from a unit with the
sensor's ``get_beam_intrinsics``, with the rev06 OS1 datasheet's range and accuracy): uniform
1.425 deg steps over +-22.1 deg. Each unit reports its own table; the per-beam azimuth offsets
(about +-4.2 deg, staggered in groups of four) are not modelled."""

PRESETS: dict[str, SensorModel] = {
    "hdl64e": SensorModel("hdl64e", _hdl64e_elevations(), 2048, 0.9, 120.0, 10.0, 0.02),
    "vlp16": SensorModel("vlp16", _uniform(15.0, -15.0, 16), 1800, 0.5, 100.0, 10.0, 0.03),
    "vlp32c": SensorModel("vlp32c", VLP32C_ELEVATIONS_DEG, 1800, 1.0, 200.0, 10.0, 0.03),
    "pandar64": SensorModel("pandar64", PANDAR64_ELEVATIONS_DEG, 1800, 0.3, 200.0, 10.0, 0.02),
    "os1_32": SensorModel("os1_32", OS1_32_ELEVATIONS_DEG, 1024, 0.3, 120.0, 10.0, 0.03),
    "os1_64": SensorModel("os1_64", _uniform(22.5, -22.5, 64), 2048, 0.3, 120.0, 10.0, 0.03),
    "os1_128": SensorModel("os1_128", _uniform(22.5, -22.5, 128), 2048, 0.3, 120.0, 10.0, 0.03),
}
"""Presets. HDL-64E: upper block of 32 beams +2.0..-8.33 deg, lower block -8.83..-24.8 deg
(KITTI's sensor). VLP-16: -15..+15 deg in 2 deg steps. VLP-32C: Velodyne's published table
(:data:`VLP32C_ELEVATIONS_DEG`), 0.2 deg azimuth steps at 10 Hz, 200 m, +-3 cm. Ouster
OS1-32: a unit's reported table (:data:`OS1_32_ELEVATIONS_DEG`), 1024 columns at 10 Hz (the
default ``1024x10`` mode), 0.3-120 m, +-3 cm. Ouster OS1-64/128: uniform +-22.5 deg. Hesai
Pandar64: Hesai's published table (:data:`PANDAR64_ELEVATIONS_DEG`), 0.2 deg azimuth steps at 10 Hz,
0.3-200 m, +-2 cm."""
