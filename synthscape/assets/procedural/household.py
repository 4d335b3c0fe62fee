"""Household objects: lathe-profile mugs (with a handle), cups, bottles and bowls, and boxes.

Z up, metres; the origin is the centre of the base (the bottom touches z = 0). Vessels are
hollow (a wall of ``wall`` metres) and closed, so they are watertight; a mug's handle is a
separate closed tube whose ends sit inside the wall.
"""

from __future__ import annotations

import numpy as np
import trimesh

from synthscape.assets.procedural.params import Generator, Param
from synthscape.assets.procedural.parts import (
    PartColor,
    assemble,
    cylinder_between,
    lathe,
    tube_along,
)
from synthscape.assets.procedural.parts import box as box_part

BODY = PartColor("body", (1.0, 1.0, 1.0), tint=True)
CAP = PartColor("cap", (0.03, 0.03, 0.03), tint=False)
LABEL = PartColor("label", (0.85, 0.83, 0.75), tint=False)
TAPE = PartColor("tape", (0.45, 0.3, 0.12), tint=False)


def _vessel_profile(height: float, radius_bottom: float, radius_top: float, wall: float) -> np.ndarray:
    """(radius, z) outline of an open, straight-walled vessel: outside up, over the rim, inside down."""
    bottom = min(max(wall, 0.006), height / 4)
    return np.array([(0.0, 0.0), (radius_bottom, 0.0), (radius_top, height), (radius_top - wall, height),
                     (radius_bottom - wall, bottom), (0.0, bottom)])


