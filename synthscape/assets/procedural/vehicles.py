"""Cars: a lower body, a glass cabin with a roof and pillars, four wheels (tyre + rim), lights.

Forward is +X, Z up, metres; the origin is the centre of the base (the tyres touch z = 0). The
bounds are exactly ``length`` x ``width`` x ``height``. ``body`` picks the proportions (sedan,
hatchback, van); every dimension the recipe leaves out comes from that body's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import trimesh

from synthscape.assets.procedural.params import Generator, Param
from synthscape.assets.procedural.parts import (
    PartColor,
    assemble,
    box,
    cylinder_between,
    prism_xz,
)

BODY = PartColor("body", (1.0, 1.0, 1.0), tint=True)
GLASS = PartColor("glass", (0.02, 0.025, 0.03), tint=False)
TYRE = PartColor("tyre", (0.015, 0.015, 0.015), tint=False)
RIM = PartColor("rim", (0.45, 0.45, 0.47), tint=False)
HEADLIGHT = PartColor("headlight", (0.9, 0.9, 0.8), tint=False)
TAILLIGHT = PartColor("taillight", (0.5, 0.01, 0.01), tint=False)
CAR_PARTS = (BODY, GLASS, TYRE, RIM, HEADLIGHT, TAILLIGHT)


@dataclass(frozen=True)
class BodyStyle:
    """Proportions of one body type (fractions of length / height) and its default dimensions."""

    length: float
    width: float
    height: float
    wheel_radius: float
    belt: float
    """Height of the window sill (top of the lower body) as a fraction of the height."""
    cabin_base: tuple[float, float]
    """Rear and front ends of the cabin at the sill, as fractions of the length from the rear."""
    cabin_roof: tuple[float, float]
    """Rear and front ends of the roof, fractions of the length from the rear."""
    pillars: tuple[float, ...]
    """Vertical pillars (B, C...) as fractions of the roof's span from its rear end."""


STYLES = {
    "sedan": BodyStyle(4.5, 1.8, 1.45, 0.32, 0.56, (0.2, 0.74), (0.3, 0.6), (0.55,)),
    "hatchback": BodyStyle(4.05, 1.75, 1.48, 0.31, 0.55, (0.05, 0.72), (0.09, 0.57), (0.5,)),
    "van": BodyStyle(4.9, 1.95, 1.95, 0.34, 0.48, (0.015, 0.8), (0.02, 0.68), (0.45, 0.75)),
}


def _lower_body(length: float, width: float, bottom: float, top: float) -> trimesh.Trimesh:
    """The lower body: a chamfered side profile extruded across the width (4 cm in from the tyres)."""
    half = length / 2 - 0.01  # the lights reach the full length
    chamfer = min(0.12, (top - bottom) / 3)
    outline = [(-half, bottom + chamfer), (-half + chamfer, bottom), (half - chamfer, bottom),
               (half, bottom + chamfer), (half, top - chamfer), (half - 2 * chamfer, top),
               (-half + chamfer, top), (-half, top - chamfer)]
    return prism_xz(outline, -width / 2 + 0.04, width / 2 - 0.04, BODY)


def _cabin(style: BodyStyle, length: float, width: float, sill: float, height: float) -> list[trimesh.Trimesh]:
    """The glass cabin, the roof on top and the pillars."""
    roof_thickness = min(0.06, (height - sill) / 6)
    x = [f * length - length / 2 for f in (*style.cabin_base, *style.cabin_roof)]
    cabin_width = width - 0.08 - 0.12
    eaves = height - roof_thickness
    outline = [(x[0], sill - 0.02), (x[1], sill - 0.02), (x[3], eaves), (x[2], eaves)]
    parts = [prism_xz(outline, -cabin_width / 2, cabin_width / 2, GLASS)]
    roof = [(x[2], height - roof_thickness), (x[3], height - roof_thickness), (x[3], height), (x[2], height)]
    parts.append(prism_xz(roof, -cabin_width / 2 - 0.01, cabin_width / 2 + 0.01, BODY))
    for fraction in style.pillars:
        centre = x[2] + fraction * (x[3] - x[2])
        parts.append(box((centre - 0.05, -cabin_width / 2 - 0.01, sill - 0.02),
                         (centre + 0.05, cabin_width / 2 + 0.01, height - roof_thickness / 2), BODY))
    return parts


