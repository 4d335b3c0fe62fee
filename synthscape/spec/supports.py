"""Supports (bins, trays, tables, shelves): their spec, their geometry as boxes, and where objects drop.

A support is background: passive in the physics simulation, instance id 0 in every label map,
included in the exported scene mesh (LiDAR, visibility, KITTI occlusion). Its geometry is a
handful of boxes (:func:`support_boxes`), computed here without Blender, so the Blender layer,
the sampler's drop poses and the checks after settling all agree on it.

Local frame of a support: origin at the centre of its base, z up; ``location`` places that
origin in the world and ``yaw`` turns it about the vertical.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Vec2 = tuple[float, float]
Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class SupportSpec:
    """One support of the frame, every value drawn."""

    kind: str
    """``bin``, ``tray``, ``table`` or ``shelf``."""
    size: Vec2
    """Outer extent (x, y) before yaw, metres."""
    wall_height: float
    """Bin/tray wall height above the floor, metres (0 for tables and shelves)."""
    thickness: float
    """Wall and floor thickness (bin, tray) or board thickness (table, shelf), metres."""
    height: float
    """Table top height or shelf height, metres (0 for bins and trays)."""
    levels: int
    """Shelf boards (1 for the other kinds)."""
    location: Vec3
    """World position of the centre of the support's base, metres."""
    yaw: float
    """Rotation about the world z axis, radians."""
    material: Any
    """Its :class:`~synthscape.spec.scene_spec.MaterialSpec` (typed ``Any``: ``scene_spec`` imports this module)."""


@dataclass(frozen=True)
class SupportBox:
    """One box of a support's geometry, in world coordinates."""

    name: str
    """Part name (``floor``, ``wall_0`` ... ``board_2``, ``leg_1``)."""
    center: Vec3
    half_extents: Vec3
    """Half sizes along the box's own axes (the support's axes), metres."""
    yaw: float


@dataclass(frozen=True)
class DropSurface:
    """A horizontal rectangle objects are dropped onto (a bin's floor, a table top, a shelf board)."""

    center: Vec2
    """World (x, y) of the rectangle's centre."""
    half_extents: Vec2
    """Half sizes along the rectangle's axes, metres."""
    yaw: float
    z: float
    """Height of the surface, metres."""
    ceiling: float | None = None
    """Height of the board above (a shelf's lower levels), or None."""


def _to_world(support: SupportSpec, local: Vec3) -> Vec3:
    c, s = math.cos(support.yaw), math.sin(support.yaw)
    x, y, z = local
    lx, ly, lz = support.location
    return (lx + c * x - s * y, ly + s * x + c * y, lz + z)


def _local_boxes(support: SupportSpec) -> list[tuple[str, Vec3, Vec3]]:
    """(name, local centre, half extents) of every box of the support."""
    hx, hy = support.size[0] / 2.0, support.size[1] / 2.0
    t = support.thickness
    if support.kind in ("bin", "tray"):
        top = t + support.wall_height
        return [("floor", (0.0, 0.0, t / 2), (hx, hy, t / 2)),
                ("wall_0", (hx - t / 2, 0.0, top / 2), (t / 2, hy, top / 2)),
                ("wall_1", (-hx + t / 2, 0.0, top / 2), (t / 2, hy, top / 2)),
                ("wall_2", (0.0, hy - t / 2, top / 2), (hx - t, t / 2, top / 2)),
                ("wall_3", (0.0, -hy + t / 2, top / 2), (hx - t, t / 2, top / 2))]
    if support.kind == "table":
        h = support.height
        legs = [(f"leg_{i}", (sx * (hx - 2 * t), sy * (hy - 2 * t), (h - t) / 2), (t, t, (h - t) / 2))
                for i, (sx, sy) in enumerate(((1, 1), (-1, 1), (-1, -1), (1, -1)))]
        return [("top", (0.0, 0.0, h - t / 2), (hx, hy, t / 2)), *legs]
    if support.kind == "shelf":
        h = support.height
        boxes = [("side_0", (hx - t / 2, 0.0, h / 2), (t / 2, hy, h / 2)),
                 ("side_1", (-hx + t / 2, 0.0, h / 2), (t / 2, hy, h / 2)),
                 ("back", (0.0, hy - t / 2, h / 2), (hx - t, t / 2, h / 2))]
        return boxes + [(f"board_{i}", (0.0, -t / 2, z + t / 2), (hx - t, hy - t / 2, t / 2))
                        for i, z in enumerate(shelf_board_bottoms(support))]
    raise ValueError(f"unknown support kind {support.kind!r}")


def shelf_board_bottoms(support: SupportSpec) -> list[float]:
    """Local heights of the bottoms of a shelf's boards, lowest (on the ground) first."""
    if support.levels <= 1:
        return [0.0]
    step = (support.height - support.thickness) / (support.levels - 1)
    return [i * step for i in range(support.levels)]


def support_boxes(support: SupportSpec) -> tuple[SupportBox, ...]:
    """The support's geometry as world-space boxes."""
    return tuple(SupportBox(name, _to_world(support, center), half, support.yaw)
                 for name, center, half in _local_boxes(support))


def drop_surfaces(support: SupportSpec) -> tuple[DropSurface, ...]:
    """Where objects dropped into/onto ``support`` land: a bin's inner floor, a table top, each shelf board."""
    hx, hy, t = support.size[0] / 2.0, support.size[1] / 2.0, support.thickness
    base = support.location[2]
    if support.kind in ("bin", "tray"):
        center = _to_world(support, (0.0, 0.0, 0.0))
        return (DropSurface((center[0], center[1]), (hx - t, hy - t), support.yaw, base + t),)
    if support.kind == "table":
        center = _to_world(support, (0.0, 0.0, 0.0))
        return (DropSurface((center[0], center[1]), (hx, hy), support.yaw, base + support.height),)
    bottoms = shelf_board_bottoms(support)
    center = _to_world(support, (0.0, -t / 2, 0.0))
    return tuple(DropSurface((center[0], center[1]), (hx - t, hy - t / 2), support.yaw, base + z + t,
                             base + bottoms[i + 1] if i + 1 < len(bottoms) else None)
                 for i, z in enumerate(bottoms))


def support_fields_from_dict(data: dict[str, Any]) -> dict[str, Any]:
    """:class:`SupportSpec` keyword arguments from its JSON dict (material left as the caller gives it)."""
    return {"kind": str(data["kind"]), "size": tuple(float(v) for v in data["size"]),
            "wall_height": float(data["wall_height"]), "thickness": float(data["thickness"]),
            "height": float(data["height"]), "levels": int(data["levels"]),
            "location": tuple(float(v) for v in data["location"]), "yaw": float(data["yaw"])}