def _handle(radius: float, height: float, wall: float, thickness: float, segments: int) -> trimesh.Trimesh:
    """A C-shaped handle on the +X side: an arc of a circle whose two ends sit inside the wall."""
    span = 0.34 * height
    anchor = radius - wall / 2
    centre_x = anchor + 0.2 * span
    arc_radius = float(np.hypot(centre_x - anchor, span))
    end = np.arctan2(span, anchor - centre_x)
    angles = np.linspace(-end, end, max(8, segments // 2))[::-1]
    path = np.column_stack([centre_x + arc_radius * np.cos(angles), np.zeros_like(angles),
                            height * 0.52 + arc_radius * np.sin(angles)])
    return tube_along(path, thickness, BODY, max(6, segments // 3))


def mug(height: float = 0.095, radius: float = 0.041, wall: float = 0.005, handle: bool = True,
        segments: int = 32) -> trimesh.Trimesh:
    """A cylindrical mug with an optional handle on its +X side.

    Args:
        height: outer height, metres.
        radius: outer radius of the body, metres.
        wall: wall thickness, metres.
        handle: add the handle.
        segments: sides of the body.
    """
    parts = [lathe(_vessel_profile(height, radius, radius, wall), BODY, segments)]
    if handle:
        parts.append(_handle(radius, height, wall, min(0.006, 0.9 * wall + 0.0015), segments))
    return assemble(parts)


def cup(height: float = 0.09, radius_top: float = 0.04, radius_bottom: float = 0.028, wall: float = 0.003,
        segments: int = 32) -> trimesh.Trimesh:
    """A tapered cup (no handle), wider at the rim."""
    return assemble([lathe(_vessel_profile(height, radius_bottom, radius_top, wall), BODY, segments)])


def bowl(radius: float = 0.08, height: float = 0.06, foot: float = 0.5, wall: float = 0.005,
         segments: int = 32) -> trimesh.Trimesh:
    """A round bowl: a quarter-ellipse side from a flat foot of ``foot`` x ``radius`` up to the rim."""
    t = np.linspace(0.0, np.pi / 2, 9)
    base = foot * radius
    outer = np.column_stack([base + (radius - base) * np.sin(t), height * (1 - np.cos(t))])
    inner_base = max(base - wall, 0.5 * base)
    inner = np.column_stack([inner_base + (radius - wall - inner_base) * np.sin(t),
                             wall + (height - wall) * (1 - np.cos(t))])[::-1]
    profile = np.vstack([[(0.0, 0.0)], outer, inner, [(0.0, wall)]])
    return assemble([lathe(profile, BODY, segments)])


def bottle(height: float = 0.25, radius: float = 0.035, neck_radius: float = 0.013, shoulder: float = 0.62,
           label: bool = True, segments: int = 32) -> trimesh.Trimesh:
    """A closed bottle: a body, a rounded shoulder up to the neck, a cap and an optional label band.

    Args:
        height: overall height including the cap, metres.
        radius: body radius, metres.
        neck_radius: neck radius, metres.
        shoulder: where the shoulder starts, as a fraction of the height.
        label: add a paper label band around the body.
        segments: sides.
    """
    neck_radius = min(neck_radius, 0.8 * radius)
    cap_height = 0.07 * height
    neck_top = height - cap_height
    t = np.linspace(0.0, np.pi / 2, 7)
    shoulder_z, neck_z = shoulder * height, 0.85 * height
    curve = np.column_stack([neck_radius + (radius - neck_radius) * np.cos(t),
                             shoulder_z + (neck_z - shoulder_z) * np.sin(t)])
    profile = np.vstack([[(0.0, 0.0), (radius, 0.0)], curve, [(neck_radius, neck_top), (0.0, neck_top)]])
    parts = [lathe(profile, BODY, segments)]
    cap_bottom = (0, 0, neck_top - 0.2 * cap_height)
    parts.append(cylinder_between(cap_bottom, (0, 0, height), neck_radius * 1.15, CAP, segments))
    if label:
        parts.append(cylinder_between((0, 0, 0.18 * height), (0, 0, 0.48 * height), radius * 1.01, LABEL, segments))
    return assemble(parts)


def box(length: float = 0.2, width: float = 0.15, height: float = 0.1, tape: bool = True) -> trimesh.Trimesh:
    """A closed box, optionally with a strip of tape along the top (+X) and down both ends."""
    top = height - 0.001 if tape else height
    parts = [box_part((-length / 2, -width / 2, 0.0), (length / 2, width / 2, top), BODY)]
    if tape:  # 1 mm proud of the lid, inside the given height
        strip = min(0.05, width / 4) / 2
        parts.append(box_part((-length / 2 + 0.001, -strip, top - 0.0005), (length / 2 - 0.001, strip, height), TAPE))
    return assemble(parts)


_SEGMENTS = Param("segments", 32, "sides of the lathe (more: rounder, slower)", 8, 128, integer=True)

MUG = Generator(
    kind="mug", version=1, build=mug, parts=("body",),
    doc="a hollow cylindrical mug with a C-shaped handle on its +X side",
    params=(Param("height", 0.095, "outer height, metres", 0.04, 0.25, step=0.001),
            Param("radius", 0.041, "outer radius, metres", 0.02, 0.1, step=0.001),
            Param("wall", 0.005, "wall thickness, metres", 0.002, 0.012, step=0.0005),
            Param("handle", True, "add the handle", options=(True, False)), _SEGMENTS))
CUP = Generator(
    kind="cup", version=1, build=cup, parts=("body",),
    doc="a hollow tapered cup without a handle",
    params=(Param("height", 0.09, "outer height, metres", 0.03, 0.25, step=0.001),
            Param("radius_top", 0.04, "outer radius at the rim, metres", 0.02, 0.1, step=0.001),
            Param("radius_bottom", 0.028, "outer radius at the base, metres", 0.015, 0.1, step=0.001),
            Param("wall", 0.003, "wall thickness, metres", 0.0015, 0.01, step=0.0005), _SEGMENTS))
BOWL = Generator(
    kind="bowl", version=1, build=bowl, parts=("body",),
    doc="a hollow round bowl with a flat foot",
    params=(Param("radius", 0.08, "outer radius at the rim, metres", 0.04, 0.25, step=0.002),
            Param("height", 0.06, "outer height, metres", 0.02, 0.15, step=0.002),
            Param("foot", 0.5, "radius of the flat foot as a fraction of the rim's", 0.2, 0.8, step=0.02),
            Param("wall", 0.005, "wall thickness, metres", 0.002, 0.012, step=0.0005), _SEGMENTS))
BOTTLE = Generator(
    kind="bottle", version=1, build=bottle, parts=("body", "cap", "label"),
    doc="a closed bottle: body, rounded shoulder, neck, cap and a paper label band",
    params=(Param("height", 0.25, "height including the cap, metres", 0.08, 0.45, step=0.005),
            Param("radius", 0.035, "body radius, metres", 0.015, 0.07, step=0.001),
            Param("neck_radius", 0.013, "neck radius, metres (at most 0.8 x radius)", 0.006, 0.03, step=0.0005),
            Param("shoulder", 0.62, "start of the shoulder, fraction of the height", 0.3, 0.8, step=0.02),
            Param("label", True, "add a label band", options=(True, False)), _SEGMENTS))
BOX = Generator(
    kind="box", version=1, build=box, parts=("body", "tape"),
    doc="a closed box with an optional strip of tape along its top",
    params=(Param("length", 0.2, "extent along X, metres", 0.02, 1.0, step=0.002),
            Param("width", 0.15, "extent along Y, metres", 0.02, 1.0, step=0.002),
            Param("height", 0.1, "extent along Z, metres", 0.02, 1.0, step=0.002),
            Param("tape", True, "add a strip of tape along the top", options=(True, False))))
