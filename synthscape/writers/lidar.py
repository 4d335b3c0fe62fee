"""The ``lidar`` output: ``lidar/NNNNNN.bin``, ``.label`` (and ``.ply``) from the sensors stage's scan.

The dataset-level step writes ``lidar/semantic-kitti.yaml``, the class config that
semantic-kitti-api and SemanticKITTI loaders need to read the ``.label`` files
(:mod:`synthscape.writers.semantic_kitti`).
"""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Callable
from typing import Any

from synthscape.buffers import FrameBuffers, LidarScan
from synthscape.io.atomic import write_bytes_atomic
from synthscape.lidar.io import write_lidar_frame
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.layout import frame_file
from synthscape.writers.registry import OutputFormat, register_output
from synthscape.writers.semantic_kitti import finalize_semantic_kitti


def write_lidar(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                **ctx: Any) -> list[Path]:
    """The frame's LiDAR files, or nothing when the frame has no scan (no ``lidar:`` section)."""
    if buffers.lidar is None:
        return []
    write_ply = bool((spec.lidar or {}).get("write_ply"))
    return write_lidar_frame(out_dir, spec.frame_index, buffers.lidar, write_ply)


def write_scan_file(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers, suffix: str,
                    encode: Callable[[LidarScan], bytes]) -> list[Path]:
    """``lidar/NNNNNN.<suffix>`` holding ``encode(scan)``, or nothing when the frame has no scan.

    The per-frame step of every single-file LiDAR format (PCD, nuScenes).
    """
    if buffers.lidar is None:
        return []
    return [write_bytes_atomic(frame_file(out_dir, "lidar", spec.frame_index, suffix), encode(buffers.lidar))]


register_output(OutputFormat(
    "lidar", write_lidar, finalize_semantic_kitti, needs=frozenset({"mesh", "lidar"}), scope="frame",
    description="LiDAR: lidar/NNNNNN.bin (KITTI velodyne), .label (SemanticKITTI), lidar/semantic-kitti.yaml"))
