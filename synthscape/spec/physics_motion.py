"""Tossed bodies in the sampler (``objects[].motion.physics``) and the layout stream of a physics frame.

A tossed object's initial velocities are drawn from its own stream ``draft.rng("toss",
instance_id)`` (the sequence's stream: the layout is sampled with the sequence index), after its
drop pose, and recorded on its :class:`~synthscape.spec.physics.BodySpec`; the Blender layer
simulates the toss (:mod:`synthscape.blender.physics_motion`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthscape.recipe.schema import ObjectGroupRecipe
from synthscape.spec.draft import FrameDraft
from synthscape.spec.scene_spec import SceneSpec

TOSS_STAGE = "toss"
"""The seed stream of a tossed object's initial velocities: ``("toss", instance_id)``."""


def toss_velocities(draft: FrameDraft, group: ObjectGroupRecipe, instance_id: int) -> dict[str, Any]:
    """``BodySpec`` fields of a tossed object (``linear_velocity`` m/s, ``angular_velocity`` rad/s);
    ``{}`` for a group without ``motion.physics`` (settled at rest)."""
    toss = group.motion.physics if group.motion is not None else None
    if toss is None:
        return {}
    rng = draft.rng(TOSS_STAGE, instance_id)
    linear = np.asarray(toss.linear_velocity.sample(rng), dtype=np.float64)
    angular = np.asarray(toss.angular_velocity.sample(rng), dtype=np.float64)
    return {"linear_velocity": tuple(float(v) for v in linear),
            "angular_velocity": tuple(math.radians(float(v)) for v in angular)}


def layout_index(spec: SceneSpec) -> int:
    """The index the frame's layout streams use: the sequence in a sequence, else the frame.

    Everything that decides where the settled bodies rest (re-drops included) draws with it, so
    every step of a sequence has the same settled layout.
    """
    clock = spec.clock
    return clock.sequence if clock is not None and clock.fps > 0 else spec.frame_index


__all__ = ["TOSS_STAGE", "layout_index", "toss_velocities"]
