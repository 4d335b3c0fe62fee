"""Faceted collision hulls for round bodies: what stops cylinders and bottles rolling forever in Bullet.

Bullet (inside Blender) adds energy to a body that rolls on its side: the contact point it
solves at lags the true one by about one step, so the normal force pushes up *behind* the
centre and drives the roll on (measured: a 12 mm rod on a box floor, 60 fps x 10 substeps,
speeds up ~2.4x per second; growth rate ~ g dt / (1.5 r), so thin rods are worst). Neither
damping nor more solver iterations stop it, Blender exposes no rolling friction, and Bullet's
sleeping only catches bodies that are already slow.

A convex body with few, wide faces does not roll: it rests on a face. :func:`faceted_hull`
builds such a hull from the body's own convex hull: it keeps only supporting planes of the
hull with evenly spread normals, about :data:`FACET_ANGLE_DEG` apart, adds the hull's own faces
where a corner stands off the mesh too far (a bottle's neck), and intersects them. Every kept plane touches the mesh, so the
faceted hull contains the mesh (objects never interpenetrate because of it) and an object
resting on one of its faces touches the support with its rendered surface; at the hull's
corners it stands off the mesh by at most ``max_standoff`` (else the exact hull is kept).
"""

from __future__ import annotations

import itertools
import math

import bpy  # noqa: F401  (loads Blender's modules: bmesh comes with it)
import bmesh
import numpy as np

FACET_ANGLE_DEG = 20.0
"""Faces are kept while some face of the hull is this far (degrees) from every kept one: the 32-sided
cross-section of a primitive cylinder or a lathe-profile bottle becomes a 16-gon (22.5 degrees a side),
which rests on a side instead of rolling, and stands off the round mesh by at most 2 % of its radius."""
MAX_EXTRA_PLANES = 48
"""Hull faces added, at most, where the evenly spread ones stand off the mesh too far (a bottle's
neck, a mug's handle); beyond that the exact hull is used."""
_EPS = 1e-9


def hull_planes(vertices: np.ndarray) -> list[tuple[np.ndarray, float, float]]:
    """(outward unit normal, offset, area) of each face of the convex hull of ``vertices`` (n, 3)."""
    bm = bmesh.new()
    try:
        for co in vertices.tolist():
            bm.verts.new(co)
        result = bmesh.ops.convex_hull(bm, input=bm.verts)
        for unused in set(result["geom_interior"]) | set(result["geom_unused"]):
            if isinstance(unused, bmesh.types.BMVert) and unused.is_valid:
                bm.verts.remove(unused)
        bm.normal_update()
        centre = np.mean([v.co[:] for v in bm.verts], axis=0)
        planes = []
        for face in bm.faces:
            normal = np.array(face.normal[:], np.float64)
            if np.linalg.norm(normal) < 0.5:
                continue
            offset = float(normal @ np.array(face.verts[0].co[:]))
            if offset < normal @ centre:  # inward: flip
                normal, offset = -normal, -offset
            planes.append((normal, offset, float(face.calc_area())))
        return planes
    finally:
        bm.free()


def _pick_planes(planes: list[tuple[np.ndarray, float, float]], angle_deg: float) -> list[tuple[np.ndarray, float]]:
    """Hull faces with evenly spread normals: the largest face, then again and again the face whose
    normal is farthest from every picked one, while that is at least ``angle_deg`` away."""
    normals = np.array([n for n, _, _ in planes])
    offsets = np.array([d for _, d, _ in planes])
    first = int(np.argmax([a for _, _, a in planes]))
    picked = [first]
    nearest = normals @ normals[first]  # cosine to the nearest picked normal, per face
    limit = math.cos(math.radians(angle_deg))
    while True:
        candidate = int(np.argmin(nearest))
        if nearest[candidate] > limit:
            break
        picked.append(candidate)
        nearest = np.maximum(nearest, normals @ normals[candidate])
    return [(normals[i], float(offsets[i])) for i in picked]


def _corners(picked: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """Vertices of the polytope {x : n.x <= d for every picked plane} (every triple of planes, kept if inside)."""
    normals = np.array([n for n, _ in picked])
    offsets = np.array([d for _, d in picked])
    triples = np.array(list(itertools.combinations(range(len(picked)), 3)))
    matrices = normals[triples]
    solvable = np.abs(np.linalg.det(matrices)) > 1e-6
    points = np.linalg.solve(matrices[solvable], offsets[triples[solvable]][..., None])[..., 0]
    scale = max(float(np.abs(offsets).max()), 1e-6)
    inside = np.all(points @ normals.T <= offsets + 1e-7 * scale, axis=1)
    return points[inside]


def _contains(corners: np.ndarray, vertices: np.ndarray) -> bool:
    """Whether the hull of ``corners`` holds every vertex (it would not if the kept planes left it open)."""
    planes = hull_planes(corners)
    if len(planes) < 4:
        return False
    normals = np.array([n for n, _, _ in planes])
    offsets = np.array([d for _, d, _ in planes])
    size = float(np.ptp(vertices, axis=0).max())
    return bool(np.all(vertices @ normals.T <= offsets + max(1e-5 * size, 1e-6)))


def faceted_hull(vertices: np.ndarray, max_standoff: float,
                 angle_deg: float = FACET_ANGLE_DEG) -> np.ndarray | None:
    """Vertices of a faceted convex hull around ``vertices`` (see the module docstring).

    Args:
        vertices: the body's vertices, (n, 3), in its (scaled) object frame.
        max_standoff: the most the faceted hull may stand off the mesh's hull, metres.
        angle_deg: least angle between two faces' normals.

    Returns:
        The faceted hull's vertices, or None when it would stand off more than ``max_standoff``
        (then the exact hull is the better shape), or when the mesh has no volume.
    """
    vertices = np.asarray(vertices, np.float64)
    if len(vertices) < 4:
        return None
    planes = hull_planes(vertices)
    if len(planes) < 4:
        return None
    normals = np.array([n for n, _, _ in planes])
    offsets = np.array([d for _, d, _ in planes])
    picked = _pick_planes(planes, angle_deg)
    for _ in range(MAX_EXTRA_PLANES + 1):
        corners = _corners(picked)
        if len(corners) < 4:
            return None
        violation = corners @ normals.T - offsets  # how far each corner stands off each hull plane
        worst = np.unravel_index(int(np.argmax(violation)), violation.shape)
        if violation[worst] <= max_standoff + _EPS:
            return corners if _contains(corners, vertices) else None
        picked.append((normals[worst[1]], float(offsets[worst[1]])))  # cut the worst corner off
    return None
