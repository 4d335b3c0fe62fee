"""End-to-end: a tiny render with a retro-reflective plate, dual returns, motion skew and the
PCD / nuScenes outputs (needs bpy; one frame at 64x48, 1 sample)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import open3d as o3d
import pytest

from synthscape.lidar.io import read_bin, read_label, read_nuscenes
from tests.conftest import REPO

pytestmark = pytest.mark.blender

RECIPE = """
schema_version: 1
name: lidar_realism
seed: 3
frames: 1
objects:
  - {category: plate, shape: cube, location: [0, 8, 1.0], scale: [0.6, 0.05, 0.4], yaw: 0,
     material: {base_color: [0.9, 0.9, 0.9], retroreflective: true}}
  - {category: wall, shape: cube, location: [0, 16, 2.0], scale: [6, 0.1, 2.0], yaw: 0,
     material: {base_color: [0.9, 0.9, 0.9], lidar_reflectivity: 0.1}}
ground:
  size: [40, 40]
  material: {base_color: [0.2, 0.2, 0.2], roughness: 0.9}
lights:
  - {type: sun, intensity: 3.0, elevation: 50}
camera:
  resolution: [64, 48]
  focal_length: 20
  location: [0, 0, 1.65]
  target: [0, 10, 1.65]
render: {samples: 1, denoise: false}
lidar:
  preset: custom
  elevations_deg: [4, 2, 0, -2, -4, -6]
  points_per_ring: 720
  noise: {range: {enabled: false}, dropout: {enabled: false}}
  returns: {mode: dual, divergence_mrad: 8.0}
  rig_velocity: [5.0, 0.0, 0.0]
outputs: [meta, lidar, lidar_pcd, lidar_nuscenes]
"""


def test_render_writes_pcd_and_nuscenes_with_material_intensity_and_dual_returns(tmp_path: Path) -> None:
    recipe = tmp_path / "lidar.yaml"
    recipe.write_text(RECIPE)
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "headless", "render", str(recipe), "--out", str(out),
                             "--device", "cpu"], cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    kitti_rows = read_bin(out / "lidar" / "000000.bin")
    _, instance = read_label(out / "lidar" / "000000.label")
    nuscenes = read_nuscenes(out / "lidar" / "000000.pcd.bin")
    cloud = o3d.t.io.read_point_cloud(str(out / "lidar" / "000000.pcd"))
    assert len(kitti_rows) == len(nuscenes) == len(cloud.point.positions) == len(instance) > 1000
    np.testing.assert_array_equal(nuscenes[:, :3], kitti_rows[:, :3])
    np.testing.assert_allclose(nuscenes[:, 3], kitti_rows[:, 3] * 255.0, rtol=1e-6)
    np.testing.assert_array_equal(cloud.point.positions.numpy(), kitti_rows[:, :3])
    np.testing.assert_array_equal(cloud.point.instance.numpy().ravel(), instance)
    ring = cloud.point.ring.numpy().ravel()
    np.testing.assert_array_equal(nuscenes[:, 4], ring)
    time = cloud.point.time.numpy().ravel()
    assert 0.0 <= time.min() and time.max() < 0.1
    meta = json.loads((out / "meta" / "000000.json").read_text())
    lidar = meta["rig"]["lidars"][0]["params"]
    assert lidar["rig_velocity"] == [5.0, 0.0, 0.0] and lidar["returns"]["mode"] == "dual"
    ids = {o["material"].get("retroreflective"): o["instance_id"] for o in meta["objects"]}
    plate, wall = ids[True], ids[False]
    intensity = kitti_rows[:, 3]
    # the retro-reflective plate outshines the 10 % wall behind it, both reached by the beams
    assert (instance == plate).sum() > 10 and (instance == wall).sum() > 100
    assert np.median(intensity[instance == plate]) > 0.8
    assert np.median(intensity[instance == wall]) < 0.1
    # the plate's outline in front of the wall gives beams with two echoes, one on each
    second = np.flatnonzero(cloud.point.return_type.numpy().ravel() == 1)
    pairs = {(int(instance[i - 1]), int(instance[i])) for i in second}
    assert pairs & {(plate, wall), (wall, plate)}
    assert all(a != b for a, b in pairs)  # never two echoes from one surface
