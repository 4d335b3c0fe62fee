"""Object orientations: upright with a yaw, uniform over SO(3), or per-axis Euler ranges.

Rotations in the spec are XYZ Euler angles in radians, Blender's order:
``R = Rz @ Ry @ Rx`` (:func:`synthscape.spec.camera.euler_xyz_to_matrix`).
"""

from __future__ import annotations

import math

import numpy as np

from synthscape.recipe.orientation import OrientationRecipe
from synthscape.spec.camera import matrix_to_euler_xyz

Vec3 = tuple[float, float, float]


def uniform_quaternion(rng: np.random.Generator) -> np.ndarray:
    """A unit quaternion ``(w, x, y, z)`` uniform over SO(3) (Shoemake, Graphics Gems III, 1992).

    Draws exactly three numbers from ``rng``.
    """
    u1, u2, u3 = rng.random(3)
    a, b = math.sqrt(1.0 - u1), math.sqrt(u1)
    return np.array([b * math.cos(2 * math.pi * u3), a * math.sin(2 * math.pi * u2),
                     a * math.cos(2 * math.pi * u2), b * math.sin(2 * math.pi * u3)])


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """3x3 rotation matrix of a unit quaternion ``(w, x, y, z)``."""
    w, x, y, z = (float(v) for v in q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


def uniform_rotation(rng: np.random.Generator) -> Vec3:
    """XYZ Euler angles (radians) of a rotation uniform over SO(3)."""
    return matrix_to_euler_xyz(quaternion_to_matrix(uniform_quaternion(rng)))


def euler_rotation(orientation: OrientationRecipe, rng: np.random.Generator) -> Vec3:
    """XYZ Euler angles (radians) drawn per axis from ``orientation.x/y/z`` (degrees; unset = 0).

    Draws x, then y, then z (only the axes that are set).
    """
    angles = []
    for axis in (orientation.x, orientation.y, orientation.z):
        angles.append(math.radians(float(axis.sample(rng))) if axis is not None else 0.0)
    return (angles[0], angles[1], angles[2])


def sample_orientation(orientation: OrientationRecipe, yaw_degrees: float | None,
                       rng: np.random.Generator) -> Vec3:
    """One object's rotation for a group's ``orientation``.

    Args:
        orientation: the group's recipe key.
        yaw_degrees: the upright yaw, already drawn (from the ``objects`` stream), for
            ``upright``; ignored by the other modes.
        rng: the object's own ``orientation`` stream (``uniform`` and ``euler``).
    """
    if orientation.mode == "uniform":
        return uniform_rotation(rng)
    if orientation.mode == "euler":
        return euler_rotation(orientation, rng)
    assert yaw_degrees is not None, "upright needs the yaw"
    return (0.0, 0.0, math.radians(yaw_degrees))
