"""The ``lidar_nuscenes`` output: ``lidar/NNNNNN.pcd.bin``, the frame's scan as nuScenes stores it.

(N, 5) little-endian float32 rows x, y, z (LiDAR frame, metres), intensity (0..255, nuScenes'
scale), ring index: the layout nuscenes-devkit's ``LidarPointCloud.from_file`` and mmdetection3d's
``LoadPointsFromFile(load_dim=5)`` read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synthscape.buffers import FrameBuffers
from synthscape.lidar.io import scan_to_nuscenes
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.lidar import write_scan_file
from synthscape.writers.registry import OutputFormat, register_output


def write_lidar_nuscenes(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                         **ctx: Any) -> list[Path]:
    """``lidar/NNNNNN.pcd.bin``, or nothing when the frame has no scan."""
    return write_scan_file(out_dir, spec, buffers, "pcd.bin", scan_to_nuscenes)


register_output(OutputFormat(
    "lidar_nuscenes", write_lidar_nuscenes, None, needs=frozenset({"mesh", "lidar"}), scope="frame",
    description="LiDAR as nuScenes: lidar/NNNNNN.pcd.bin (float32 x y z intensity(0-255) ring)"))
