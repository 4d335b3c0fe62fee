"""Stereo disparity maps from depth, in the KITTI stereo PNG convention (pure numpy; no registration).

Used by the ``disparity`` output and by KITTI's ``disp_occ_0``.
"""

from __future__ import annotations

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.spec.rig import StereoPair

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
