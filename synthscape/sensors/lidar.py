"""The LiDAR sensor of the sensors stage: one seeded sweep per frame against the scene mesh."""

from __future__ import annotations

import numpy as np

from synthscape.buffers import FrameBuffers, LidarScan
from synthscape.lidar.raycast import RaycastBackend
from synthscape.lidar.simulate import simulate_lidar
from synthscape.spec.scene_spec import SceneSpec
from synthscape.spec.sequence import frame_rng

SENSORS_STAGE = "sensors"
"""Name of the random stream of the sensors stage (:func:`synthscape.spec.seeds.stage_rng`)."""


def lidar_rng(spec: SceneSpec) -> np.random.Generator:
    """The LiDAR noise generator of a frame: the ``sensors`` stage stream of its seed and index
    (in a sequence: of its sequence, with the step as an extra word)."""
    return frame_rng(spec, SENSORS_STAGE)


def scan_lidar(spec: SceneSpec, buffers: FrameBuffers,
               backend: RaycastBackend | None = None) -> LidarScan | None:
    """The frame's LiDAR sweep, or None without a LiDAR (``spec.lidar``) or a mesh.

    Args:
        spec: the frame.
        buffers: its render; ``mesh`` holds the world triangles.
        backend: ray caster over ``buffers.mesh`` (default: the first available backend).
    """
    config = spec.lidar
    if not config or buffers.mesh is None:
        return None
    return simulate_lidar(buffers.mesh, config, lidar_rng(spec), spec.instance_to_category(), backend)


__all__ = ["SENSORS_STAGE", "lidar_rng", "scan_lidar"]
