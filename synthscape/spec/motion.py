"""Object motion over a sequence (pure numpy): constant velocities plus a keyframed path.

An object's :class:`ObjectPath` is drawn once per sequence from its group's ``motion:``
(``stage_rng(seed, sequence, "motion", instance_id)``) and evaluated at any time: the location
is ``location0 + v * t + path_offset(t)``, the rotation ``exp(w * t) @ R(euler0 + path_euler(t))``
(world angular velocity ``w``). :func:`object_pose`, :func:`object_motion` and
:func:`camera_motion` turn paths and trajectories into the spec's poses and
:class:`~synthscape.spec.scene_spec.MotionSpec` (poses one frame before and after, velocities).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from synthscape.recipe.sequence import ObjectMotionRecipe
from synthscape.spec.camera import euler_xyz_to_matrix, matrix_to_euler_xyz
from synthscape.spec.scene_spec import (
    Matrix,
    ObjectMotionSpec,
    ObjectSpec,
    PoseSpec,
    Vec3,
)
from synthscape.spec.trajectory import (
    CameraTrajectory,
    Spline,
    angular_velocity,
    derivative,
    rotation_exp,
)

MOTION_STAGE = "motion"
"""The seed stream of object motion (one per object: ``("motion", instance_id)``)."""


def _vec3(values: np.ndarray) -> Vec3:
    return (float(values[0]), float(values[1]), float(values[2]))


def _matrix(m: np.ndarray) -> Matrix:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(m))


@dataclass(frozen=True)
class ObjectPath:
    """One object's pose as a function of time within its sequence."""

    instance_id: int
    location0: np.ndarray
    """World position at t = 0 (the sampled layout), metres."""
    euler0: np.ndarray
    """XYZ Euler rotation at t = 0, radians."""
    linear_velocity: np.ndarray
    """Constant world velocity, m/s."""
    angular_velocity: np.ndarray
    """Constant world angular velocity, rad/s (axis * rate)."""
    offsets: Spline | None = None
    """Location offsets of the keyframed path, metres."""
    euler_offsets: Spline | None = None
    """Euler offsets of the keyframed path, radians."""

    def moves(self) -> bool:
        """True when the pose changes with time."""
        return bool(np.any(self.linear_velocity) or np.any(self.angular_velocity) or self.offsets is not None)

    def location(self, time: float) -> np.ndarray:
        """World position of the origin at ``time``."""
        location = self.location0 + self.linear_velocity * time
        return location + self.offsets(time) if self.offsets is not None else location

    def _euler_guess(self, time: float) -> np.ndarray:
        """Euler angles as if each angular rate were an Euler rate (exact for a spin about z of an upright object)."""
        euler = self.euler0 + self.angular_velocity * time
        return euler + self.euler_offsets(time) if self.euler_offsets is not None else euler

    def rotation(self, time: float) -> np.ndarray:
        """3x3 object-to-world rotation at ``time``."""
        euler = self.euler0 + self.euler_offsets(time) if self.euler_offsets is not None else self.euler0
        return rotation_exp(self.angular_velocity * time) @ euler_xyz_to_matrix(tuple(euler))

    def euler(self, time: float) -> np.ndarray:
        """XYZ Euler rotation at ``time``, each angle unwrapped (by whole turns) to follow the motion."""
        if not np.any(self.angular_velocity) and self.euler_offsets is None:
            return self.euler0
        guess = self._euler_guess(time)
        euler = np.asarray(matrix_to_euler_xyz(self.rotation(time)))
        return euler + 2.0 * np.pi * np.round((guess - euler) / (2.0 * np.pi))

    def pose(self, time: float) -> PoseSpec:
        """Location and rotation at ``time``."""
        return PoseSpec(location=_vec3(self.location(time)), rotation=_vec3(self.euler(time)))


def _path_splines(recipe: ObjectMotionRecipe, rng: np.random.Generator) -> tuple[Spline | None, Spline | None]:
    if not recipe.path:
        return None, None
    times = np.array([key.t for key in recipe.path], dtype=np.float64)
    locations = np.array([key.location.sample(rng) for key in recipe.path], dtype=np.float64)
    rotations = np.radians(np.array([key.rotation.sample(rng) for key in recipe.path], dtype=np.float64))
    return Spline(times, locations), (Spline(times, rotations) if np.any(rotations) else None)


def sample_object_path(recipe: ObjectMotionRecipe, obj: ObjectSpec, rng: np.random.Generator) -> ObjectPath:
    """Draw one object's motion (velocities, then each path key) from its ``motion`` stream."""
    linear = np.asarray(recipe.linear_velocity.sample(rng), dtype=np.float64)
    angular = np.radians(np.asarray(recipe.angular_velocity.sample(rng), dtype=np.float64))
    offsets, euler_offsets = _path_splines(recipe, rng)
    return ObjectPath(instance_id=obj.instance_id, location0=np.asarray(obj.location, dtype=np.float64),
                      euler0=np.asarray(obj.rotation, dtype=np.float64), linear_velocity=linear,
                      angular_velocity=angular, offsets=offsets, euler_offsets=euler_offsets)


def object_at(obj: ObjectSpec, path: ObjectPath, time: float) -> ObjectSpec:
    """``obj`` moved to its pose at ``time``."""
    pose = path.pose(time)
    return dataclasses.replace(obj, location=pose.location, rotation=pose.rotation)


def object_motion(path: ObjectPath, time: float, dt: float) -> ObjectMotionSpec:
    """The object's poses one frame before and after ``time`` and its velocities at ``time``."""
    return ObjectMotionSpec(instance_id=path.instance_id, previous=path.pose(time - dt), next=path.pose(time + dt),
                            linear_velocity=_vec3(derivative(path.location, time)),
                            angular_velocity=_vec3(angular_velocity(path.rotation, time)))


@dataclass(frozen=True)
class CameraMotion:
    """The main camera around one frame: poses one frame before and after, velocities at the frame."""

    previous: Matrix
    next: Matrix
    linear_velocity: Vec3
    angular_velocity: Vec3


def camera_motion(trajectory: CameraTrajectory, time: float, dt: float) -> CameraMotion:
    """The camera's :class:`CameraMotion` at ``time`` (frames ``dt`` seconds apart)."""
    return CameraMotion(previous=_matrix(trajectory.world_to_camera(time - dt)),
                        next=_matrix(trajectory.world_to_camera(time + dt)),
                        linear_velocity=_vec3(derivative(trajectory.eye, time)),
                        angular_velocity=_vec3(angular_velocity(trajectory.camera_to_world_rotation, time)))


__all__ = [
    "MOTION_STAGE",
    "CameraMotion",
    "ObjectPath",
    "camera_motion",
    "object_at",
    "object_motion",
    "sample_object_path",
]
