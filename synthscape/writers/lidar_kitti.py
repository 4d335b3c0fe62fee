"""Per-frame LiDAR and KITTI writer: simulate the scan once, write both exports."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synthscape.buffers import FrameBuffers
from synthscape.lidar import lidar_rng, simulate_lidar, write_lidar_frame
from synthscape.lidar.simulate import LidarScan
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.kitti import write_kitti_frame


def simulate_frame_scan(spec: SceneSpec, buffers: FrameBuffers) -> LidarScan | None:
    """The frame's LiDAR scan, or None when the spec has no LiDAR or no mesh was exported."""
    lidar = spec.extras.get("lidar")
    if not lidar or buffers.mesh is None:
        return None
    rng = lidar_rng(spec.dataset_seed, spec.frame_index)
    return simulate_lidar(buffers.mesh, lidar, rng, spec.instance_to_category())


def write_lidar_and_kitti(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                          **ctx: Any) -> list[Path]:
    """Write ``lidar/`` (with a LiDAR) and ``kitti/training`` (with KITTI types) for one frame.

    Runs after the RGB writer, so ``image_2`` is a byte copy of ``rgb/NNNNNN.png``.
    """
    scan = simulate_frame_scan(spec, buffers)
    written: list[Path] = []
    if scan is not None:
        written += write_lidar_frame(out_dir, spec.frame_index, scan, bool(spec.extras["lidar"].get("write_ply")))
    if spec.wants_kitti():
        written += write_kitti_frame(out_dir, spec, buffers, scan)
    return written
