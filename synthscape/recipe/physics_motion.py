"""``objects[].motion.physics``: objects tossed into the rigid body world of a sequence.

A group with ``placement: physics`` in a recipe with a ``sequence:`` may be tossed instead of
settled: each object starts at its drop pose at t = 0 with an initial linear and angular
velocity (drawn per object), flies, lands and tumbles in Blender's rigid body world, and its
simulated pose is recorded at every frame of the sequence (``spec.motion``, ``meta/``, flow).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from synthscape.recipe.fields import Vector

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                     allow_inf_nan=False)


class PhysicsMotionRecipe(BaseModel):
    """A toss: the initial velocities of each object of a ``placement: physics`` group at t = 0 of its sequence.

    The object starts at its drop pose (above its support, see ``physics.drop_height``) with these
    velocities, then only gravity and contacts act on it (Blender's rigid body world, the
    ``physics:`` settings); its pose is recorded at every frame. Groups of the same recipe placed by
    physics without a toss are settled first (once per sequence) and are fixed obstacles of the toss.
    """

    model_config = _CONFIG

    linear_velocity: Vector(3) = [0.0, 0.0, 0.0]
    """Initial world velocity of the object's origin at t = 0, m/s (drawn per object)."""
    angular_velocity: Vector(3) = [0.0, 0.0, 0.0]
    """Initial world angular velocity (axis times rate) at t = 0, degrees per second (drawn per object)."""


__all__ = ["PhysicsMotionRecipe"]
