"""Offline procedural textures (noise, Voronoi, wave), tileable by construction.

Every pattern is periodic on the image: lattices wrap around and frequencies are
integers, so a texture tiles without a seam. Randomness comes only from the
``np.random.Generator`` passed in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _periodic_value_noise(size: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """(size, size) float64 value noise in [0, 1] on a ``cells``-periodic lattice."""
    lattice = rng.random((cells, cells))
    coords = np.arange(size, dtype=np.float64) * cells / size
    i0 = np.floor(coords).astype(int)
    t = coords - i0
    t = t * t * (3 - 2 * t)
    i1 = (i0 + 1) % cells
    rows0, rows1 = lattice[i0], lattice[i1]
    top = rows0[:, i0] * (1 - t)[None, :] + rows0[:, i1] * t[None, :]
    bottom = rows1[:, i0] * (1 - t)[None, :] + rows1[:, i1] * t[None, :]
    return top * (1 - t)[:, None] + bottom * t[:, None]


def noise_field(size: int, rng: np.random.Generator, octaves: int = 5) -> np.ndarray:
    """(size, size) fractal value noise in [0, 1], periodic on the image."""
    total = np.zeros((size, size))
    amplitude, norm = 1.0, 0.0
    for octave in range(octaves):
        cells = min(4 * 2 ** octave, size)
        total += amplitude * _periodic_value_noise(size, cells, rng)
        norm += amplitude
        amplitude *= 0.5
    return total / norm


def voronoi_field(size: int, rng: np.random.Generator, points: int = 24) -> np.ndarray:
    """(size, size) distance to the nearest feature point on a torus, scaled to [0, 1]."""
    feats = rng.random((points, 2))
    coords = (np.arange(size, dtype=np.float64) + 0.5) / size
    best = np.full((size, size), np.inf)
    for fy, fx in feats:
        dy = np.abs(coords - fy)
        dx = np.abs(coords - fx)
        dy = np.minimum(dy, 1 - dy)
        dx = np.minimum(dx, 1 - dx)
        best = np.minimum(best, dy[:, None] ** 2 + dx[None, :] ** 2)
    dist = np.sqrt(best)
    return dist / max(dist.max(), 1e-12)


def wave_field(size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, size) distorted bands in [0, 1]; integer frequencies keep it periodic."""
    ky, kx = rng.integers(1, 6, size=2)
    coords = np.arange(size, dtype=np.float64) / size
    phase = ky * coords[:, None] + kx * coords[None, :]
    warp = 1.5 * (noise_field(size, rng, octaves=3) - 0.5)
    return 0.5 + 0.5 * np.sin(2 * np.pi * (phase + warp))


FIELDS: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "noise": noise_field,
    "voronoi": voronoi_field,
    "wave": wave_field,
}


def procedural_texture(kind: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """A tileable colour texture.

    Args:
        kind: ``noise``, ``voronoi`` or ``wave``.
        size: side length in pixels.
        rng: the only source of randomness (palette and pattern).

    Returns:
        (size, size, 3) uint8 sRGB image.
    """
    if kind not in FIELDS:
        raise ValueError(f"unknown procedural texture kind {kind!r}; use one of {sorted(FIELDS)}")
    field = FIELDS[kind](size, rng)
    dark, light = rng.random(3) * 0.5, 0.5 + rng.random(3) * 0.5
    rgb = dark[None, None, :] + field[..., None] * (light - dark)[None, None, :]
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)
