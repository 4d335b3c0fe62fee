"""Triangle meshes of the primitives, as Blender builds them, without Blender.

The collision-free placement tests real geometry, so each primitive here has the vertices of
``synthscape.blender.primitives`` (the ``bmesh`` operators behind ``primitive_*_add``): size 2,
origin at the centre; UV sphere 32 x 16, cylinder and cone 32 segments, torus major 1 minor 0.25
(48 x 12), Suzanne from :mod:`synthscape.spec.suzanne`. Quads are split into two triangles
(they are planar, so the surface is Blender's). ``tests/test_placement_primitives.py`` compares
the vertex sets with the running ``bpy``.
"""

from __future__ import annotations

import base64
import functools
import math
import zlib

import numpy as np

from synthscape.spec import suzanne

Mesh = tuple[np.ndarray, np.ndarray]
"""(V, 3) float64 vertices and (F, 3) int64 triangles (counter-clockwise seen from outside)."""

SEGMENTS = 32
RINGS = 16
TORUS_MAJOR, TORUS_MINOR = 48, 12


def _ring(count: int, radius: float, z: float) -> np.ndarray:
    angles = 2.0 * math.pi * np.arange(count) / count
    return np.stack([-radius * np.sin(angles), radius * np.cos(angles), np.full(count, z)], axis=1)


def _quads(first: int, second: int, count: int) -> list[tuple[int, int, int]]:
    """Triangles of the band between two rings of ``count`` vertices starting at ``first``, ``second``."""
    out = []
    for j in range(count):
        a, b = first + j, first + (j + 1) % count
        c, d = second + (j + 1) % count, second + j
        out += [(a, b, c), (a, c, d)]
    return out


def _fan(center: int, first: int, count: int, downward: bool = False) -> list[tuple[int, int, int]]:
    """Triangles from ``center`` to a ring; ``downward``: facing -z (a bottom cap)."""
    if downward:
        return [(center, first + (j + 1) % count, first + j) for j in range(count)]
    return [(center, first + j, first + (j + 1) % count) for j in range(count)]


def _cube() -> Mesh:
    vertices = np.array([[x, y, z] for x in (-1.0, 1.0) for y in (-1.0, 1.0) for z in (-1.0, 1.0)])
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return vertices, np.array([t for a, b, c, d in quads for t in ((a, b, c), (a, c, d))])


def _sphere() -> Mesh:
    rings = [_ring(SEGMENTS, math.sin(math.pi * i / RINGS), math.cos(math.pi * i / RINGS)) for i in range(1, RINGS)]
    vertices = np.concatenate([[[0.0, 0.0, 1.0]], *rings, [[0.0, 0.0, -1.0]]])
    bottom = len(vertices) - 1
    faces = _fan(0, 1, SEGMENTS)
    for i in range(RINGS - 2):
        faces += _quads(1 + (i + 1) * SEGMENTS, 1 + i * SEGMENTS, SEGMENTS)
    faces += _fan(bottom, 1 + (RINGS - 2) * SEGMENTS, SEGMENTS, downward=True)
    return vertices, np.array(faces)


def _cylinder(top_radius: float) -> Mesh:
    bottom_ring = _ring(SEGMENTS, 1.0, -1.0)
    if top_radius == 0.0:
        vertices = np.concatenate([bottom_ring, [[0.0, 0.0, 1.0]], [[0.0, 0.0, -1.0]]])
        faces = _fan(SEGMENTS, 0, SEGMENTS) + _fan(SEGMENTS + 1, 0, SEGMENTS, downward=True)
    else:
        vertices = np.concatenate([bottom_ring, _ring(SEGMENTS, top_radius, 1.0),
                                   [[0.0, 0.0, 1.0]], [[0.0, 0.0, -1.0]]])
        faces = (_quads(0, SEGMENTS, SEGMENTS) + _fan(2 * SEGMENTS, SEGMENTS, SEGMENTS)
                 + _fan(2 * SEGMENTS + 1, 0, SEGMENTS, downward=True))
    return vertices, np.array(faces)


def _torus() -> Mesh:
    major = 2.0 * math.pi * np.arange(TORUS_MAJOR) / TORUS_MAJOR
    minor = 2.0 * math.pi * np.arange(TORUS_MINOR) / TORUS_MINOR
    radius = 1.0 + 0.25 * np.cos(minor)
    vertices = np.concatenate([np.stack([radius * math.cos(a), radius * math.sin(a), 0.25 * np.sin(minor)], axis=1)
                               for a in major])
    faces = []
    for i in range(TORUS_MAJOR):
        faces += _quads(((i + 1) % TORUS_MAJOR) * TORUS_MINOR, i * TORUS_MINOR, TORUS_MINOR)
    return vertices, np.array(faces)


def _monkey() -> Mesh:
    raw = zlib.decompress(base64.b64decode("".join(suzanne.SUZANNE_BLOB)))
    count = suzanne.VERTEX_COUNT * 3
    coords = np.frombuffer(raw[:count * 2], dtype=np.int16).reshape(-1, 3)
    triangles = np.frombuffer(raw[count * 2:], dtype=np.int16).reshape(-1, 3)
    return coords.astype(np.float64) * suzanne.VERTEX_UNIT, triangles.astype(np.int64)


def _plane() -> Mesh:
    vertices = np.array([[-1.0, -1.0, 0.0], [1.0, -1.0, 0.0], [1.0, 1.0, 0.0], [-1.0, 1.0, 0.0]])
    return vertices, np.array([(0, 1, 2), (0, 2, 3)])


_BUILDERS = {"cube": _cube, "sphere": _sphere, "cylinder": lambda: _cylinder(1.0), "cone": lambda: _cylinder(0.0),
             "torus": _torus, "monkey": _monkey, "plane": _plane}


@functools.cache
def primitive_mesh(shape: str) -> Mesh:
    """Vertices and triangles of one primitive, unscaled, origin at its centre (read-only arrays).

    Raises:
        ValueError: ``shape`` is not a primitive.
    """
    if shape not in _BUILDERS:
        raise ValueError(f"unknown primitive shape {shape!r}; expected one of {sorted(_BUILDERS)}")
    vertices, faces = _BUILDERS[shape]()
    vertices, faces = np.ascontiguousarray(vertices, dtype=np.float64), np.ascontiguousarray(faces, dtype=np.int64)
    vertices.setflags(write=False)
    faces.setflags(write=False)
    return vertices, faces
