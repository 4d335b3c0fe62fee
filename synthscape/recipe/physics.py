"""The ``physics:`` and ``supports:`` recipe sections (physics placement: objects dropped and settled).

Groups with ``placement: physics`` are dropped from sampled poses into a support (a bin, a
tray, onto a table or a shelf) or onto the ground, simulated with Blender's rigid body world
(Bullet) until every body rests, and their settled poses are what every writer sees. The
settings here are the simulation's; the per-group keys (``collision``, ``on_failure``) live on
``objects[i]``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from synthscape.recipe.fields import Number, Vector

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                     allow_inf_nan=False)

CollisionShape = Literal["convex_hull", "decomposition", "mesh", "box"]
"""How a dynamic object collides: its convex hull, a convex decomposition (CoACD pieces, for
concave shapes such as mugs), its triangle mesh, or its bounding box."""

PhysicsFailure = Literal["redrop", "remove", "error"]

SupportKind = Literal["bin", "tray", "table", "shelf"]

SUPPORT_DEFAULTS: dict[str, dict[str, float]] = {
    "bin": {"wall_height": 0.2, "wall_thickness": 0.01, "height": 0.0},
    "tray": {"wall_height": 0.04, "wall_thickness": 0.008, "height": 0.0},
    "table": {"wall_height": 0.0, "wall_thickness": 0.03, "height": 0.75},
    "shelf": {"wall_height": 0.0, "wall_thickness": 0.02, "height": 1.2},
}
"""Each kind's default wall height, wall (or board) thickness and height (table top, shelf), metres."""


class PhysicsRecipe(BaseModel):
    """Rigid body simulation of ``placement: physics`` groups (Blender's Bullet), and the checks after it."""

    model_config = _CONFIG

    gravity: float = Field(default=9.81, gt=0, le=100)
    """Gravitational acceleration along -z, m/s^2."""
    fps: int = Field(default=60, ge=10, le=1000)
    """Simulation frames per simulated second; speeds are measured once per frame."""
    substeps: int = Field(default=10, ge=1, le=100)
    """Bullet steps per frame (more: thin walls and small objects stay robust)."""
    solver_iterations: int = Field(default=20, ge=1, le=1000)
    """Constraint solver iterations per step."""
    linear_speed: float = Field(default=0.01, gt=0)
    """A body is at rest below this linear speed, m/s (absolute, whatever the object's size)."""
    angular_speed: float = Field(default=0.1, gt=0)
    """A body is at rest below this angular speed, rad/s."""
    rest_time: float = Field(default=0.25, ge=0)
    """Every body must stay below both speeds this long, simulated seconds, for the frame to count as settled."""
    speed_interval: float = Field(default=0.1, gt=0, le=2)
    """Speeds are finite differences of the poses this many simulated seconds apart (at least one frame):
    Bullet's contact jitter of a few frames averages out, a body that keeps moving does not."""
    time_cap: float = Field(default=6.0, gt=0, le=600)
    """Longest simulation per attempt, simulated seconds; a frame that hits it is recorded as not
    settled (``physics.capped`` in ``meta/``) and checked like any other."""
    drop_height: Number(ge=0) = {"uniform": [0.05, 0.3]}
    """Height of the lowest point of a dropped object above its support surface, metres (drawn per
    object); objects that would start overlapping are stacked higher."""
    penetration_tolerance: float = Field(default=0.002, ge=0)
    """After settling, no two objects may interpenetrate deeper than this, metres."""
    contact_tolerance: float = Field(default=0.005, gt=0)
    """After settling, every object must be this close to a support, the ground or another object, metres
    (else it floats)."""
    collision_margin: float = Field(default=0.001, ge=0, le=0.1)
    """Bullet's collision margin, metres (Blender's default 4 cm would leave objects hovering)."""
    max_redrops: int = Field(default=3, ge=0, le=100)
    """Re-drops of an object that fails the checks (``on_failure: redrop``) before it is removed with a warning."""
    friction: float = Field(default=0.5, ge=0, le=10)
    """Friction of every body and support."""
    restitution: float = Field(default=0.0, ge=0, le=1)
    """Bounciness of every body and support."""
    linear_damping: float = Field(default=0.1, ge=0, le=1)
    """Fraction of a body's linear velocity lost per second (air drag)."""
    angular_damping: float = Field(default=0.3, ge=0, le=1)
    """Fraction of a body's angular velocity lost per second. Round bodies (cans, bottles) need no more
    to come to rest: they collide as a faceted hull (``objects[i].collision``) that rests on a face."""


class SupportShapeRecipe(BaseModel):
    """A support: a bin or tray (floor and four walls), a table (top and legs) or a shelf (boards in a frame)."""

    model_config = _CONFIG

    kind: SupportKind = "bin"
    """``bin``, ``tray`` (a bin with low walls), ``table`` or ``shelf``."""
    size: Vector(2, ge=0) = [0.6, 0.4]
    """Outer extent (x, y) in metres, before ``yaw``."""
    wall_height: Number(ge=0) | None = None
    """Bin/tray wall height above its floor, metres (default: bin 0.2, tray 0.04)."""
    wall_thickness: Number(gt=0) | None = None
    """Wall and floor thickness (bin, tray) or board thickness (table, shelf), metres (default 1 cm, 8 mm, 3 cm, 2 cm)."""
    height: Number(ge=0) | None = None
    """Table: height of the top surface; shelf: total height, metres (default 0.75, 1.2)."""
    levels: int = Field(default=3, ge=1, le=20)
    """Shelf boards (evenly spaced, the lowest on the ground); objects are dropped onto a random board."""
    location: Vector(3) = [0.0, 0.0, 0.0]
    """Centre of the support's base (x, y) and the height of its bottom (z), metres."""
    yaw: Number() = 0.0
    """Rotation about the vertical, degrees."""

    @model_validator(mode="after")
    def _fits(self) -> SupportShapeRecipe:
        if self.kind not in ("bin", "tray"):
            return self
        thickness = SUPPORT_DEFAULTS[self.kind]["wall_thickness"] if self.wall_thickness is None \
            else self.wall_thickness.bounds()[1]
        sizes = self.size.components if self.size.components is not None else ()
        narrowest = min((c.bounds()[0] for c in sizes), default=None)
        if narrowest is not None and narrowest <= 2 * thickness:
            raise ValueError(f"size must be larger than twice wall_thickness ({thickness} m) to leave room inside")
        return self


def mesh_watertight_problem(path: str) -> str | None:
    """Why the mesh file cannot be decomposed into convex pieces (None: it can).

    CoACD (``collision: decomposition``) cuts the solid a surface encloses, so it needs a
    closed 2-manifold; on an open or non-manifold surface it would first remesh it at voxel
    resolution, and the pieces would no longer match the rendered mesh (objects would hover
    or sink into each other). Such a mesh is refused instead.
    """
    from synthscape.assets.mesh_info import mesh_info

    try:
        info = mesh_info(path)
    except (OSError, ValueError) as error:
        return f"cannot be read ({error})"
    if not info.watertight:
        return ("is not a closed 2-manifold (watertight) mesh; collision: decomposition (CoACD) needs one. "
                "Close the mesh's holes and fix non-manifold edges, or use collision: convex_hull, mesh or box")
    return None
