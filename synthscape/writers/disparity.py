"""The ``disparity`` output: stereo disparity ground truth of the left (main) camera.

For a rectified pair (``rig.stereo`` / ``rig.preset``) a left pixel at planar depth ``Z`` shows
the same surface point ``disp = fx * B / Z`` pixels further left in the right image
(``x_right = x_left - disp``, same row). It is exact for every left pixel from its rendered
depth, including pixels the right camera cannot see (KITTI's ``disp_occ`` convention).

Files use the KITTI stereo PNG convention: uint16, ``disp * 256`` rounded, 0 = invalid (no
surface hit, or a disparity too large for 16 bits, above 255.996 px).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.errors import SynthscapeError
from synthscape.io.images import write_png
from synthscape.spec.rig import StereoPair, stereo_pair
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.layout import frame_file
from synthscape.writers.registry import OutputFormat, register_output

KITTI_DISPARITY_SCALE = 256.0
"""KITTI stereo PNGs store ``disparity * 256`` as uint16."""
UINT16_MAX = 65535


def disparity_from_depth(depth: np.ndarray, fx: float, baseline_m: float) -> np.ndarray:
    """(H, W) float32 disparity ``fx * B / Z`` in pixels; 0 where the depth is not a finite positive value."""
    z = np.asarray(depth, dtype=np.float64)
    valid = np.isfinite(z) & (z > 0)
    disp = np.zeros(z.shape, dtype=np.float64)
    disp[valid] = float(fx) * float(baseline_m) / z[valid]
    return disp.astype(np.float32)


def encode_kitti_disparity(disparity: np.ndarray) -> np.ndarray:
    """(H, W) uint16 KITTI disparity: ``round(disp * 256)``, 0 = invalid.

    Disparities too large for 16 bits become invalid; a valid disparity that would round to 0
    (a surface farther than ``512 * fx * B`` metres) is stored as 1, so it stays valid.
    """
    disp = np.asarray(disparity, dtype=np.float64)
    scaled = np.round(disp * KITTI_DISPARITY_SCALE)
    valid = np.isfinite(disp) & (disp > 0) & (scaled <= UINT16_MAX)
    out = np.zeros(disp.shape, dtype=np.uint16)
    out[valid] = np.maximum(scaled[valid], 1).astype(np.uint16)
    return out


def decode_kitti_disparity(png: np.ndarray) -> np.ndarray:
    """(H, W) float32 disparity in pixels from a KITTI uint16 PNG array; -1 where invalid (devkit convention)."""
    raw = np.asarray(png)
    return np.where(raw > 0, raw.astype(np.float32) / np.float32(KITTI_DISPARITY_SCALE), np.float32(-1.0))


def frame_disparity(pair: StereoPair, buffers: FrameBuffers) -> np.ndarray:
    """The left camera's uint16 KITTI disparity map from its depth pass."""
    fx = float(np.asarray(pair.left.K, dtype=np.float64)[0, 0])
    return encode_kitti_disparity(disparity_from_depth(buffers.depth, fx, pair.baseline_m))


def require_stereo(spec: SceneSpec, output: str) -> StereoPair:
    """The frame's stereo pair.

    Raises:
        SynthscapeError: the frame has no stereo rig, or a distorted left camera (the run plan
            refuses such recipes first).
    """
    pair = stereo_pair(spec)
    if pair is None:
        raise SynthscapeError(f"output {output!r} needs a stereo rig: add rig: {{stereo: {{baseline: 0.54}}}} "
                              "or rig: {preset: kitti_stereo} to the recipe")
    if pair.left.distortion_model != "none" and any(pair.left.distortion):
        raise SynthscapeError(f"output {output!r}: frame {spec.frame_index}'s left camera {pair.left.name!r} is "
                              "distorted; a stereo pair must be rectified (the recipe check refuses this first)")
    return pair


def write_disparity(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                    **ctx: Any) -> list[Path]:
    """``disparity/NNNNNN.png``: the left (main) camera's disparity, KITTI uint16 x 256, 0 = invalid."""
    pair = require_stereo(spec, "disparity")
    if buffers.depth.shape != (pair.left.height, pair.left.width):
        raise ValueError(f"FrameBuffers.depth has shape {buffers.depth.shape}; the left camera is "
                         f"{pair.left.width}x{pair.left.height}")
    return [write_png(frame_file(out_dir, "disparity", spec.frame_index, "png"), frame_disparity(pair, buffers))]


register_output(OutputFormat(
    "disparity", write_disparity, None, scope="frame",
    description="stereo disparity of the main (left) camera: disparity/NNNNNN.png, KITTI uint16 x 256, "
                "0 = invalid (needs rig.stereo or rig.preset)"))
