"""One LiDAR sweep against a scene mesh: material-aware intensity, echoes, firing times, motion
skew, and a switchable, seeded noise model.

:class:`~synthscape.buffers.LidarScan` lives in :mod:`synthscape.buffers` (re-exported here).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthscape.buffers import LidarScan, SceneMesh
from synthscape.lidar.pose import sensor_from_spec
from synthscape.lidar.raycast import RaycastBackend, RayHits, default_raycaster
from synthscape.lidar.reflectance import surface_return
from synthscape.lidar.returns import footprint_rays, group_echoes
from synthscape.lidar.sensors import SensorModel, sensor_rays
from synthscape.spec.rig import VELO_TO_CAM_AXES

SINGLE_RETURN = {"mode": "single"}
"""``spec.lidar['returns']`` of specs written before echoes existed: one ideal ray per beam."""


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


def firing_times(azimuth: np.ndarray, rotation_hz: float) -> np.ndarray:
    """(R,) seconds since the sweep's start at which each beam fires.

    The sweep starts (and ends) behind the sensor (azimuth -pi) and turns towards +y, so the
    time grows with the azimuth over ``[-pi, pi)``; the sensor faces forward (azimuth 0, the
    camera's instant and the frame's pose) at half the period.
    """
    turn = (np.asarray(azimuth, dtype=np.float64) + np.pi) / (2.0 * np.pi)
    return np.clip(turn, 0.0, np.nextafter(1.0, 0.0)) / rotation_hz


def rig_velocity_world(lidar_spec: dict[str, Any]) -> np.ndarray:
    """(3,) the rig's velocity in world axes, m/s (``lidar_spec['rig_velocity']`` is in rig axes)."""
    l2w = np.asarray(lidar_spec["lidar_to_world"], dtype=np.float64)
    l2c = np.asarray(lidar_spec["lidar_to_camera"], dtype=np.float64)
    camera_to_world = l2w @ np.linalg.inv(l2c)
    rig = np.asarray(lidar_spec.get("rig_velocity", (0.0, 0.0, 0.0)), dtype=np.float64)
    return camera_to_world[:3, :3] @ (VELO_TO_CAM_AXES @ rig)


@dataclass(frozen=True)
class _Beams:
    """One echo per beam: range (``inf`` = none), strength (before range attenuation), hit triangle."""

    t: np.ndarray
    strength: np.ndarray
    triangle: np.ndarray


