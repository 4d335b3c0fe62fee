"""Camera trajectories of a sequence (pure numpy): analytic poses at any time.

A :class:`CameraTrajectory` is sampled once per sequence (from the ``trajectory`` stream of the
sequence) and then evaluated at ``t / fps`` for every step, and at the neighbouring times for
the motion record, so a frame's pose depends only on the sequence and the time. The maths
shared with object motion lives here too: a Catmull-Rom :class:`Spline`, seeded
:class:`SmoothNoise`, rotation exponential/logarithm and velocities as derivatives of poses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from synthscape.recipe.sequence import (
    DEFAULT_LOOK_AT,
    DollyTrajectory,
    OrbitTrajectory,
    RandomWalkTrajectory,
    SequenceRecipe,
    ShakeRecipe,
    SplineTrajectory,
)
from synthscape.spec.camera import ViewDirectionError, euler_xyz_to_matrix, look_at
from synthscape.spec.draft import SamplingError

DERIVATIVE_STEP_S = 1e-4
"""Half-width of the central difference that gives velocities from poses, seconds."""
NOISE_SINUSOIDS = 4
"""Sinusoids summed per axis of :class:`SmoothNoise`."""

Position = Callable[[float], np.ndarray]


@dataclass(frozen=True)
class Spline:
    """A C1 cubic through ``points`` at ``times`` (Catmull-Rom tangents), linear beyond the ends."""

    times: np.ndarray
    """(K,) strictly increasing key times, seconds."""
    points: np.ndarray
    """(K, D) values at the keys."""

    def _tangents(self) -> np.ndarray:
        t, p = self.times, self.points
        if len(t) == 1:
            return np.zeros_like(p)
        m = np.empty_like(p)
        m[0] = (p[1] - p[0]) / (t[1] - t[0])
        m[-1] = (p[-1] - p[-2]) / (t[-1] - t[-2])
        m[1:-1] = (p[2:] - p[:-2]) / (t[2:] - t[:-2])[:, None]
        return m

    def __call__(self, time: float) -> np.ndarray:
        """The value at ``time`` (a key's value exactly at its time)."""
        t, p, m = self.times, self.points, self._tangents()
        if time <= t[0] or len(t) == 1:
            return p[0] + m[0] * (time - t[0])
        if time >= t[-1]:
            return p[-1] + m[-1] * (time - t[-1])
        k = int(np.searchsorted(t, time, side="right")) - 1
        span = t[k + 1] - t[k]
        u = (time - t[k]) / span
        h00, h10, h01, h11 = 2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u, -2 * u**3 + 3 * u**2, u**3 - u**2
        return h00 * p[k] + h10 * span * m[k] + h01 * p[k + 1] + h11 * span * m[k + 1]


@dataclass(frozen=True)
class SmoothNoise:
    """Seeded smooth noise: per axis a sum of sinusoids, standard deviation ``amplitudes``."""

    frequencies: np.ndarray
    """(D, M) frequency of each sinusoid, Hz."""
    phases: np.ndarray
    """(D, M) phase of each sinusoid, radians."""
    amplitudes: np.ndarray
    """(D,) standard deviation of each axis."""

    def __call__(self, time: float) -> np.ndarray:
        """(D,) the noise at ``time``."""
        waves = np.sin(2.0 * np.pi * self.frequencies * time + self.phases).sum(axis=1)
        return self.amplitudes * waves / math.sqrt(self.frequencies.shape[1] / 2.0)


def sample_noise(rng: np.random.Generator, amplitudes: Sequence[float], frequency: float) -> SmoothNoise:
    """Smooth noise whose sinusoids have frequencies in ``[0.5, 1.5] * frequency`` and random phases."""
    shape = (len(amplitudes), NOISE_SINUSOIDS)
    return SmoothNoise(frequencies=rng.uniform(0.5, 1.5, size=shape) * float(frequency),
                       phases=rng.uniform(0.0, 2.0 * np.pi, size=shape),
                       amplitudes=np.asarray(amplitudes, dtype=np.float64))


def rotation_exp(vector: np.ndarray) -> np.ndarray:
    """3x3 rotation of a rotation vector (axis * angle, radians), by Rodrigues' formula."""
    angle = float(np.linalg.norm(vector))
    if angle < 1e-15:
        return np.eye(3)
    x, y, z = np.asarray(vector, dtype=np.float64) / angle
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + math.sin(angle) * k + (1.0 - math.cos(angle)) * (k @ k)


def rotation_log(rotation: np.ndarray) -> np.ndarray:
    """The rotation vector (axis * angle, angle < pi) of a 3x3 rotation."""
    r = np.asarray(rotation, dtype=np.float64)
    w = 0.5 * np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    sine, cosine = float(np.linalg.norm(w)), (float(np.trace(r)) - 1.0) / 2.0
    if sine < 1e-15:
        return w
    return w * (math.atan2(sine, cosine) / sine)


def derivative(position: Position, time: float) -> np.ndarray:
    """The time derivative of ``position`` at ``time`` (central difference over ``DERIVATIVE_STEP_S``)."""
    h = DERIVATIVE_STEP_S
    return (position(time + h) - position(time - h)) / (2.0 * h)


def angular_velocity(body_to_world: Callable[[float], np.ndarray], time: float) -> np.ndarray:
    """World angular velocity (rad/s, axis * rate) of a rotating frame at ``time``."""
    h = DERIVATIVE_STEP_S
    return rotation_log(body_to_world(time + h) @ body_to_world(time - h).T) / (2.0 * h)


@dataclass(frozen=True)
class CameraTrajectory:
    """The main camera's pose over a sequence (the rig follows it rigidly)."""

    kind: str
    """``static``, ``orbit``, ``dolly``, ``spline`` or ``random_walk``."""
    position: Position
    """World position of the camera centre at a time (before shake)."""
    aim: Position | None
    """World point the camera looks at at a time; None keeps the orientation of :attr:`start`."""
    start: np.ndarray
    """4x4 world-to-camera transform of the sampled camera (its orientation is kept when :attr:`aim` is None)."""
    shake_position: tuple[SmoothNoise, ...] = ()
    """Position noises (summed), metres (world axes)."""
    shake_rotation: tuple[SmoothNoise, ...] = ()
    """View jitters (summed), radians (XYZ Euler angles in camera axes)."""

    def eye(self, time: float) -> np.ndarray:
        """World position of the camera centre at ``time``."""
        eye = np.asarray(self.position(time), dtype=np.float64)
        return eye + sum(noise(time) for noise in self.shake_position) if self.shake_position else eye

    def world_to_camera(self, time: float) -> np.ndarray:
        """4x4 OpenCV world-to-camera transform at ``time``.

        Raises:
            SamplingError: the camera reaches the point it looks at.
        """
        if self.kind == "static" and self.aim is None and not self.shake_position and not self.shake_rotation:
            return self.start.copy()  # exactly the sampled pose
        eye = self.eye(time)
        rotation = self.start[:3, :3]
        if self.aim is not None:
            try:
                rotation = look_at(eye, self.aim(time), key="sequence.camera.look_at")[:3, :3]
            except ViewDirectionError as error:
                raise SamplingError(f"at t = {time:.4f} s: {error}") from None
        if self.shake_rotation:
            jitter = sum(noise(time) for noise in self.shake_rotation)
            rotation = euler_xyz_to_matrix(tuple(float(a) for a in jitter)) @ rotation
        out = np.eye(4)
        out[:3, :3] = rotation
        out[:3, 3] = -rotation @ eye
        return out

    def camera_to_world_rotation(self, time: float) -> np.ndarray:
        """3x3 rotation of the camera frame into the world at ``time``."""
        return self.world_to_camera(time)[:3, :3].T


def _orbit(recipe: OrbitTrajectory, rng: np.random.Generator, eye0: np.ndarray, target: np.ndarray) -> Position:
    speed = math.radians(float(recipe.angular_speed.sample(rng)))
    direction = recipe.direction if recipe.direction != "random" else ("ccw" if rng.random() < 0.5 else "cw")
    rate = speed if direction == "ccw" else -speed
    offset = eye0 - target
    radius, azimuth0 = math.hypot(offset[0], offset[1]), math.atan2(offset[1], offset[0])

    def position(time: float) -> np.ndarray:
        azimuth = azimuth0 + rate * time
        return target + np.array([radius * math.cos(azimuth), radius * math.sin(azimuth), offset[2]])
    return position


def _dolly(recipe: DollyTrajectory, rng: np.random.Generator, eye0: np.ndarray, forward: np.ndarray) -> Position:
    if recipe.velocity is not None:
        velocity = np.asarray(recipe.velocity.sample(rng), dtype=np.float64)
    else:
        speed = float(recipe.speed.sample(rng))
        direction = np.asarray(recipe.direction.sample(rng), dtype=np.float64) if recipe.direction else forward
        norm = float(np.linalg.norm(direction))
        if norm < 1e-12:
            raise SamplingError("sequence.camera.direction: the sampled direction is zero; give a non-zero vector")
        velocity = speed * direction / norm
    return lambda time: eye0 + velocity * time


def _spline(recipe: SplineTrajectory, rng: np.random.Generator, eye0: np.ndarray, duration: float) -> Spline:
    points = [eye0]
    if recipe.waypoints:
        points += [np.asarray(w.sample(rng), dtype=np.float64) for w in recipe.waypoints]
    else:
        for _ in range(int(recipe.count.sample(rng)) - 1):
            points.append(points[-1] + np.asarray(recipe.step.sample(rng), dtype=np.float64))
    span = float(recipe.duration_s.sample(rng)) if recipe.duration_s is not None else duration
    return Spline(times=np.linspace(0.0, span, len(points)), points=np.stack(points))


def _shake(shake: ShakeRecipe | RandomWalkTrajectory, rng: np.random.Generator) -> tuple[SmoothNoise, SmoothNoise]:
    frequency = float(shake.frequency.sample(rng))
    position = sample_noise(rng, [float(a) for a in shake.amplitude.sample(rng)], frequency)
    rotation = sample_noise(rng, [math.radians(float(shake.rotation.sample(rng)))] * 3, frequency)
    return position, rotation


def sample_trajectory(recipe: SequenceRecipe, rng: np.random.Generator, world_to_camera: np.ndarray,
                      target: np.ndarray, aim: Position | None) -> CameraTrajectory:
    """Draw the sequence's camera trajectory around the sampled camera.

    Args:
        recipe: the ``sequence:`` section.
        rng: the sequence's ``trajectory`` stream.
        world_to_camera: 4x4 pose of the sampled (layout) camera: the pose at t = 0.
        target: the camera target (orbit centre).
        aim: where the camera looks at a time (None: a fixed orientation).
    """
    trajectory = recipe.camera
    rotation0 = np.asarray(world_to_camera, dtype=np.float64)[:3, :3]
    eye0 = -rotation0.T @ np.asarray(world_to_camera, dtype=np.float64)[:3, 3]
    duration = max(recipe.frames - 1, 1) / recipe.fps
    position: Position = lambda time: eye0
    shakes: list[tuple[SmoothNoise, SmoothNoise]] = []
    if isinstance(trajectory, OrbitTrajectory):
        position = _orbit(trajectory, rng, eye0, np.asarray(target, dtype=np.float64))
    elif isinstance(trajectory, DollyTrajectory):
        position = _dolly(trajectory, rng, eye0, rotation0[2])
    elif isinstance(trajectory, SplineTrajectory):
        position = _spline(trajectory, rng, eye0, duration)
    elif isinstance(trajectory, RandomWalkTrajectory):
        shakes.append(_shake(trajectory, rng))
    if trajectory.shake is not None:
        shakes.append(_shake(trajectory.shake, rng))
    return CameraTrajectory(kind=trajectory.trajectory, position=position, aim=aim,
                            start=np.asarray(world_to_camera, dtype=np.float64),
                            shake_position=tuple(s[0] for s in shakes), shake_rotation=tuple(s[1] for s in shakes))


def look_at_choice(recipe: SequenceRecipe) -> str | int:
    """The trajectory's ``look_at``, or its default (``target`` or ``fixed``)."""
    chosen = recipe.camera.look_at
    return DEFAULT_LOOK_AT[recipe.camera.trajectory] if chosen is None else chosen


__all__ = [
    "DERIVATIVE_STEP_S",
    "CameraTrajectory",
    "SmoothNoise",
    "Spline",
    "angular_velocity",
    "derivative",
    "look_at_choice",
    "rotation_exp",
    "rotation_log",
    "sample_noise",
    "sample_trajectory",
]