def _wheels(length: float, width: float, radius: float, wheelbase: float, segments: int) -> list[trimesh.Trimesh]:
    """Four wheels: black tyres flush with the width, grey rims standing 5 mm proud of them."""
    tyre_width = min(0.24, max(0.15, 0.6 * radius))
    parts = []
    for x in (-wheelbase / 2, wheelbase / 2):
        for side in (-1.0, 1.0):
            outer = side * (width / 2 - 0.005)
            inner = outer - side * tyre_width
            parts.append(cylinder_between((x, inner, radius), (x, outer, radius), radius, TYRE, segments))
            rim_outer = side * width / 2
            rim_inner = rim_outer - side * (tyre_width - 0.01)
            parts.append(cylinder_between((x, rim_inner, radius), (x, rim_outer, radius), 0.62 * radius, RIM, segments))
    return parts


def _lights(length: float, width: float, z_low: float, z_high: float) -> list[trimesh.Trimesh]:
    """Head lights at the front (+X) and tail lights at the back, flush with the length."""
    parts = []
    for side in (-1.0, 1.0):
        y0, y1 = sorted((side * (width / 2 - 0.12), side * (width / 2 - 0.38)))
        parts.append(box((length / 2 - 0.04, y0, z_low), (length / 2, y1, z_high), HEADLIGHT))
        parts.append(box((-length / 2, y0, z_low), (-length / 2 + 0.04, y1, z_high), TAILLIGHT))
    return parts


def resolve_car(params: dict) -> dict:
    """The car's parameters with every dimension left out (None) taken from its body's defaults."""
    style = STYLES[params["body"]]
    resolved = dict(params)
    for name in ("length", "width", "height", "wheel_radius"):
        if resolved.get(name) is None:
            resolved[name] = getattr(style, name)
    return resolved


def car(body: str = "sedan", length: float | None = None, width: float | None = None,
        height: float | None = None, wheel_radius: float | None = None, segments: int = 24) -> trimesh.Trimesh:
    """A car of ``body`` proportions, ``length`` x ``width`` x ``height`` metres.

    Args:
        body: ``sedan``, ``hatchback`` or ``van`` (cabin shape, window line, default dimensions).
        length, width, height: overall dimensions, metres (None: the body's default).
        wheel_radius: tyre radius, metres (None: the body's default).
        segments: sides of each wheel cylinder.
    """
    p = resolve_car({"body": body, "length": length, "width": width, "height": height, "wheel_radius": wheel_radius})
    style, length, width, height, radius = STYLES[body], p["length"], p["width"], p["height"], p["wheel_radius"]
    sill = style.belt * height
    bottom = min(0.55 * radius, sill / 3)
    wheelbase = min(0.6 * length, length - 2.6 * radius)
    parts = [_lower_body(length, width, bottom, sill), *_cabin(style, length, width, sill, height),
             *_wheels(length, width, radius, wheelbase, segments),
             *_lights(length, width, bottom + 0.5 * (sill - bottom), bottom + 0.75 * (sill - bottom))]
    return assemble(parts)


CAR = Generator(
    kind="car", version=1, build=car, resolve=resolve_car, parts=tuple(c.name for c in CAR_PARTS),
    doc="a car: body, glass cabin with roof and pillars, four wheels (tyre + rim), head and tail lights",
    params=(
        Param("body", "sedan", "proportions and default dimensions", options=tuple(STYLES)),
        Param("length", None, "overall length (bumper to bumper), metres; default by body "
              "(sedan 4.5, hatchback 4.05, van 4.9)", 2.5, 7.0, step=0.05),
        Param("width", None, "overall width (tyre to tyre), metres; default by body (1.8, 1.75, 1.95)",
              1.3, 2.6, step=0.01),
        Param("height", None, "overall height (ground to roof), metres; default by body (1.45, 1.48, 1.95)",
              1.1, 3.0, step=0.01),
        Param("wheel_radius", None, "tyre radius, metres; default by body (0.32, 0.31, 0.34)", 0.22, 0.5, step=0.01),
        Param("segments", 24, "sides of each wheel", 8, 64, integer=True),
    ),
)
