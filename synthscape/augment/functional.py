"""Pure array maths of the augmentation ops (no randomness, no I/O).

Conventions:
    * ``image`` is (H, W, 3) uint8 sRGB; functions return a new array, never mutate inputs.
    * Label maps (instance, semantic) are (H, W) uint16; depth is (H, W) float32 metres with
      ``inf`` = no hit; normals are (H, W, 3) float32.
    * Geometric matrices are 3x3 and map *source* pixel coordinates to *destination* pixel
      coordinates in the convention of :mod:`synthscape.spec.projection` (OpenCV: pixel (i, j)
      has its centre at (i, j)), the convention of the rendered ``K``/``P2``, so the same
      matrix warps the images and updates the KITTI calib.
"""

from __future__ import annotations

import numpy as np

from synthscape.spec.projection import principal_point, translation_matrix


class _LazyCv2:
    """OpenCV imported on first use: Blender ships no cv2, and recipes only need the op tables."""

    def __getattr__(self, name: str) -> object:
        import cv2

        return getattr(cv2, name)


cv2 = _LazyCv2()

_LEVELS = np.arange(256, dtype=np.float32)


def apply_lut(image: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Map a uint8 image through a (256,) or (256, 3) float lookup table (clipped, rounded)."""
    table = np.clip(np.rint(lut), 0, 255).astype(np.uint8)
    if table.ndim == 1:
        return cv2.LUT(image, table)
    return cv2.LUT(image, table.reshape(256, 1, 3))


def brightness(image: np.ndarray, shift: float) -> np.ndarray:
    """Add ``shift`` x 255 to every channel (shift in [-1, 1])."""
    return apply_lut(image, _LEVELS + 255.0 * shift)


def mean_gray(image: np.ndarray) -> float:
    """Mean luma (Rec. 601) of a (H, W, 3) uint8 RGB image, 0..255."""
    r, g, b = cv2.mean(image)[:3]
    return 0.299 * r + 0.587 * g + 0.114 * b


def contrast(image: np.ndarray, factor: float) -> np.ndarray:
    """Scale distances from the mean grey level by ``factor`` (1 = unchanged)."""
    mean = mean_gray(image)
    return apply_lut(image, mean + (_LEVELS - mean) * factor)


def brightness_contrast(image: np.ndarray, shift: float, factor: float) -> np.ndarray:
    """:func:`contrast` then :func:`brightness` in a single table lookup."""
    mean = mean_gray(image)
    return apply_lut(image, mean + (_LEVELS - mean) * factor + 255.0 * shift)


def gamma(image: np.ndarray, value: float) -> np.ndarray:
    """Apply ``out = 255 * (in / 255) ** value``."""
    return apply_lut(image, 255.0 * (_LEVELS / 255.0) ** value)


def channel_gain(image: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """Multiply the R, G, B channels by ``gains``."""
    return apply_lut(image, _LEVELS[:, None] * np.asarray(gains, dtype=np.float32)[None, :])


def hue_saturation(image: np.ndarray, hue_shift: float, saturation: float,
                   value: float = 1.0) -> np.ndarray:
    """Rotate hue by ``hue_shift`` degrees and scale saturation and value by factors."""
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    h, s, v = cv2.split(hsv)
    h_lut = ((np.arange(256) + hue_shift / 2.0) % 180).astype(np.uint8)  # OpenCV hue = deg / 2
    h = cv2.LUT(h, h_lut)
    s = apply_lut(s, _LEVELS * saturation)
    if value != 1.0:
        v = apply_lut(v, _LEVELS * value)
    return cv2.cvtColor(cv2.merge([h, s, v]), cv2.COLOR_HSV2RGB)


def gaussian_noise(image: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Add a float (H, W, 3) noise field in 0..255 units (drawn by the caller)."""
    return np.clip(image.astype(np.float32) + noise, 0, 255).round().astype(np.uint8)


def poisson_noise(image: np.ndarray, photons: np.ndarray, scale: float) -> np.ndarray:
    """Replace the image by ``photons / scale`` (photons ~ Poisson(image / 255 * scale))."""
    return np.clip(photons * (255.0 / scale), 0, 255).round().astype(np.uint8)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with standard deviation ``sigma`` pixels (kernel 2 * ceil(3 sigma) + 1)."""
    if sigma <= 0:
        return image.copy()
    k = 2 * int(np.ceil(3 * sigma)) + 1
    return cv2.GaussianBlur(image, (k, k), sigmaX=sigma, sigmaY=sigma,
                            borderType=cv2.BORDER_REFLECT_101)


def motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    """A normalized (L, L) line kernel of odd ``length`` at ``angle_deg`` (0 = horizontal)."""
    length = max(1, int(length) | 1)
    kernel = np.zeros((length, length), dtype=np.float32)
    c = length // 2
    dx, dy = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    for t in np.linspace(-c, c, 2 * length):
        kernel[int(round(c + t * dy)), int(round(c + t * dx))] = 1.0
    return kernel / kernel.sum()


def motion_blur(image: np.ndarray, length: int, angle_deg: float) -> np.ndarray:
    """Convolve with :func:`motion_kernel`."""
    return cv2.filter2D(image, -1, motion_kernel(length, angle_deg),
                        borderType=cv2.BORDER_REFLECT_101)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Round-trip through JPEG at ``quality`` (1..100) with OpenCV's libjpeg."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def vignette(image: np.ndarray, strength: float, radius: float) -> np.ndarray:
    """Darken towards the corners: gain = 1 - strength * smoothstep(r / radius), where
    r = 1 at the corners."""
    h, w = image.shape[:2]
    y = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / (h / 2)
    x = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / (w / 2)
    r = np.sqrt(x[None, :] ** 2 + y[:, None] ** 2) / np.sqrt(2.0)
    t = np.clip(r / max(radius, 1e-6), 0.0, 1.0)
    gain = 1.0 - strength * t * t * (3 - 2 * t)
    return np.clip(image * gain[..., None], 0, 255).round().astype(np.uint8)


def blend_where(image: np.ndarray, other: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``image * (1 - alpha) + other * alpha`` with (H, W) or (H, W, 1) float alpha in [0, 1]."""
    a = alpha.reshape(alpha.shape[0], alpha.shape[1], 1).astype(np.float32)
    out = image.astype(np.float32) * (1.0 - a) + other.astype(np.float32) * a
    return np.clip(out, 0, 255).round().astype(np.uint8)


def blend_background(image: np.ndarray, other: np.ndarray, alpha: float,
                     instance: np.ndarray) -> np.ndarray:
    """Blend uint8 ``other`` into ``image`` with weight ``alpha`` where ``instance == 0``;
    object pixels are copied unchanged."""
    out = cv2.addWeighted(image, 1.0 - alpha, other, alpha, 0.0)
    cv2.copyTo(image, (instance != 0).view(np.uint8), out)
    return out


def cover_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize ``image`` to cover (height, width) keeping its aspect ratio, centre-cropped."""
    h, w = image.shape[:2]
    s = max(height / h, width / w)
    nh, nw = max(height, int(np.ceil(h * s))), max(width, int(np.ceil(w * s)))
    big = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    y0, x0 = (nh - height) // 2, (nw - width) // 2
    return np.ascontiguousarray(big[y0:y0 + height, x0:x0 + width])


# --- geometry -------------------------------------------------------------------------------

def affine_matrix(width: int, height: int, angle_deg: float = 0.0, scale: float = 1.0,
                  translate: tuple[float, float] = (0.0, 0.0),
                  shear_deg: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Affine transform about the image centre: rotate (counter-clockwise on screen), scale,
    shear, then translate by ``translate`` pixels."""
    cx, cy = principal_point(width, height)
    a = np.radians(angle_deg)
    rot = np.array([[np.cos(a), np.sin(a), 0.0], [-np.sin(a), np.cos(a), 0.0], [0, 0, 1.0]])
    sx, sy = np.tan(np.radians(shear_deg[0])), np.tan(np.radians(shear_deg[1]))
    shear = np.array([[1.0, sx, 0.0], [sy, 1.0, 0.0], [0.0, 0.0, 1.0]])
    zoom = np.diag([scale, scale, 1.0])
    return (translation_matrix(cx + translate[0], cy + translate[1]) @ rot @ shear @ zoom
            @ translation_matrix(-cx, -cy))


def perspective_matrix(width: int, height: int, offsets: np.ndarray) -> np.ndarray:
    """Homography moving the image corners (TL, TR, BR, BL) by ``offsets`` (4, 2) pixels."""
    src = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
                   dtype=np.float32)
    return cv2.getPerspectiveTransform(src, (src + offsets).astype(np.float32)).astype(float)


def warp(array: np.ndarray, matrix: np.ndarray, out_size: tuple[int, int], nearest: bool,
         fill: float) -> np.ndarray:
    """Warp an (H, W[, C]) array by a 3x3 source-to-destination matrix.

    Args:
        array: the target; label maps and depth must use ``nearest=True``.
        matrix: 3x3 OpenCV-convention transform.
        out_size: (width, height) of the output, pixels.
        nearest: nearest-neighbour instead of bilinear interpolation.
        fill: value outside the source (0 labels, inf depth).
    """
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    m = np.asarray(matrix, dtype=np.float64)
    channels = 1 if array.ndim == 2 else array.shape[2]
    border = (fill,) * min(channels, 4)
    if np.allclose(m[2], [0.0, 0.0, 1.0]):
        return cv2.warpAffine(array, m[:2], out_size, flags=flags,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    return cv2.warpPerspective(array, m, out_size, flags=flags,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=border)
