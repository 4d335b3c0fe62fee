"""Image writers: RGB, depth (EXR + KITTI-style PNG), instance, semantic and normal maps.

Each writer is a pure function ``(out_dir, spec, buffers, **ctx) -> list[Path]`` that
never mutates its inputs and writes through :mod:`synthscape.io` (atomic temp + rename).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.io.images import linear_to_srgb8, write_exr, write_png
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.layout import frame_file, stem_file
from synthscape.writers.registry import OutputFormat, register_output

DEPTH_PNG_SCALE = 256.0
"""``depth/*.png`` stores metres * 256 as uint16 (KITTI depth convention); 0 = no hit."""
UINT16_MAX = 65535
DEPTH_PNG_MAX = UINT16_MAX


def _check_shape(name: str, array: np.ndarray, shape: tuple[int, ...]) -> None:
    if array.shape != shape:
        raise ValueError(f"FrameBuffers.{name} has shape {array.shape}, expected {shape} "
                         "(the renderer must return passes of the spec's resolution)")


def depth_to_exr(depth: np.ndarray) -> np.ndarray:
    """(H, W) float32 depth in metres with every no-hit pixel (non-finite or <= 0) set to ``inf``."""
    d = np.asarray(depth, dtype=np.float32)
    return np.where(np.isfinite(d) & (d > 0), d, np.float32(np.inf)).astype(np.float32)


def depth_to_png16(depth: np.ndarray) -> np.ndarray:
    """(H, W) metres -> uint16 ``round(metres * 256)``; 0 = no hit, hits clipped to [1, 65535]."""
    d = np.asarray(depth, dtype=np.float64)
    hit = np.isfinite(d) & (d > 0)
    scaled = np.clip(np.round(np.where(hit, d, 0.0) * DEPTH_PNG_SCALE), 1, DEPTH_PNG_MAX)
    return np.where(hit, scaled, 0).astype(np.uint16)


def png16_to_depth(png: np.ndarray) -> np.ndarray:
    """Inverse of :func:`depth_to_png16`: (H, W) float32 metres, ``inf`` where the PNG is 0."""
    d = np.asarray(png, dtype=np.float32) / np.float32(DEPTH_PNG_SCALE)
    return np.where(png == 0, np.float32(np.inf), d).astype(np.float32)


def as_uint16(name: str, ids: np.ndarray) -> np.ndarray:
    """An integer id map as uint16, refusing negative ids or ids above 65535."""
    ids = np.asarray(ids)
    if ids.dtype == np.uint16:
        return ids
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"FrameBuffers.{name} must hold integer ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() > UINT16_MAX):
        raise ValueError(f"FrameBuffers.{name} ids must be in [0, 65535] to fit a uint16 PNG")
    return ids.astype(np.uint16)


def write_rgb(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
              **ctx: Any) -> list[Path]:
    """``rgb/NNNNNN.png``: (H, W, 3) linear RGB -> 8-bit sRGB."""
    _check_shape("rgb", buffers.rgb, (spec.camera.height, spec.camera.width, 3))
    return [write_png(frame_file(out_dir, "rgb", spec.frame_index, "png"), linear_to_srgb8(buffers.rgb))]


def write_depth(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                **ctx: Any) -> list[Path]:
    """``depth/NNNNNN.exr`` (float32 metres, channel ``Z``, inf = no hit) and ``depth/NNNNNN.png``."""
    _check_shape("depth", buffers.depth, (spec.camera.height, spec.camera.width))
    return [write_exr(frame_file(out_dir, "depth", spec.frame_index, "exr"), {"Z": depth_to_exr(buffers.depth)}),
            write_png(frame_file(out_dir, "depth", spec.frame_index, "png"), depth_to_png16(buffers.depth))]


def write_instance(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                   **ctx: Any) -> list[Path]:
    """``instance/NNNNNN.png``: (H, W) uint16 instance ids, 0 = background."""
    _check_shape("instance", buffers.instance, (spec.camera.height, spec.camera.width))
    ids = as_uint16("instance", buffers.instance)
    return [write_png(frame_file(out_dir, "instance", spec.frame_index, "png"), ids)]


def write_semantic(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                   **ctx: Any) -> list[Path]:
    """``semantic/NNNNNN.png``: (H, W) uint16 category ids looked up from the instance map."""
    _check_shape("instance", buffers.instance, (spec.camera.height, spec.camera.width))
    semantic = buffers.semantic(spec.instance_to_category())
    return [write_png(frame_file(out_dir, "semantic", spec.frame_index, "png"), as_uint16("semantic", semantic))]


def write_normal(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                 **ctx: Any) -> list[Path]:
    """``normal/NNNNNN.exr``: float32 world-space normals in channels ``X``, ``Y``, ``Z``."""
    _check_shape("normal", buffers.normal, (spec.camera.height, spec.camera.width, 3))
    n = np.asarray(buffers.normal, dtype=np.float32)
    channels = {"X": n[..., 0], "Y": n[..., 1], "Z": n[..., 2]}
    return [write_exr(frame_file(out_dir, "normal", spec.frame_index, "exr"), channels)]


def normal_channels(normal: np.ndarray) -> dict[str, np.ndarray]:
    """(H, W, 3) world-space normals as the float32 ``X``, ``Y``, ``Z`` channels of ``normal/*.exr``."""
    n = np.asarray(normal, dtype=np.float32)
    return {"X": n[..., 0], "Y": n[..., 1], "Z": n[..., 2]}


def write_image_passes(out_dir: str | os.PathLike[str], stem: str, srgb8: np.ndarray,
                       instance: np.ndarray, semantic: np.ndarray, depth: np.ndarray | None = None,
                       normal: np.ndarray | None = None,
                       depth_formats: tuple[str, ...] = ("exr", "png")) -> list[Path]:
    """The image files of one frame named ``stem`` from arrays already in their final form.

    For data that is not a fresh render (augmented copies): ``srgb8`` is (H, W, 3) uint8 sRGB,
    ``instance``/``semantic`` integer id maps; depth and normals are encoded as
    :func:`write_depth` and :func:`write_normal` encode them.

    Args:
        out_dir: the dataset folder.
        stem: file stem, e.g. ``000003_k1``.
        srgb8: ``rgb/<stem>.png``.
        instance: ``instance/<stem>.png``.
        semantic: ``semantic/<stem>.png``.
        depth: (H, W) metres, inf = no hit; None = no depth files.
        normal: (H, W, 3); None = no normal file.
        depth_formats: which of ``exr`` and ``png`` to write for depth.

    Returns:
        The paths written.
    """
    paths = [write_png(stem_file(out_dir, "rgb", stem, "png"), np.asarray(srgb8, dtype=np.uint8)),
             write_png(stem_file(out_dir, "instance", stem, "png"), as_uint16("instance", instance)),
             write_png(stem_file(out_dir, "semantic", stem, "png"), as_uint16("semantic", semantic))]
    if depth is not None and "exr" in depth_formats:
        paths.append(write_exr(stem_file(out_dir, "depth", stem, "exr"), {"Z": depth_to_exr(depth)}))
    if depth is not None and "png" in depth_formats:
        paths.append(write_png(stem_file(out_dir, "depth", stem, "png"), depth_to_png16(depth)))
    if normal is not None:
        paths.append(write_exr(stem_file(out_dir, "normal", stem, "exr"), normal_channels(normal)))
    return paths


for _fmt in (
        OutputFormat("rgb", write_rgb, description="rgb/NNNNNN.png: 8-bit sRGB"),
        OutputFormat("depth", write_depth, description="depth/NNNNNN.exr (float32 m) and .png (uint16 m x 256)"),
        OutputFormat("instance", write_instance, description="instance/NNNNNN.png: uint16 instance ids"),
        OutputFormat("semantic", write_semantic, description="semantic/NNNNNN.png: uint16 category ids"),
        OutputFormat("normal", write_normal, description="normal/NNNNNN.exr: float32 world-space normals")):
    register_output(_fmt)
