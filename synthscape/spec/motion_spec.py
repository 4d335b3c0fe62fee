"""Motion around a sequence frame: the poses one frame before and after, and velocities.

Part of the scene spec (:attr:`synthscape.spec.scene_spec.SceneSpec.motion`, re-exported there);
None for stills.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Vec3 = tuple[float, float, float]
Matrix = tuple[tuple[float, ...], ...]


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


@dataclass(frozen=True)
class PoseSpec:
    """An object's pose at one instant: world location (m) and XYZ Euler rotation (rad)."""

    location: Vec3
    rotation: Vec3


@dataclass(frozen=True)
class ObjectMotionSpec:
    """One object's motion around the frame time (a sequence frame)."""

    instance_id: int
    previous: PoseSpec
    """Pose one frame earlier (``time_s - 1/fps``)."""
    next: PoseSpec
    """Pose one frame later (``time_s + 1/fps``)."""
    linear_velocity: Vec3 = (0.0, 0.0, 0.0)
    """World velocity of the origin at the frame time, m/s."""
    angular_velocity: Vec3 = (0.0, 0.0, 0.0)
    """World angular velocity at the frame time, rad/s (axis * rate)."""


@dataclass(frozen=True)
class MotionSpec:
    """Where the rig and the objects are one frame before and after this one.

    The Blender layer keys these poses at the neighbouring frames, so Cycles' vector pass
    gives the optical flow to the previous and the next frame; writers take velocities from
    here. The current poses are the spec's own (``camera``, ``objects``).
    """

    dt_s: float
    """Seconds between frames (1 / fps)."""
    camera_previous: Matrix
    """The main camera's 4x4 ``world_to_camera`` one frame earlier (the rig moves rigidly)."""
    camera_next: Matrix
    """The main camera's 4x4 ``world_to_camera`` one frame later."""
    objects: tuple[ObjectMotionSpec, ...] = ()
    """Every object that moves (an object not listed stands still)."""
    camera_linear_velocity: Vec3 = (0.0, 0.0, 0.0)
    """World velocity of the main camera at the frame time, m/s."""
    camera_angular_velocity: Vec3 = (0.0, 0.0, 0.0)
    """World angular velocity of the main camera, rad/s."""


def _pose_from_dict(data: dict[str, Any]) -> PoseSpec:
    return PoseSpec(location=_tuples(data["location"]), rotation=_tuples(data["rotation"]))


def motion_from_dict(data: dict[str, Any]) -> MotionSpec:
    """Rebuild a :class:`MotionSpec` from its ``spec_to_dict`` form."""
    objects = tuple(ObjectMotionSpec(instance_id=int(o["instance_id"]), previous=_pose_from_dict(o["previous"]),
                                     next=_pose_from_dict(o["next"]), linear_velocity=_tuples(o["linear_velocity"]),
                                     angular_velocity=_tuples(o["angular_velocity"]))
                    for o in data.get("objects", ()))
    return MotionSpec(dt_s=float(data["dt_s"]), camera_previous=_tuples(data["camera_previous"]),
                      camera_next=_tuples(data["camera_next"]), objects=objects,
                      camera_linear_velocity=_tuples(data.get("camera_linear_velocity", (0.0, 0.0, 0.0))),
                      camera_angular_velocity=_tuples(data.get("camera_angular_velocity", (0.0, 0.0, 0.0))))
