"""The ``sequence:`` recipe section (camera trajectories) and ``objects[].motion`` (object motion).

A recipe with ``sequence: {frames: N, fps: F}`` renders S sequences of N frames: every sequence is
one sampled scene (objects, materials, lights, world), seen at the times ``t / F`` (t = 0..N-1)
while the camera follows its trajectory and the objects their motion. Every number takes a
constant or a distribution, drawn once per sequence (per object for object motion).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from synthscape.recipe.fields import Integer, Number, Vector
from synthscape.recipe.physics_motion import PhysicsMotionRecipe

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                     allow_inf_nan=False)

LookAt = str | int | None
"""``target``, ``fixed``, a category name or an instance id (None: the trajectory's default)."""


class ShakeRecipe(BaseModel):
    """Handheld shake: seeded smooth noise (a sum of sinusoids) on the camera position and view direction."""

    model_config = _CONFIG

    amplitude: Vector(3, ge=0) = [0.01, 0.01, 0.01]
    """Standard deviation of the position noise along world x, y, z, metres."""
    frequency: Number(gt=0, le=1000) = 1.5
    """Typical frequency of the noise, Hz (each sinusoid's frequency is drawn in [0.5, 1.5] times it)."""
    rotation: Number(ge=0, le=45) = 0.3
    """Standard deviation of the view-direction jitter about each camera axis, degrees."""


class _TrajectoryBase(BaseModel):
    """What every camera trajectory has: where it looks, and an optional shake."""

    model_config = _CONFIG

    look_at: LookAt = None
    """Where the camera aims while it moves: ``target`` (the point the sampled camera looks at: ``camera.target``
    plus its ``target_jitter``), ``fixed`` (keeps its first orientation), a category name (that category's first object, followed as it moves) or an
    instance id. Default: ``target`` for ``orbit`` and ``spline``, ``fixed`` otherwise."""
    shake: ShakeRecipe | None = None
    """Handheld shake added on top of the trajectory (``random_walk`` is a shake on a still camera)."""


class StaticTrajectory(_TrajectoryBase):
    """The camera stays at its sampled pose (objects may still move)."""

    trajectory: Literal["static"] = "static"
    """Selects this entry: write ``trajectory: static``."""


class OrbitTrajectory(_TrajectoryBase):
    """The camera circles the camera target about the vertical, keeping its sampled radius and height."""

    trajectory: Literal["orbit"]
    """Selects this entry: write ``trajectory: orbit``."""
    angular_speed: Number(ge=0, le=36000) = 30.0
    """Angular speed about the target's vertical axis, degrees per second."""
    direction: Literal["ccw", "cw", "random"] = "ccw"
    """``ccw``: counter-clockwise seen from above (increasing azimuth), ``cw``: clockwise, ``random``: either."""


class DollyTrajectory(_TrajectoryBase):
    """The camera moves along a straight line at a constant velocity."""

    trajectory: Literal["dolly"]
    """Selects this entry: write ``trajectory: dolly``."""
    velocity: Vector(3) | None = None
    """World velocity, m/s. Give this, or ``speed`` with an optional ``direction``."""
    speed: Number(ge=0, le=1000) = 0.5
    """Speed, m/s, along ``direction``."""
    direction: Vector(3) | None = None
    """World direction of travel (normalized; default: the camera's first viewing direction)."""

    @model_validator(mode="after")
    def _velocity_or_direction(self) -> DollyTrajectory:
        if self.velocity is not None and self.direction is not None:
            raise ValueError("give either 'velocity' or 'speed' with 'direction', not both")
        return self


class SplineTrajectory(_TrajectoryBase):
    """The camera passes through waypoints along a Catmull-Rom spline (C1 cubic through every waypoint).

    Waypoint 0 is the camera's sampled position; the others are ``waypoints`` (world positions) or,
    without them, ``count - 1`` random ``step`` offsets, each from the previous waypoint. The
    waypoints are reached at equal time intervals over ``duration_s``.
    """

    trajectory: Literal["spline"]
    """Selects this entry: write ``trajectory: spline``."""
    waypoints: list[Vector(3)] = []
    """World positions after the first (each may hold distributions)."""
    count: Integer(ge=2, le=64) = 4
    """Waypoints in all when ``waypoints`` is empty."""
    step: Vector(3) = [{"uniform": [-0.5, 0.5]}, {"uniform": [-0.5, 0.5]}, {"uniform": [-0.2, 0.2]}]
    """Offset of each waypoint from the previous one, metres (drawn per waypoint)."""
    duration_s: Number(gt=0) | None = None
    """Time from the first waypoint to the last, seconds (default: the sequence, ``(frames - 1) / fps``)."""


class RandomWalkTrajectory(_TrajectoryBase):
    """The camera drifts around its sampled pose: smooth seeded noise (a handheld camera)."""

    trajectory: Literal["random_walk"]
    """Selects this entry: write ``trajectory: random_walk``."""
    amplitude: Vector(3, ge=0) = [0.05, 0.05, 0.05]
    """Standard deviation of the drift along world x, y, z, metres."""
    frequency: Number(gt=0, le=1000) = 0.5
    """Typical frequency of the drift, Hz."""
    rotation: Number(ge=0, le=45) = 1.0
    """Standard deviation of the view-direction drift about each camera axis, degrees."""


CameraTrajectoryRecipe = StaticTrajectory | OrbitTrajectory | DollyTrajectory | SplineTrajectory | RandomWalkTrajectory
"""The camera trajectories, told apart by their ``trajectory`` key."""

DEFAULT_LOOK_AT = {"static": "fixed", "orbit": "target", "dolly": "fixed", "spline": "target",
                   "random_walk": "fixed"}
"""Where each trajectory aims when ``look_at`` is not given."""


class SequenceRecipe(BaseModel):
    """Sequences: the dataset becomes S sequences of ``frames`` frames; each is one sampled scene."""

    model_config = _CONFIG

    frames: int = Field(ge=1, le=1_000_000)
    """Frames per sequence (N); the dataset's ``frames`` must be a multiple of it."""
    fps: float = Field(default=10.0, gt=0, le=10000)
    """Frames per second: step t of a sequence is at ``t / fps`` seconds."""
    camera: CameraTrajectoryRecipe = Field(default=StaticTrajectory(), discriminator="trajectory")
    """The camera (rig) trajectory: ``trajectory: static|orbit|dolly|spline|random_walk`` and its parameters."""


class PathKeyRecipe(BaseModel):
    """One key of an object's path: an offset from its sampled pose at a time."""

    model_config = _CONFIG

    t: float = Field(ge=0)
    """Time of the key within the sequence, seconds."""
    location: Vector(3) = [0.0, 0.0, 0.0]
    """Offset from the object's sampled position, metres (world axes)."""
    rotation: Vector(3) = [0.0, 0.0, 0.0]
    """Offset added to the object's sampled XYZ Euler rotation, degrees."""


class ObjectMotionRecipe(BaseModel):
    """How the objects of a group move during a sequence (drawn per object; needs a ``sequence:``)."""

    model_config = _CONFIG

    linear_velocity: Vector(3) = [0.0, 0.0, 0.0]
    """Constant world velocity of the object's origin, m/s."""
    angular_velocity: Vector(3) = [0.0, 0.0, 0.0]
    """Constant world angular velocity (axis times rate), degrees per second."""
    path: list[PathKeyRecipe] = []
    """Keyframed offsets, interpolated by a Catmull-Rom spline (held linearly beyond the last key)
    and added to the constant velocities; keys in increasing ``t``."""
    physics: PhysicsMotionRecipe | None = None
    """A toss, for a ``placement: physics`` group: ``{linear_velocity, angular_velocity}`` at t = 0 (m/s,
    degrees per second), then simulated in the rigid body world and recorded per frame. Excludes the
    analytic ``linear_velocity``, ``angular_velocity`` and ``path`` above."""

    @model_validator(mode="after")
    def _increasing_keys(self) -> ObjectMotionRecipe:
        times = [key.t for key in self.path]
        if any(b <= a for a, b in pairwise(times)):
            raise ValueError(f"path keys need strictly increasing t; got {times}")
        analytic = sorted({"linear_velocity", "angular_velocity", "path"} & self.model_fields_set)
        if self.physics is not None and analytic:
            raise ValueError(f"motion.physics (a simulated toss) excludes motion.{analytic[0]} (an analytic motion); "
                             "give the toss's velocities inside physics: {linear_velocity, angular_velocity}")
        return self


__all__ = [
    "DEFAULT_LOOK_AT",
    "CameraTrajectoryRecipe",
    "DollyTrajectory",
    "ObjectMotionRecipe",
    "OrbitTrajectory",
    "PathKeyRecipe",
    "RandomWalkTrajectory",
    "SequenceRecipe",
    "ShakeRecipe",
    "SplineTrajectory",
    "StaticTrajectory",
]
