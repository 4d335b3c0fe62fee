"""Colour helpers for the sampler."""

from __future__ import annotations

import math


def srgb_to_linear(c: float) -> float:
    """One sRGB-encoded channel in [0, 1] to linear."""
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def kelvin_to_linear_rgb(kelvin: float) -> tuple[float, float, float]:
    """Linear RGB (max channel 1) of a black body at ``kelvin``, 1000-40000 K.

    Uses Tanner Helland's fit of the CIE 1964 black-body locus in sRGB, then decodes sRGB.
    """
    t = kelvin / 100.0
    if t <= 66:
        r = 255.0
        g = 99.4708025861 * math.log(t) - 161.1195681661
        b = 0.0 if t <= 19 else 138.5177312231 * math.log(t - 10) - 305.0447927307
    else:
        r = 329.698727446 * (t - 60) ** -0.1332047592
        g = 288.1221695283 * (t - 60) ** -0.0755148492
        b = 255.0
    srgb = [min(max(v, 0.0), 255.0) / 255.0 for v in (r, g, b)]
    linear = [srgb_to_linear(v) for v in srgb]
    peak = max(linear)
    return (linear[0] / peak, linear[1] / peak, linear[2] / peak)
