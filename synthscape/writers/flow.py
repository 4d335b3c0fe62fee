"""Optical flow outputs of sequence frames: ``flow_fw``, ``flow_bw`` (float32 EXR) and ``kitti_flow``.

Convention (Sintel / KITTI, and :class:`~synthscape.buffers.FrameBuffers`): ``flow[y, x] = (dx,
dy)`` in pixels, x to the right, y down (row 0 = image top); the surface seen at pixel (x, y) of
frame t is at (x + dx, y + dy) in frame t + 1 (forward) or t - 1 (backward). Pixel centres are at
integer coordinates. The flow is Cycles' vector pass of the same render as the labels: the motion
of the surface point itself, so it is defined for points hidden in the other frame too (KITTI's
``flow_occ``); find occluded pixels with :func:`synthscape.spec.flow_geometry.visible_in_other`.
The first and last frames of a sequence get flow to the extrapolated previous / next poses.

Files:
    * ``flow_fw/NNNNNN.exr`` / ``flow_bw/NNNNNN.exr``: single-part float32 EXR, channel ``R`` = dx,
      ``G`` = dy, NaN where no surface was hit (background).
    * ``flow_occ/NNNNNN.png`` (``kitti_flow``): the forward flow as KITTI 2015 stores it: 16-bit
      RGB PNG, ``R = dx * 64 + 2**15``, ``G = dy * 64 + 2**15``, ``B = 1`` where valid (a surface
      was hit and |flow| < 512 px), else all three 0.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.errors import SynthscapeError
from synthscape.io.atomic import write_bytes_atomic
from synthscape.io.images import write_exr
from synthscape.io.optional import import_cv2
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.layout import frame_file
from synthscape.writers.registry import OutputFormat, register_output

KITTI_FLOW_SCALE = 64.0
KITTI_FLOW_OFFSET = 2.0**15
KITTI_FLOW_LIMIT_PX = 512.0
"""Largest |dx| or |dy| the 16-bit KITTI encoding holds (exclusive)."""


def _flow(spec: SceneSpec, buffers: FrameBuffers, direction: str, output: str) -> np.ndarray:
    flow = buffers.flow_forward if direction == "forward" else buffers.flow_backward
    if spec.motion is None:
        raise SynthscapeError(f"output {output!r}: frame {spec.frame_index} is a still; optical flow needs a "
                              "sequence (add sequence: {frames: N, fps: F} to the recipe)")
    if flow is None:
        raise SynthscapeError(f"output {output!r}: frame {spec.frame_index} was rendered without the vector pass "
                              "(a renderer without flow support, or a distorted camera)")
    if flow.shape != (*buffers.depth.shape, 2):
        raise ValueError(f"{direction} flow has shape {flow.shape}; the frame is {buffers.depth.shape}")
    return np.where(np.isfinite(buffers.depth)[..., None], flow, np.float32(np.nan)).astype(np.float32)


def write_flow_exr(out_dir: str | os.PathLike[str], spec: SceneSpec, flow: np.ndarray, folder: str) -> Path:
    """``FOLDER/NNNNNN.exr``: float32 ``R`` = dx, ``G`` = dy (NaN: no surface)."""
    return write_exr(frame_file(out_dir, folder, spec.frame_index, "exr"), {"R": flow[..., 0], "G": flow[..., 1]})


def write_flow_forward(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                       **ctx: Any) -> list[Path]:
    """``flow_fw/NNNNNN.exr``: flow to the next frame."""
    return [write_flow_exr(out_dir, spec, _flow(spec, buffers, "forward", "flow_fw"), "flow_fw")]


def write_flow_backward(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                        **ctx: Any) -> list[Path]:
    """``flow_bw/NNNNNN.exr``: flow to the previous frame."""
    return [write_flow_exr(out_dir, spec, _flow(spec, buffers, "backward", "flow_bw"), "flow_bw")]


def encode_kitti_flow(flow: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint16 ``(u, v, valid)`` in KITTI 2015's encoding (RGB order) of an (H, W, 2) flow."""
    valid = np.isfinite(flow).all(axis=-1) & (np.abs(np.nan_to_num(flow)) < KITTI_FLOW_LIMIT_PX).all(axis=-1)
    encoded = np.zeros((*flow.shape[:2], 3), dtype=np.uint16)
    scaled = np.rint(np.nan_to_num(flow) * KITTI_FLOW_SCALE + KITTI_FLOW_OFFSET)
    encoded[..., :2] = np.where(valid[..., None], np.clip(scaled, 0, 65535), 0).astype(np.uint16)
    encoded[..., 2] = valid.astype(np.uint16)
    return encoded


def decode_kitti_flow(encoded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(flow, valid)`` of a KITTI flow image in RGB order, as the KITTI devkit reads it."""
    flow = (encoded[..., :2].astype(np.float64) - KITTI_FLOW_OFFSET) / KITTI_FLOW_SCALE
    return flow.astype(np.float32), encoded[..., 2] > 0


def write_kitti_flow(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                     **ctx: Any) -> list[Path]:
    """``flow_occ/NNNNNN.png``: the forward flow as a KITTI 2015 16-bit PNG."""
    cv2 = import_cv2("outputs: kitti_flow")
    encoded = encode_kitti_flow(_flow(spec, buffers, "forward", "kitti_flow"))
    ok, data = cv2.imencode(".png", np.ascontiguousarray(encoded[..., ::-1]))  # OpenCV writes BGR
    if not ok:
        raise ValueError(f"frame {spec.frame_index}: PNG encoding of the KITTI flow failed")
    return [write_bytes_atomic(frame_file(out_dir, "flow_occ", spec.frame_index, "png"), data.tobytes())]


FLOW_OUTPUTS = ("flow_fw", "flow_bw", "kitti_flow")
"""The formats that need a sequence and the vector pass."""

register_output(OutputFormat(
    "flow_fw", write_flow_forward, None, needs=frozenset({"flow"}),
    description="optical flow to the next frame: flow_fw/NNNNNN.exr, float32 R = dx, G = dy px (sequences)"))
register_output(OutputFormat(
    "flow_bw", write_flow_backward, None, needs=frozenset({"flow"}),
    description="optical flow to the previous frame: flow_bw/NNNNNN.exr, float32 R = dx, G = dy px (sequences)"))
register_output(OutputFormat(
    "kitti_flow", write_kitti_flow, None, needs=frozenset({"flow"}),
    description="forward flow in KITTI 2015's 16-bit PNG: flow_occ/NNNNNN.png (sequences)"))
