"""Reading and writing the image files of a dataset (PNG via Pillow, EXR via OpenEXR)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import OpenEXR
from PIL import Image

from synthscape.io.atomic import write_atomic


def linear_to_srgb8(rgb: np.ndarray) -> np.ndarray:
    """Convert (H, W, 3) linear RGB to 8-bit sRGB with the standard sRGB transfer curve."""
    x = np.clip(np.nan_to_num(np.asarray(rgb, dtype=np.float32), nan=0.0, posinf=1.0), 0.0, 1.0)
    srgb = np.where(x <= 0.0031308, np.float32(12.92) * x,
                    np.float32(1.055) * np.power(x, np.float32(1 / 2.4)) - np.float32(0.055))
    return np.round(srgb * np.float32(255.0)).astype(np.uint8)


def write_png(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Atomically write a uint8 (H, W[, 3|4]) or uint16 (H, W) array as PNG."""
    if array.dtype == np.uint16:
        if array.ndim != 2:
            raise ValueError("uint16 PNGs must be single-channel (H, W)")
        image = Image.fromarray(np.ascontiguousarray(array, dtype="<u2"))
    elif array.dtype == np.uint8:
        image = Image.fromarray(array)
    else:
        raise ValueError(f"write_png takes uint8 or uint16 arrays, got {array.dtype}")
    return write_atomic(path, lambda tmp: image.save(tmp, format="PNG", compress_level=1))


def read_png(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a PNG; 16-bit single-channel images come back as uint16."""
    with Image.open(path) as image:
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            return np.asarray(image, dtype=np.uint32).astype(np.uint16)
        return np.asarray(image)


def write_exr(path: str | os.PathLike[str], channels: dict[str, np.ndarray]) -> Path:
    """Atomically write float32 channels (each (H, W)) to a single-part EXR (ZIP compressed)."""
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    data = {name: np.ascontiguousarray(a, dtype=np.float32) for name, a in channels.items()}

    def _write(tmp: Path) -> None:
        with OpenEXR.File(header, data) as exr:
            exr.write(str(tmp))

    return write_atomic(path, _write)


def read_exr(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read every channel of every part of an EXR into ``{part.channel: array}``.

    Single-part files written by :func:`write_exr` come back with plain channel names.
    RGB(A) channels that OpenEXR groups come back as one (H, W, C) array.
    """
    out: dict[str, np.ndarray] = {}
    with OpenEXR.File(str(path), separate_channels=False) as exr:
        for part in exr.parts:
            for name, channel in part.channels.items():
                out[name] = channel.pixels  # a new array that owns its data: no copy needed
    return out
