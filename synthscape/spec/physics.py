"""The spec of a physics frame: simulation settings, which objects are dropped, and what settling did.

:class:`PhysicsSpec` is filled in two steps: the sampler sets the settings and the bodies (the
drop poses are the objects' own ``location``/``rotation``); the Blender layer's settle step
returns a new spec whose objects hold the settled poses and whose ``physics.result`` records the
simulated time, the steps, and what was re-dropped or removed (the wall time is logged, not kept:
a spec is a pure function of the recipe, seed and frame). ``meta/`` records both.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BodySpec:
    """One dynamic (dropped) object."""

    instance_id: int
    on_failure: str = "redrop"
    """``redrop``, ``remove`` or ``error`` (the group's ``on_failure``)."""
    support: int = -1
    """Index of the support it was dropped into/onto; -1: the ground area."""
    drop_height: float = 0.1
    """Height of its lowest point above the surface at the drop, metres (re-drops reuse it)."""
    group: str = ""
    """Its group's recipe key (``objects[2]``), for messages."""
    linear_velocity: tuple[float, float, float] | None = None
    """A tossed body (``motion.physics``, sequences): its world velocity at t = 0, m/s; it is simulated
    over the sequence and recorded per frame instead of settled. None: settled at rest."""
    angular_velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """A tossed body's world angular velocity at t = 0 (axis times rate), rad/s."""

    @property
    def tossed(self) -> bool:
        """True for a body tossed over a sequence (recorded per frame), False for one settled at rest."""
        return self.linear_velocity is not None


@dataclass(frozen=True)
class PhysicsResult:
    """What settling did."""

    settled: bool
    """Every body stayed below the speed thresholds for ``rest_time`` (else the time cap was hit)."""
    sim_time_s: float
    """Simulated seconds of the last attempt."""
    steps: int
    """Simulation frames of every attempt together."""
    attempts: int = 1
    redropped: tuple[int, ...] = ()
    """Instance ids re-dropped at least once."""
    removed: tuple[int, ...] = ()
    """Instance ids removed because they failed the checks."""
    max_penetration_m: float = 0.0
    """Deepest interpenetration between two objects after settling, metres."""


@dataclass(frozen=True)
class PhysicsSpec:
    """Simulation settings (the recipe's ``physics:``) and the dropped bodies of one frame."""

    gravity: float = 9.81
    fps: int = 60
    substeps: int = 10
    solver_iterations: int = 20
    linear_speed: float = 0.01
    """m/s."""
    angular_speed: float = 0.1
    """rad/s."""
    rest_time: float = 0.25
    """Simulated seconds every body must stay below both speeds."""
    speed_interval: float = 0.1
    """Speeds are pose changes over this many simulated seconds, divided by it."""
    time_cap: float = 6.0
    """Simulated seconds per attempt, at most."""
    penetration_tolerance: float = 0.002
    contact_tolerance: float = 0.005
    collision_margin: float = 0.001
    max_redrops: int = 3
    friction: float = 0.5
    restitution: float = 0.0
    linear_damping: float = 0.1
    angular_damping: float = 0.3
    bodies: tuple[BodySpec, ...] = ()
    ground_area: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    """Centre (x, y) and extent (x, y) of the ground rectangle bodies without a support drop onto."""
    result: PhysicsResult | None = None
    """After settling; None in a spec that has not been settled."""

    def body(self, instance_id: int) -> BodySpec | None:
        """The body of an object, or None when it is not dynamic."""
        return next((b for b in self.bodies if b.instance_id == instance_id), None)


def physics_from_dict(data: dict[str, Any]) -> PhysicsSpec:
    """Rebuild a :class:`PhysicsSpec` from its ``spec_to_dict`` form."""
    data = dict(data)
    bodies = tuple(_body_from_dict(b) for b in data.pop("bodies", ()))
    result = data.pop("result", None)
    if result is not None:
        result = {k: v for k, v in result.items() if k != "wall_s"}  # older metas recorded the wall time
        result["redropped"] = tuple(result.get("redropped", ()))
        result["removed"] = tuple(result.get("removed", ()))
        result = PhysicsResult(**result)
    names = {f.name for f in dataclasses.fields(PhysicsSpec)}
    settings = {k: v for k, v in data.items() if k in names}
    settings["ground_area"] = tuple(settings.get("ground_area", (0.0, 0.0, 1.0, 1.0)))
    return PhysicsSpec(**settings, bodies=bodies, result=result)


def _body_from_dict(data: dict[str, Any]) -> BodySpec:
    data = dict(data)
    if data.get("linear_velocity") is not None:
        data["linear_velocity"] = tuple(float(v) for v in data["linear_velocity"])
    if "angular_velocity" in data:
        data["angular_velocity"] = tuple(float(v) for v in data["angular_velocity"])
    return BodySpec(**data)
