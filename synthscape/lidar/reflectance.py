"""LiDAR return strength of a surface from its material: diffuse, specular, override, retro.

The model (documented in README, "Sensor realism"), for a hit at incidence angle ``theta``
(between the beam and the surface normal) on a material with base-colour luminance ``L``,
metallic ``m`` and roughness ``r``::

    diffuse   = (1 - m) * L                                  (metals have no diffuse lobe)
    F0        = 0.04 * (1 - m) + L * m                       (Schlick's normal-incidence Fresnel)
    specular  = F0 * exp(-tan(theta)^2 / alpha^2),  alpha = max(r, 0.05)^2
    R(theta)  = (diffuse + specular) * cos(theta)

The specular term is the back-scatter of a Beckmann-like microfacet lobe: a monostatic LiDAR
sees it only when the surface normal points back at the sensor, so a polished metal returns
strongly near normal incidence and almost nothing at an angle. ``material.lidar_reflectivity``
replaces ``diffuse + specular`` by a Lambertian target of that reflectivity (how calibrated
targets are specified: ``R = rho * cos(theta)``). Retro-reflective sheeting
(``material.retroreflective``) sends the beam back along itself: ``R = RETRO_PEAK *
cos(theta) ** RETRO_EXPONENT`` -- saturating near normal incidence and falling off much more
slowly with angle than any diffuse surface. The sensor's intensity is ``R`` times the two-way
attenuation ``exp(-2 a t)``, clipped to [0, 1].
"""

from __future__ import annotations

import numpy as np

from synthscape.buffers import SceneMesh

DIELECTRIC_F0 = 0.04
"""Normal-incidence Fresnel reflectance of a dielectric (paint, plastic, asphalt)."""
MIN_ROUGHNESS = 0.05
"""Roughness floor, so that a mirror (roughness 0) keeps a finite lobe width."""
RETRO_PEAK = 1.0
"""Retro-reflector return at normal incidence (saturates the intensity scale)."""
RETRO_EXPONENT = 0.25
"""Retro-reflector falloff ``cos(theta) ** RETRO_EXPONENT``: weak with angle."""


def _per_triangle(values: np.ndarray | None, triangles: np.ndarray, default: float) -> np.ndarray:
    if values is None:
        return np.full(triangles.shape, default, dtype=np.float64)
    return np.asarray(values, dtype=np.float64)[triangles]


def surface_return(mesh: SceneMesh, triangles: np.ndarray, cos_incidence: np.ndarray) -> np.ndarray:
    """The material's return ``R(theta)`` (before range attenuation) of hits on ``triangles``.

    Args:
        mesh: the scene mesh (per-triangle optics, see :class:`~synthscape.buffers.SceneMesh`).
        triangles: (N,) int indices of the triangles hit.
        cos_incidence: (N,) cosine of the angle between beam and surface normal, in [0, 1].

    Returns:
        (N,) float64 return strength, >= 0 (1 = a white Lambertian target at normal incidence).
    """
    cos_t = np.clip(np.asarray(cos_incidence, dtype=np.float64), 0.0, 1.0)
    lum = np.asarray(mesh.triangle_reflectivity, dtype=np.float64)[triangles]
    metallic = _per_triangle(mesh.triangle_metallic, triangles, 0.0)
    roughness = _per_triangle(mesh.triangle_roughness, triangles, 0.5)
    alpha2 = np.maximum(roughness, MIN_ROUGHNESS) ** 4
    tan2 = (1.0 - cos_t ** 2) / np.maximum(cos_t ** 2, 1e-12)
    f0 = DIELECTRIC_F0 * (1.0 - metallic) + lum * metallic
    albedo = (1.0 - metallic) * lum + f0 * np.exp(-tan2 / alpha2)
    override = _per_triangle(mesh.triangle_lidar_reflectivity, triangles, np.nan)
    albedo = np.where(np.isfinite(override), override, albedo)
    out = albedo * cos_t
    if mesh.triangle_retroreflective is not None:
        retro = np.asarray(mesh.triangle_retroreflective, dtype=bool)[triangles]
        out = np.where(retro, RETRO_PEAK * cos_t ** RETRO_EXPONENT, out)
    return out


__all__ = ["DIELECTRIC_F0", "MIN_ROUGHNESS", "RETRO_EXPONENT", "RETRO_PEAK", "surface_return"]
