"""Placing objects on the ground plane so that their footprints do not overlap."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Footprint:
    """A placed object's footprint: a circle that bounds it for every yaw."""

    x: float
    y: float
    radius: float


def footprint_radius(bbox_min: tuple[float, ...], bbox_max: tuple[float, ...],
                     scale: tuple[float, ...]) -> float:
    """Radius of the circle, centred on the origin, that holds the scaled shape's xy extent."""
    half_x = max(abs(bbox_min[0]), abs(bbox_max[0])) * scale[0]
    half_y = max(abs(bbox_min[1]), abs(bbox_max[1])) * scale[1]
    return math.hypot(half_x, half_y)


def place_footprint(rng: np.random.Generator, radius: float, area: tuple[float, float],
                    placed: list[Footprint], min_gap: float, max_tries: int,
                    center: tuple[float, float] = (0.0, 0.0)) -> Footprint | None:
    """Draw a centre in the ``area`` rectangle around ``center`` whose circle clears ``placed``.

    Returns None when no position is found in ``max_tries`` attempts. Always draws
    ``2 * max_tries`` numbers at most, never more.
    """
    half_x = max(area[0] / 2.0 - radius, 0.0)
    half_y = max(area[1] / 2.0 - radius, 0.0)
    for _ in range(max_tries):
        x = center[0] + float(rng.uniform(-half_x, half_x))
        y = center[1] + float(rng.uniform(-half_y, half_y))
        if all(math.hypot(x - p.x, y - p.y) >= radius + p.radius + min_gap for p in placed):
            return Footprint(x, y, radius)
    return None
