"""The ``lidar_pcd`` output: ``lidar/NNNNNN.pcd``, the frame's LiDAR scan as binary PCD v0.7.

Fields x, y, z (LiDAR frame, metres), intensity (0..1), ring, time (seconds since the sweep's
start), return_type (0 strongest, 1 last), semantic and instance ids
(:data:`synthscape.lidar.io.PCD_FIELDS`). Written with numpy (writers do not import Open3D);
PCL and ``open3d.t.io.read_point_cloud`` read it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synthscape.buffers import FrameBuffers
from synthscape.lidar.io import scan_to_pcd
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.lidar import write_scan_file
from synthscape.writers.registry import OutputFormat, register_output


def write_lidar_pcd(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                    **ctx: Any) -> list[Path]:
    """``lidar/NNNNNN.pcd``, or nothing when the frame has no scan."""
    return write_scan_file(out_dir, spec, buffers, "pcd", scan_to_pcd)


register_output(OutputFormat(
    "lidar_pcd", write_lidar_pcd, None, needs=frozenset({"mesh", "lidar"}), scope="frame",
    description="LiDAR as PCD: lidar/NNNNNN.pcd (x y z intensity ring time return_type semantic instance)"))
