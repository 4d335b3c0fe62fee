"""Seamless tiling: local seam blending, the inpainting mask for the edit approach, and a
seam metric.

All functions take images as numpy arrays of shape (H, W) or (H, W, C), any numeric dtype,
with row 0 at the top. They never mutate their input.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

SEAM_THRESHOLD = 1.5
"""``seam_score`` above this means a visible seam when the image is tiled."""


def _ramp(n: int, feather: float) -> np.ndarray:
    """(n,) float64 weight: 0 at both ends, 1 in the middle, smoothstep over ``feather * n``."""
    x = np.arange(n, dtype=np.float64) + 0.5
    dist = np.minimum(x, n - x)
    t = np.clip(dist / max(feather * n, 1.0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def make_tileable_blend(image: np.ndarray, feather: float = 0.25) -> np.ndarray:
    """Make an image tile seamlessly by blending it with its half-offset copies.

    The image ``I`` and its copies rolled by half the width (``Rx``), half the height
    (``Ry``) and both (``Rxy``) are mixed with separable weights ``wx(x)``, ``wy(y)`` that
    are 0 at the borders and 1 in the middle band::

        out = wx*wy*I + (1-wx)*wy*Rx + wx*(1-wy)*Ry + (1-wx)*(1-wy)*Rxy

    At the left/right borders only ``Rx`` and ``Rxy`` contribute, and both are continuous
    across the wrap-around; in the middle column only ``I`` and ``Ry`` contribute, which are
    continuous there. The same holds vertically, so the result has no seam anywhere.

    Args:
        image: (H, W) or (H, W, C) array; H and W >= 4.
        feather: width of the blend band at each border, as a fraction of the side (0..0.5).

    Returns:
        Array of the same shape and dtype as ``image``.
    """
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 4:
        raise ValueError(f"make_tileable_blend expects (H, W[, C]) with H, W >= 4, got {image.shape}")
    if not 0.0 < feather <= 0.5:
        raise ValueError(f"feather must be in (0, 0.5], got {feather}")
    h, w = image.shape[:2]
    img = image.astype(np.float64)
    rx = np.roll(img, w // 2, axis=1)
    ry = np.roll(img, h // 2, axis=0)
    rxy = np.roll(rx, h // 2, axis=0)
    wx = _ramp(w, feather)[None, :]
    wy = _ramp(h, feather)[:, None]
    if img.ndim == 3:
        wx, wy = wx[..., None], wy[..., None]
    out = wx * wy * img + (1 - wx) * wy * rx + wx * (1 - wy) * ry + (1 - wx) * (1 - wy) * rxy
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        out = np.clip(np.round(out), info.min, info.max)
    return out.astype(image.dtype)


def seam_mask(size: tuple[int, int], band: float = 0.125) -> np.ndarray:
    """Inpainting mask for the seam of a half-offset image, in OpenAI's mask format.

    After rolling an image by half its width and height, its wrap-around seams form a
    cross through the centre. The mask is fully transparent (alpha 0: "repaint here") on a
    band around that cross and opaque (alpha 255: "keep") elsewhere.

    Args:
        size: (width, height) in pixels, the same as the image sent to the edits endpoint.
        band: total width of the repainted band, as a fraction of the side.

    Returns:
        (height, width, 4) uint8 RGBA array.
    """
    width, height = size
    mask = np.full((height, width, 4), 255, dtype=np.uint8)
    half_w = max(1, int(round(band * width / 2)))
    half_h = max(1, int(round(band * height / 2)))
    mask[:, width // 2 - half_w: width // 2 + half_w, 3] = 0
    mask[height // 2 - half_h: height // 2 + half_h, :, 3] = 0
    return mask


def png_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 (H, W[, 3|4]) array as PNG bytes."""
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def decode_image(data: bytes) -> np.ndarray:
    """Decode PNG/JPEG/WebP bytes to a (H, W, 3) uint8 RGB array."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def offset_half(image: np.ndarray) -> np.ndarray:
    """Roll an image by half its width and height, moving its wrap seams to a centre cross."""
    return np.roll(image, (image.shape[0] // 2, image.shape[1] // 2), axis=(0, 1))


def seam_score(image: np.ndarray) -> float:
    """Discontinuity at the seams when the image is tiled 2x2.

    In a 2x2 tiling the seams sit where the last row (column) meets the first. The score is
    the mean absolute difference across those wrap-around boundaries divided by the mean
    absolute difference between adjacent rows (columns) inside the image. A tileable image
    scores about 1; a naive one scores well above :data:`SEAM_THRESHOLD`.

    Args:
        image: (H, W) or (H, W, C) array, H and W >= 2.

    Returns:
        Dimensionless ratio >= 0 (0 for a constant image).
    """
    img = image.astype(np.float64)
    if img.ndim == 2:
        img = img[..., None]
    interior = np.concatenate([np.abs(np.diff(img, axis=0)).ravel(),
                               np.abs(np.diff(img, axis=1)).ravel()]).mean()
    seam = np.concatenate([np.abs(img[0] - img[-1]).ravel(),
                           np.abs(img[:, 0] - img[:, -1]).ravel()]).mean()
    if interior == 0.0:
        return 0.0 if seam == 0.0 else float("inf")
    return float(seam / interior)
