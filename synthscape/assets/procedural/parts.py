"""Building blocks of the procedural generators: closed parts with a per-vertex part colour.

Every part is a closed (watertight) triangle mesh of one colour class; a shape is the
concatenation of its parts (:func:`assemble`), so it stays watertight in trimesh's sense (every
edge shared by exactly two faces) even where parts overlap, and the colours never blend across
parts because parts share no vertices.

A part colour is linear RGB plus a *tint* flag in the alpha channel: alpha 1 means "multiply
the object's material colour by this RGB" (white = the material colour itself, grey = a darker
shade of it), alpha 0 means "this RGB as it is" (glass, tyres, skin). The Blender layer reads
the attribute through an Attribute node (see :mod:`synthscape.blender.materials`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import trimesh

Point = Sequence[float]


@dataclass(frozen=True)
class PartColor:
    """A colour class: linear RGB in [0, 1] and whether it tints the material colour."""

    name: str
    rgb: tuple[float, float, float]
    tint: bool
    """True: multiplied by the material's base colour (alpha 1); False: used as is (alpha 0)."""

    def rgba_bytes(self) -> np.ndarray:
        """The colour as 8-bit RGBA, RGB sRGB-encoded (Blender's PLY importer decodes sRGB bytes)."""
        return np.array([*(linear_to_srgb_byte(c) for c in self.rgb), 255 if self.tint else 0], dtype=np.uint8)


def linear_to_srgb_byte(value: float) -> int:
    """A linear colour component in [0, 1] as an sRGB-encoded byte."""
    value = min(max(float(value), 0.0), 1.0)
    encoded = value * 12.92 if value <= 0.0031308 else 1.055 * value ** (1 / 2.4) - 0.055
    return int(round(encoded * 255))


def srgb_byte_to_linear(value: float) -> float:
    """An sRGB-encoded byte as a linear colour component (the inverse of :func:`linear_to_srgb_byte`)."""
    encoded = float(value) / 255.0
    return encoded / 12.92 if encoded <= 0.04045 else ((encoded + 0.055) / 1.055) ** 2.4


def paint(mesh: trimesh.Trimesh, color: PartColor) -> trimesh.Trimesh:
    """``mesh`` with every vertex coloured ``color`` (returned for chaining)."""
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=np.tile(color.rgba_bytes(), (len(mesh.vertices), 1)))
    return mesh


