"""LiDAR files: KITTI ``.bin`` points, SemanticKITTI ``.label`` ids, optional ``.ply``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from synthscape.io.atomic import write_atomic, write_bytes_atomic
from synthscape.lidar.simulate import LidarScan


def scan_to_bin(scan: LidarScan) -> bytes:
    """KITTI velodyne bytes: (N, 4) little-endian float32 rows x, y, z, intensity."""
    rows = np.concatenate([scan.points, scan.intensity[:, None]], axis=1)
    return np.ascontiguousarray(rows, dtype="<f4").tobytes()


def scan_to_label(scan: LidarScan) -> bytes:
    """SemanticKITTI label bytes: (N,) uint32, lower 16 bits semantic, upper 16 instance."""
    labels = (scan.instance.astype(np.uint32) << 16) | scan.semantic.astype(np.uint32)
    return np.ascontiguousarray(labels, dtype="<u4").tobytes()


def read_bin(path: str | os.PathLike[str]) -> np.ndarray:
    """(N, 4) float32 x, y, z, intensity of a KITTI velodyne file."""
    return np.fromfile(path, dtype="<f4").reshape(-1, 4)


def read_label(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """(semantic (N,) uint16, instance (N,) uint16) of a SemanticKITTI label file."""
    labels = np.fromfile(path, dtype="<u4")
    return (labels & 0xFFFF).astype(np.uint16), (labels >> 16).astype(np.uint16)


def write_scan_ply(path: str | os.PathLike[str], scan: LidarScan) -> Path:
    """Atomically write the points with ``intensity``, ``ring`` and label attributes (Open3D)."""
    import open3d as o3d

    cloud = o3d.t.geometry.PointCloud(o3d.core.Tensor(scan.points.astype(np.float32)))
    cloud.point["intensity"] = o3d.core.Tensor(scan.intensity.astype(np.float32)[:, None])
    cloud.point["ring"] = o3d.core.Tensor(scan.ring.astype(np.int32)[:, None])
    cloud.point["semantic"] = o3d.core.Tensor(scan.semantic.astype(np.int32)[:, None])
    cloud.point["instance"] = o3d.core.Tensor(scan.instance.astype(np.int32)[:, None])

    def _write(tmp: Path) -> None:
        if not o3d.t.io.write_point_cloud(str(tmp), cloud, write_ascii=False):
            raise OSError(f"Open3D could not write the point cloud {path}")

    return write_atomic(path, _write)


def write_lidar_frame(out_dir: str | os.PathLike[str], frame_index: int, scan: LidarScan,
                      write_ply: bool = False) -> list[Path]:
    """Write ``lidar/NNNNNN.bin``, ``.label`` and optionally ``.ply`` under ``out_dir``.

    Returns:
        The paths written.
    """
    base = Path(out_dir) / "lidar" / f"{frame_index:06d}"
    paths = [write_bytes_atomic(base.with_suffix(".bin"), scan_to_bin(scan)),
             write_bytes_atomic(base.with_suffix(".label"), scan_to_label(scan))]
    if write_ply:
        paths.append(write_scan_ply(base.with_suffix(".ply"), scan))
    return paths
