"""Exposure, ISO-like gain and sensor noise on the linear RGB (pure numpy), before 8-bit quantization.

The photon-transfer model of one pixel and channel with linear value ``x`` (Cycles' radiance,
1 = a full pixel at base exposure)::

    e     = x * 2**ev * full_well_e                       # expected electrons
    e'    = min(Poisson(e), full_well_e)                 # shot noise, saturation at the full well
    e''   = e' + Normal(0, read_noise_e)                 # read noise
    x'    = e'' * gain / full_well_e                     # ISO-like analogue gain

so the mean is ``gain * 2**ev * x`` and the variance (below saturation)
``gain**2 * (x * 2**ev / full_well_e + (read_noise_e / full_well_e)**2)``. Without a full
well (``full_well_e`` None) only the exposure and gain apply. The RGB writer clips to [0, 1]
and quantizes. Labels are untouched. The noise draws from ``stage_rng(seed, frame,
"sensor_noise", stage_word(camera name))``: the same seed gives the same bytes, and each
camera of a rig gets its own noise.
"""

from __future__ import annotations

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.spec.optics import OpticsSpec
from synthscape.spec.scene_spec import SceneSpec
from synthscape.spec.seeds import stage_word
from synthscape.spec.sequence import frame_rng

NOISE_STAGE = "sensor_noise"
"""The seed stream of the sensor noise (see :mod:`synthscape.spec.seeds`)."""


def expose(rgb: np.ndarray, optics: OpticsSpec, rng: np.random.Generator) -> np.ndarray:
    """The sensor's linear output for scene-linear ``rgb`` (any shape), float32.

    Args:
        rgb: linear values (negative ones count as 0).
        optics: exposure ``exposure_ev``, ``gain``, ``full_well_e``, ``read_noise_e``, ``shot_noise``.
        rng: the noise generator (unused without a full well).
    """
    light = np.maximum(np.asarray(rgb, dtype=np.float64), 0.0) * (2.0 ** optics.exposure_ev)
    if optics.full_well_e is None:
        return (light * optics.gain).astype(np.float32)
    full_well = float(optics.full_well_e)
    electrons = light * full_well
    if optics.shot_noise:
        electrons = rng.poisson(np.minimum(electrons, 4.0 * full_well + 1e3)).astype(np.float64)
    electrons = np.minimum(electrons, full_well)
    if optics.read_noise_e > 0:
        electrons += rng.normal(0.0, optics.read_noise_e, size=electrons.shape)
    return (electrons * (optics.gain / full_well)).astype(np.float32)


def noise_rng(spec: SceneSpec) -> np.random.Generator:
    """The sensor-noise generator of this frame and camera (in a sequence: of its sequence and step)."""
    return frame_rng(spec, NOISE_STAGE, stage_word(spec.camera.name))


def exposure_updates(spec: SceneSpec, buffers: FrameBuffers) -> dict[str, np.ndarray]:
    """``{"rgb": exposed}`` for :func:`dataclasses.replace` when the frame has a sensor model, else ``{}``.

    Only the RGB changes: depth, normals, instance ids and every label stay as rendered.
    """
    optics = spec.optics
    if optics is None or not optics.has_exposure():
        return {}
    return {"rgb": expose(buffers.rgb, optics, noise_rng(spec))}


__all__ = ["NOISE_STAGE", "expose", "exposure_updates", "noise_rng"]