def _outward(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Flip the winding of a closed mesh whose normals point inwards (negative volume)."""
    if mesh.volume < 0:
        mesh.invert()
    return mesh


def prism_xz(outline: Sequence[Point], y_min: float, y_max: float, color: PartColor) -> trimesh.Trimesh:
    """A convex polygon in the XZ plane (listed counter-clockwise seen from -Y) extruded along Y.

    Args:
        outline: the polygon's (x, z) corners, convex, in order.
        y_min, y_max: the extrusion's extent along Y, metres.
        color: the part's colour class.
    """
    corners = np.asarray(outline, dtype=float)
    count = len(corners)
    front = np.column_stack([corners[:, 0], np.full(count, y_min), corners[:, 1]])
    back = front.copy()
    back[:, 1] = y_max
    faces = [[0, k, k + 1] for k in range(1, count - 1)]
    faces += [[count, count + k + 1, count + k] for k in range(1, count - 1)]
    for k in range(count):
        nxt = (k + 1) % count
        faces += [[k, nxt, count + nxt], [k, count + nxt, count + k]]
    mesh = trimesh.Trimesh(np.vstack([front, back]), np.asarray(faces), process=True)
    return paint(_outward(mesh), color)


def box(low: Point, high: Point, color: PartColor) -> trimesh.Trimesh:
    """An axis-aligned box from corner ``low`` to corner ``high``."""
    low_a, high_a = np.asarray(low, float), np.asarray(high, float)
    mesh = trimesh.creation.box(extents=high_a - low_a)
    mesh.apply_translation((low_a + high_a) / 2)
    return paint(mesh, color)


def _align_z_to(direction: np.ndarray) -> np.ndarray:
    """4x4 rotation taking +Z onto ``direction`` (a unit vector)."""
    return trimesh.geometry.align_vectors([0.0, 0.0, 1.0], direction)


def cylinder_between(start: Point, end: Point, radius: float, color: PartColor,
                     sections: int = 12) -> trimesh.Trimesh:
    """A closed cylinder of ``radius`` whose axis runs from ``start`` to ``end``."""
    a, b = np.asarray(start, float), np.asarray(end, float)
    length = float(np.linalg.norm(b - a))
    mesh = trimesh.creation.cylinder(radius=radius, height=max(length, 1e-6), sections=sections)
    transform = _align_z_to((b - a) / length) if length > 0 else np.eye(4)
    transform[:3, 3] = (a + b) / 2
    mesh.apply_transform(transform)
    return paint(mesh, color)


def capsule_between(start: Point, end: Point, radius: float, color: PartColor,
                    sections: int = 12) -> trimesh.Trimesh:
    """A capsule (cylinder with hemispherical ends) whose sphere centres are ``start`` and ``end``."""
    a, b = np.asarray(start, float), np.asarray(end, float)
    length = float(np.linalg.norm(b - a))
    rings = max(4, sections // 2)
    mesh = trimesh.creation.capsule(height=max(length, 1e-6), radius=radius, count=[sections, rings])
    transform = _align_z_to((b - a) / length) if length > 1e-9 else np.eye(4)
    transform[:3, 3] = (a + b) / 2
    mesh.apply_transform(transform)
    return paint(mesh, color)


def sphere(center: Point, radius: float, color: PartColor, sections: int = 12) -> trimesh.Trimesh:
    """A UV sphere."""
    mesh = trimesh.creation.uv_sphere(radius=radius, count=[sections, max(4, sections // 2 + 1)])
    mesh.apply_translation(np.asarray(center, float))
    return paint(mesh, color)


def lathe(profile: Sequence[Point], color: PartColor, sections: int = 32) -> trimesh.Trimesh:
    """A closed solid of revolution about +Z from a profile of (radius, z) points.

    The profile runs from the axis (radius 0) out, around the outline and back to the axis,
    so the revolved surface is closed.
    """
    points = np.asarray(profile, dtype=float)
    if points[0, 0] != 0 or points[-1, 0] != 0:
        raise ValueError("a lathe profile must start and end on the axis (radius 0)")
    return paint(_outward(trimesh.creation.revolve(points, sections=sections)), color)


def tube_along(path: Sequence[Point], radius: float, color: PartColor, sections: int = 10) -> trimesh.Trimesh:
    """A tube of ``radius`` swept along a polyline, with flat end caps (closed)."""
    points = np.asarray(path, dtype=float)
    tangents = np.gradient(points, axis=0)
    tangents /= np.linalg.norm(tangents, axis=1, keepdims=True)
    reference = np.array([0.0, 1.0, 0.0]) if abs(tangents[0, 1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    angles = np.linspace(0.0, 2 * np.pi, sections, endpoint=False)
    rings = []
    for point, tangent in zip(points, tangents):
        u = np.cross(tangent, reference)
        u /= np.linalg.norm(u)
        v = np.cross(tangent, u)
        rings.append(point + radius * (np.outer(np.cos(angles), u) + np.outer(np.sin(angles), v)))
    vertices = np.vstack([*rings, points[0], points[-1]])
    count, first_cap, last_cap = len(points), len(points) * sections, len(points) * sections + 1
    faces = []
    for ring in range(count - 1):
        for k in range(sections):
            a, b = ring * sections + k, ring * sections + (k + 1) % sections
            faces += [[a, b, b + sections], [a, b + sections, a + sections]]
    last = (count - 1) * sections
    for k in range(sections):
        faces += [[first_cap, (k + 1) % sections, k], [last_cap, last + k, last + (k + 1) % sections]]
    mesh = trimesh.Trimesh(vertices, np.asarray(faces), process=True)
    return paint(_outward(mesh), color)


def torus_y(center: Point, major: float, minor: float, color: PartColor, sections: int = 24) -> trimesh.Trimesh:
    """A ring (torus) in the XZ plane about ``center``, its axis along Y (a wheel's tyre)."""
    mesh = trimesh.creation.torus(major_radius=major, minor_radius=minor, major_sections=sections,
                                  minor_sections=max(6, sections // 3))
    mesh.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1.0, 0.0, 0.0]))
    mesh.apply_translation(np.asarray(center, float))
    return paint(_outward(mesh), color)


def assemble(parts: Sequence[trimesh.Trimesh]) -> trimesh.Trimesh:
    """The parts as one mesh, moved so the origin is the centre of its base (xy centre, min z = 0)."""
    mesh = trimesh.util.concatenate(list(parts))
    low, high = mesh.bounds
    mesh.apply_translation([-(low[0] + high[0]) / 2, -(low[1] + high[1]) / 2, -low[2]])
    return mesh
