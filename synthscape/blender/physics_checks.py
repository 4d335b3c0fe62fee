"""Checks after settling: no two objects interpenetrate, every object rests, nothing is below the ground.

Every object is a closed triangle mesh in world coordinates (its rendered mesh at the settled
pose). Penetration depth is measured from points on one surface (its vertices and an
area-weighted sample of its triangles) that lie inside the other: the distance from such a
point to the other surface (``mathutils.bvhtree.BVHTree.find_nearest``; a point is inside when
it lies behind the nearest face, :data:`INSIDE_COSINE`). An object rests when some point of it is within the contact
tolerance of a support, the ground (z = 0) or another object.
"""

from __future__ import annotations

from dataclasses import dataclass

import bpy  # noqa: F401  (makes the bundled mathutils importable)
import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

INSIDE_COSINE = 0.3
"""A point is inside a mesh when it lies behind the nearest face by this fraction of its distance
(a point beside a face, in its plane, is not inside; one behind an edge or corner still is)."""
SURFACE_SAMPLES = 600
"""Surface points per object besides its vertices (fixed seed: the checks are deterministic)."""


@dataclass
class Body:
    """One mesh in world coordinates: an object (``instance_id`` >= 1) or a passive part (0)."""

    instance_id: int
    vertices: np.ndarray
    """(V, 3) float64 world coordinates."""
    triangles: np.ndarray
    """(T, 3) int indices."""
    dynamic: bool = True
    label: str = ""
    """How messages name it (``object 3``, ``distractor 1``, ``a support``); default from the id."""

    def __post_init__(self) -> None:
        self.label = self.label or (f"object {self.instance_id}" if self.instance_id else "a support")
        self.low = self.vertices.min(axis=0)
        self.high = self.vertices.max(axis=0)
        self.tree = BVHTree.FromPolygons([tuple(v) for v in self.vertices.tolist()],
                                         [tuple(t) for t in self.triangles.tolist()], epsilon=0.0)
        self.points = surface_points(self.vertices, self.triangles)


@dataclass(frozen=True)
class CheckResult:
    """What failed: instance id -> reason, and the deepest penetration between two objects, metres."""

    failures: dict[int, str]
    max_penetration: float


def surface_points(vertices: np.ndarray, triangles: np.ndarray, count: int = SURFACE_SAMPLES) -> np.ndarray:
    """The vertices plus ``count`` area-weighted points on the triangles (seed 0)."""
    corners = vertices[triangles]
    areas = 0.5 * np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1)
    if len(triangles) == 0 or areas.sum() <= 0:
        return vertices
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(triangles), size=count, p=areas / areas.sum())
    a, b = rng.random(count), rng.random(count)
    flip = a + b > 1
    a[flip], b[flip] = 1 - a[flip], 1 - b[flip]
    tri = corners[chosen]
    samples = tri[:, 0] + a[:, None] * (tri[:, 1] - tri[:, 0]) + b[:, None] * (tri[:, 2] - tri[:, 0])
    return np.concatenate([vertices, samples])


def _near(a: Body, b: Body, margin: float) -> bool:
    return bool(np.all(a.low <= b.high + margin) and np.all(b.low <= a.high + margin))


def penetration_depth(points: np.ndarray, into: Body) -> float:
    """Deepest of ``points`` inside the closed mesh ``into`` (distance to its surface), 0 when none is inside."""
    deepest = 0.0
    inside_box = np.all((points >= into.low) & (points <= into.high), axis=1)
    for point in points[inside_box]:
        co = Vector(point)
        location, normal, _index, distance = into.tree.find_nearest(co)
        if location is not None and distance > deepest and (co - location).dot(normal) < -INSIDE_COSINE * distance:
            deepest = float(distance)
    return deepest


def contact_distance(points: np.ndarray, other: Body, limit: float) -> float:
    """Smallest distance from ``points`` to ``other``'s surface, up to ``limit`` (``inf`` beyond it)."""
    best = float("inf")
    near = np.all((points >= other.low - limit) & (points <= other.high + limit), axis=1)
    for point in points[near]:
        found = other.tree.find_nearest(Vector(point), limit)
        if found[0] is not None and found[3] < best:
            best = float(found[3])
    return best


def _rests(body: Body, others: list[Body], tolerance: float) -> bool:
    if float(body.low[2]) <= tolerance:
        return True
    return any(_near(body, other, tolerance) and contact_distance(body.points, other, tolerance) <= tolerance
               for other in others)


def check_bodies(bodies: list[Body], penetration_tolerance: float, contact_tolerance: float) -> CheckResult:
    """Check every dynamic body against the others (objects and passive parts) and the ground.

    A pair of objects that interpenetrates deeper than ``penetration_tolerance`` fails its
    dynamic member with the higher instance id (the passive one never fails); an object below
    the ground by more than the tolerance, or farther than ``contact_tolerance`` from everything
    (floating), fails.
    """
    failures: dict[int, str] = {}
    deepest = 0.0
    for index, body in enumerate(bodies):
        if not body.dynamic:
            continue
        if float(body.low[2]) < -penetration_tolerance:
            failures[body.instance_id] = f"is {-float(body.low[2]) * 1000:.1f} mm below the ground"
            continue
        for other in bodies[:index] + bodies[index + 1:]:
            if not _near(body, other, 0.0) or (other.dynamic and other.instance_id > body.instance_id):
                continue
            depth = max(penetration_depth(body.points, other), penetration_depth(other.points, body))
            if other.dynamic:
                deepest = max(deepest, depth)
            if depth > penetration_tolerance:
                failures.setdefault(body.instance_id, f"interpenetrates {other.label} by {depth * 1000:.1f} mm")
        if body.instance_id not in failures and not _rests(body, [o for o in bodies if o is not body],
                                                             contact_tolerance):
            failures[body.instance_id] = f"floats (nothing within {contact_tolerance * 1000:.1f} mm of it)"
    return CheckResult(failures=failures, max_penetration=deepest)
