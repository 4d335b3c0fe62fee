"""One LiDAR sweep against a scene mesh, with a switchable, seeded noise model.

:class:`~synthscape.buffers.LidarScan` lives in :mod:`synthscape.buffers` (re-exported here).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthscape.buffers import LidarScan, SceneMesh
from synthscape.lidar.pose import sensor_from_spec
from synthscape.lidar.raycast import RaycastBackend, default_raycaster
from synthscape.lidar.sensors import sensor_rays


def _category_lut(instance_to_category: dict[int, int]) -> np.ndarray:
    lut = np.zeros(max(instance_to_category, default=0) + 1, dtype=np.uint16)
    for instance_id, category_id in instance_to_category.items():
        lut[instance_id] = category_id
    return lut


def _draw_noise(rng: np.random.Generator, count: int, noise: dict[str, float]) \
        -> tuple[np.ndarray, np.ndarray]:
    """Range offsets (count,) and kept flags (count,), drawn for every ray so that the
    stream does not depend on what was hit."""
    offsets = np.zeros(count)
    keep = np.ones(count, dtype=bool)
    if noise["range_std"] > 0:
        offsets = rng.normal(0.0, noise["range_std"], count)
    if noise["dropout"] > 0:
        keep = rng.random(count) >= noise["dropout"]
    return offsets, keep


def simulate_lidar(mesh: SceneMesh, lidar_spec: dict[str, Any], rng: np.random.Generator,
                   instance_to_category: dict[int, int],
                   backend: RaycastBackend | None = None) -> LidarScan:
    """Simulate one instantaneous sweep.

    Args:
        mesh: world triangles of the frame (``FrameBuffers.mesh``).
        lidar_spec: ``spec.lidar`` (see :func:`synthscape.lidar.pose.sample_lidar_spec`).
        rng: the frame's LiDAR generator (:func:`synthscape.sensors.lidar.lidar_rng`).
        instance_to_category: ``spec.instance_to_category()``.
        backend: ray caster built over ``mesh``; default :func:`default_raycaster`.

    Returns:
        The returns that survive range limits, grazing cut-off and dropout. Range noise moves
        points along their ray; intensity = reflectivity * cos(incidence) * exp(-2 a r).
    """
    sensor = sensor_from_spec(lidar_spec)
    noise = lidar_spec["noise"]
    dirs, ring, _ = sensor_rays(sensor)
    l2w = np.asarray(lidar_spec["lidar_to_world"], dtype=np.float64)
    hits = (backend or default_raycaster(mesh)).cast(l2w[:3, 3], dirs @ l2w[:3, :3].T)
    world_dirs = dirs.astype(np.float64) @ l2w[:3, :3].T
    cos_inc = np.abs(np.einsum("ij,ij->i", hits.normal, world_dirs))
    offsets, keep = _draw_noise(rng, len(dirs), noise)
    t = hits.t.astype(np.float64)
    keep &= np.isfinite(t) & (t >= sensor.min_range) & (t <= sensor.max_range)
    keep &= cos_inc >= np.cos(np.deg2rad(noise["max_incidence_deg"])) - 1e-9
    rng_noisy = np.maximum(t[keep] + offsets[keep], 0.0)
    refl = mesh.triangle_reflectivity[hits.triangle[keep]].astype(np.float64)
    intensity = refl * cos_inc[keep] * np.exp(-2.0 * noise["attenuation_per_m"] * t[keep])
    instance = hits.instance(mesh)[keep]
    lut = _category_lut(instance_to_category)
    semantic = lut[np.minimum(instance, len(lut) - 1)]
    semantic[instance >= len(lut)] = 0
    return LidarScan(points=(dirs[keep] * rng_noisy[:, None]).astype(np.float32),
                     intensity=np.clip(intensity, 0.0, 1.0).astype(np.float32),
                     semantic=semantic.astype(np.uint16), instance=instance, ring=ring[keep])


__all__ = ["LidarScan", "simulate_lidar"]