def _sub_ray_returns(mesh: SceneMesh, hits: RayHits, dirs: np.ndarray, sensor: SensorModel,
                     noise: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Ranges (``inf`` where the sensor sees nothing) and material returns of every ray."""
    cos_inc = np.abs(np.einsum("ij,ij->i", hits.normal.astype(np.float64), dirs))
    t = hits.t.astype(np.float64)
    seen = np.isfinite(t) & (t >= sensor.min_range) & (t <= sensor.max_range)
    seen &= cos_inc >= np.cos(np.deg2rad(noise["max_incidence_deg"])) - 1e-9
    strength = np.zeros(len(t))
    strength[seen] = surface_return(mesh, hits.triangle[seen], cos_inc[seen])
    return np.where(seen, t, np.inf), strength


@functools.lru_cache(maxsize=8)
def _sweep(sensor: SensorModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sensor_rays` of a sensor, cached (read-only arrays): every frame fires the same rays."""
    arrays = sensor_rays(sensor)
    for array in arrays:
        array.flags.writeable = False
    return arrays


@functools.lru_cache(maxsize=8)
def _sensor_footprint(sensor: SensorModel, half_angle_rad: float, count: int) -> np.ndarray:
    """(R * count, 3) float32 sub-ray directions of a sweep in the LiDAR frame (cached per sensor)."""
    rays = footprint_rays(_sweep(sensor)[0], half_angle_rad, count).reshape(-1, 3).astype(np.float32)
    rays.flags.writeable = False
    return rays


def _cast_beams(mesh: SceneMesh, backend: RaycastBackend, origins: np.ndarray,
                rotation: np.ndarray, sensor: SensorModel, noise: dict[str, float],
                returns: dict[str, Any]) -> list[_Beams]:
    """The echoes each beam reports: one list entry per echo kind (strongest, then the second).

    ``rotation`` is the LiDAR-to-world rotation; ``origins`` (3,) or (R, 3) where each beam fires from.
    """
    world_dirs = (_sweep(sensor)[0].astype(np.float64) @ rotation.T).astype(np.float32)
    mode = returns.get("mode", "single")
    if mode == "single":
        hits = backend.cast(origins, world_dirs)
        t, strength = _sub_ray_returns(mesh, hits, world_dirs.astype(np.float64), sensor, noise)
        return [_Beams(t, strength, hits.triangle)]
    subs = int(returns["sub_rays"])
    local = _sensor_footprint(sensor, 0.5e-3 * float(returns["divergence_mrad"]), subs)
    flat = (local @ rotation.T).astype(np.float32)
    hits = backend.cast(origins if origins.ndim == 1 else np.repeat(origins, subs, axis=0), flat)
    t, strength = _sub_ray_returns(mesh, hits, flat, sensor, noise)
    beams = len(world_dirs)
    points = flat * np.where(np.isfinite(t), t, 0.0)[:, None]
    echoes = group_echoes(t.reshape(beams, subs), strength.reshape(beams, subs),
                          hits.normal.reshape(beams, subs, 3).astype(np.float64),
                          points.reshape(beams, subs, 3), float(returns["min_separation_m"]))
    picks = {"strongest": [echoes.strongest()], "last": [echoes.last()],
             "dual": [echoes.strongest(), echoes.second()]}[mode]
    out, row = [], np.arange(beams)
    for pick in picks:
        member = echoes.member[row, pick]
        triangle = np.where(member >= 0, hits.triangle.reshape(beams, subs)[row, np.maximum(member, 0)], -1)
        out.append(_Beams(echoes.range[row, pick], echoes.strength[row, pick], triangle))
    return out


def _labels(mesh: SceneMesh, triangles: np.ndarray, instance_to_category: dict[int, int]) \
        -> tuple[np.ndarray, np.ndarray]:
    """(instance, semantic) uint16 ids of the hit triangles."""
    instance = np.zeros(len(triangles), dtype=np.uint16)
    hit = triangles >= 0
    instance[hit] = mesh.triangle_instance[triangles[hit]]
    lut = _category_lut(instance_to_category)
    semantic = lut[np.minimum(instance, len(lut) - 1)]
    semantic[instance >= len(lut)] = 0
    return instance, semantic.astype(np.uint16)


def simulate_lidar(mesh: SceneMesh, lidar_spec: dict[str, Any], rng: np.random.Generator,
                   instance_to_category: dict[int, int],
                   backend: RaycastBackend | None = None) -> LidarScan:
    """Simulate one sweep.

    Args:
        mesh: world triangles of the frame (``FrameBuffers.mesh``).
        lidar_spec: ``spec.lidar`` (see :func:`synthscape.lidar.pose.sample_lidar_spec`).
        rng: the frame's LiDAR generator (:func:`synthscape.sensors.lidar.lidar_rng`).
        instance_to_category: ``spec.instance_to_category()``.
        backend: ray caster built over ``mesh``; default :func:`default_raycaster`.

    Returns:
        The returns that survive range limits, grazing cut-off and dropout. Range noise moves
        points along their beam; intensity = material return (:mod:`synthscape.lidar.reflectance`)
        * exp(-2 a r). Each beam is cast from the sensor's position at its firing time (motion
        skew with ``rig_velocity``) and its point is given in the sensor frame of that instant.
    """
    sensor = sensor_from_spec(lidar_spec)
    noise = lidar_spec["noise"]
    returns = lidar_spec.get("returns", SINGLE_RETURN)
    dirs, ring, azimuth = _sweep(sensor)
    l2w = np.asarray(lidar_spec["lidar_to_world"], dtype=np.float64)
    time = firing_times(azimuth, sensor.rotation_hz)
    velocity = rig_velocity_world(lidar_spec)
    origins = l2w[:3, 3].astype(np.float32)  # one origin, or where the moving sensor is at each firing
    if np.any(velocity):
        origins = (l2w[:3, 3] + np.outer(time - 0.5 / sensor.rotation_hz, velocity)).astype(np.float32)
    echoes = _cast_beams(mesh, backend or default_raycaster(mesh), origins, l2w[:3, :3], sensor,
                         noise, returns)
    offsets, keep = _draw_noise(rng, len(dirs), noise)
    parts = []
    for kind, echo in enumerate(echoes):
        if kind:  # the last echoes' range noise: drawn after the first, for every beam
            offsets = _draw_noise(rng, len(dirs), {**noise, "dropout": 0.0})[0]
        kept = keep & np.isfinite(echo.t)
        r = np.maximum(echo.t[kept] + offsets[kept], 0.0)
        intensity = echo.strength[kept] * np.exp(-2.0 * noise["attenuation_per_m"] * echo.t[kept])
        instance, semantic = _labels(mesh, echo.triangle[kept], instance_to_category)
        beam = np.flatnonzero(kept)
        parts.append((beam * 2 + kind, dirs[kept] * r[:, None], intensity, semantic, instance, kind))
    return _assemble(parts, ring, time)


def _assemble(parts: list[tuple], ring: np.ndarray, time: np.ndarray) -> LidarScan:
    """Merge the echo kinds into one scan in beam order (a beam's strongest echo first)."""
    key = np.concatenate([p[0] for p in parts])
    order = np.argsort(key, kind="stable")
    beam = key[order] // 2
    return LidarScan(
        points=np.concatenate([p[1] for p in parts])[order].astype(np.float32),
        intensity=np.clip(np.concatenate([p[2] for p in parts])[order], 0.0, 1.0).astype(np.float32),
        semantic=np.concatenate([p[3] for p in parts])[order],
        instance=np.concatenate([p[4] for p in parts])[order],
        ring=ring[beam],
        time=time[beam].astype(np.float32),
        return_type=np.concatenate([np.full(len(p[0]), p[5], np.uint8) for p in parts])[order])


__all__ = ["LidarScan", "firing_times", "rig_velocity_world", "simulate_lidar"]
