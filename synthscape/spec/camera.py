"""Pinhole camera maths in the OpenCV convention (x right, y down, z forward)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from synthscape.errors import SynthscapeError

from synthscape.spec.projection import intrinsics_matrix


def focal_from_fov(fov_deg: float, sensor_width_mm: float) -> float:
    """Focal length (mm) that gives a horizontal field of view of ``fov_deg``."""
    return sensor_width_mm / 2.0 / math.tan(math.radians(fov_deg) / 2.0)


def intrinsics(width: int, height: int, focal_mm: float, sensor_width_mm: float) -> np.ndarray:
    """3x3 intrinsic matrix in pixels for square pixels and a horizontal sensor fit.

    Pixel centres sit at integer coordinates (OpenCV, :mod:`synthscape.spec.projection`), so
    the principal point of a centred lens is ``((W - 1) / 2, (H - 1) / 2)``.
    """
    return intrinsics_matrix(width, height, focal_mm / sensor_width_mm * width)


class ViewDirectionError(SynthscapeError, ValueError):
    """A camera (or light) sampled at the very point it should look at: no view direction.

    Attributes:
        key: the recipe key to change, e.g. ``camera.location``.
    """

    def __init__(self, key: str, eye: np.ndarray):
        self.key = key
        super().__init__(f"{key}: the sampled position {[round(float(v), 6) for v in eye]} equals "
                         "the point it looks at, so it has no view direction; move it away from "
                         "the target (camera.location / camera.target / distances)")


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray | None = None,
            key: str = "camera.location") -> np.ndarray:
    """4x4 world-to-camera (OpenCV) transform of a camera at ``eye`` looking at ``target``.

    Raises:
        ViewDirectionError: ``eye`` and ``target`` coincide; ``key`` names the recipe key.
    """
    eye = np.asarray(eye, dtype=np.float64)
    forward = np.asarray(target, dtype=np.float64) - eye
    norm = np.linalg.norm(forward)
    if not norm >= 1e-9:
        raise ViewDirectionError(key, eye)
    forward /= norm
    up = np.array([0.0, 0.0, 1.0]) if up is None else np.asarray(up, dtype=np.float64)
    if abs(float(forward @ up)) > 0.999999:
        up = np.array([0.0, 1.0, 0.0])
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    rotation = np.stack([right, down, forward])
    out = np.eye(4)
    out[:3, :3] = rotation
    out[:3, 3] = -rotation @ eye
    return out


def spherical_offset(distance: float, elevation_deg: float, azimuth_deg: float) -> np.ndarray:
    """Offset (x, y, z) at ``distance`` with elevation above the xy plane and azimuth from +x."""
    el, az = math.radians(elevation_deg), math.radians(azimuth_deg)
    return distance * np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])


def matrix_to_euler_xyz(rotation: np.ndarray) -> tuple[float, float, float]:
    """XYZ Euler angles (radians, Blender's order: R = Rz @ Ry @ Rx) of a 3x3 rotation."""
    r = np.asarray(rotation, dtype=np.float64)
    sy = -r[2, 0]
    if abs(sy) < 0.999999:
        y = math.asin(sy)
        x = math.atan2(r[2, 1], r[2, 2])
        z = math.atan2(r[1, 0], r[0, 0])
    else:
        y = math.copysign(math.pi / 2, sy)
        x = math.atan2(-r[1, 2], r[1, 1])
        z = 0.0
    return (x, y, z)


def euler_xyz_to_matrix(euler: tuple[float, float, float]) -> np.ndarray:
    """3x3 rotation of XYZ Euler angles (radians), R = Rz @ Ry @ Rx."""
    x, y, z = euler
    cx, sx, cy, sy, cz, sz = math.cos(x), math.sin(x), math.cos(y), math.sin(y), math.cos(z), math.sin(z)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def aim_euler(position: np.ndarray, target: np.ndarray,
              key: str = "lights[].distance") -> tuple[float, float, float]:
    """Euler XYZ that points an object's local -Z axis (Blender lights, cameras) at ``target``.

    Raises:
        ViewDirectionError: ``position`` equals ``target``; ``key`` names the recipe key.
    """
    cv = look_at(position, target, key=key)[:3, :3]  # rows: right, down, forward in world
    # Blender local axes: x = right, y = up = -down, z = -forward.
    blender_to_world = np.stack([cv[0], -cv[1], -cv[2]], axis=1)
    return matrix_to_euler_xyz(blender_to_world)


def object_to_world(location: Sequence[float], rotation: Sequence[float],
                    scale: Sequence[float]) -> np.ndarray:
    """(4, 4) object-to-world matrix: translate @ rotate (XYZ Euler) @ scale."""
    out = np.eye(4)
    out[:3, :3] = euler_xyz_to_matrix(tuple(rotation)) @ np.diag(np.asarray(scale, dtype=np.float64))
    out[:3, 3] = location
    return out
