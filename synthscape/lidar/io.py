"""LiDAR files: KITTI ``.bin`` points, SemanticKITTI ``.label`` ids, optional ``.ply``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from synthscape.buffers import LidarScan
from synthscape.io.atomic import write_bytes_atomic


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


PLY_PROPERTIES = (("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("intensity", "<f4"),
                  ("ring", "<i4"), ("semantic", "<i4"), ("instance", "<i4"))
"""Vertex properties of ``lidar/*.ply`` (binary little-endian), in file order."""


def scan_to_ply(scan: LidarScan) -> bytes:
    """Binary little-endian PLY bytes of the points with ``intensity``, ``ring`` and label attributes."""
    types = {"<f4": "float", "<i4": "int"}
    header = ["ply", "format binary_little_endian 1.0", f"element vertex {len(scan)}"]
    header += [f"property {types[t]} {name}" for name, t in PLY_PROPERTIES] + ["end_header", ""]
    rows = np.empty(len(scan), dtype=list(PLY_PROPERTIES))
    rows["x"], rows["y"], rows["z"] = (scan.points[:, k] for k in range(3))
    rows["intensity"], rows["ring"] = scan.intensity, scan.ring
    rows["semantic"], rows["instance"] = scan.semantic, scan.instance
    return "\n".join(header).encode("ascii") + rows.tobytes()


def write_scan_ply(path: str | os.PathLike[str], scan: LidarScan) -> Path:
    """Atomically write :func:`scan_to_ply` (plain numpy: Open3D, CloudCompare and trimesh read it)."""
    return write_bytes_atomic(path, scan_to_ply(scan))


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


PCD_FIELDS = (("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("intensity", "<f4"), ("ring", "<u2"),
              ("time", "<f4"), ("return_type", "<u1"), ("semantic", "<u2"), ("instance", "<u2"))
"""Fields of ``lidar/NNNNNN.pcd`` (PCD v0.7, binary), in file order: ``time`` in seconds since
the sweep's start, ``return_type`` 0 strongest / 1 last (:class:`~synthscape.buffers.LidarScan`)."""
_PCD_TYPES = {"f": "F", "u": "U", "i": "I"}


def _scan_columns(scan: LidarScan) -> dict[str, np.ndarray]:
    """Every per-point column of a scan (time and return type 0 when the scan has none)."""
    zeros = np.zeros(len(scan))
    return {"x": scan.points[:, 0], "y": scan.points[:, 1], "z": scan.points[:, 2],
            "intensity": scan.intensity, "ring": scan.ring,
            "time": zeros if scan.time is None else scan.time,
            "return_type": zeros if scan.return_type is None else scan.return_type,
            "semantic": scan.semantic, "instance": scan.instance}


def scan_to_pcd(scan: LidarScan) -> bytes:
    """Binary PCD v0.7 bytes (PCL, Open3D, CloudCompare) with the fields of :data:`PCD_FIELDS`."""
    dtype = np.dtype(list(PCD_FIELDS))
    rows = np.empty(len(scan), dtype=dtype)
    for name, column in _scan_columns(scan).items():
        rows[name] = column
    names = [name for name, _ in PCD_FIELDS]
    kinds = [np.dtype(t) for _, t in PCD_FIELDS]
    header = ["# .PCD v0.7 - Point Cloud Data file format (synthscape LiDAR scan)", "VERSION 0.7",
              "FIELDS " + " ".join(names), "SIZE " + " ".join(str(k.itemsize) for k in kinds),
              "TYPE " + " ".join(_PCD_TYPES[k.kind] for k in kinds),
              "COUNT " + " ".join("1" for _ in kinds), f"WIDTH {len(scan)}", "HEIGHT 1",
              "VIEWPOINT 0 0 0 1 0 0 0", f"POINTS {len(scan)}", "DATA binary", ""]
    return "\n".join(header).encode("ascii") + rows.tobytes()


NUSCENES_INTENSITY_SCALE = 255.0
"""nuScenes ``.pcd.bin`` intensities are 0..255 (the scan's are 0..1)."""


def scan_to_nuscenes(scan: LidarScan) -> bytes:
    """nuScenes-style ``.pcd.bin`` bytes: (N, 5) little-endian float32 x, y, z, intensity
    (0..255, as nuScenes), ring index -- what ``LidarPointCloud.from_file`` reads."""
    rows = np.stack([scan.points[:, 0], scan.points[:, 1], scan.points[:, 2],
                     scan.intensity * NUSCENES_INTENSITY_SCALE, scan.ring], axis=1)
    return np.ascontiguousarray(rows, dtype="<f4").tobytes()


def read_nuscenes(path: str | os.PathLike[str]) -> np.ndarray:
    """(N, 5) float32 x, y, z, intensity, ring of a nuScenes-style ``.pcd.bin`` file."""
    return np.fromfile(path, dtype="<f4").reshape(-1, 5)
