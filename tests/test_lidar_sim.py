"""LiDAR sensor model, rig pose, noise model and files (Open3D backend, no Blender)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import open3d as o3d
import pydantic
import pytest

from synthscape.lidar import (LidarRecipe, PRESETS, read_bin, read_label, sample_lidar_spec,
                              sensor_rays, simulate_lidar, write_lidar_frame)
from synthscape.lidar.camera_rays import PIXEL_CENTER, image_extent, pixel_index, raycast_camera
from synthscape.lidar.demo import street_spec
from synthscape.lidar.io import scan_to_bin, scan_to_label
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.lidar.raycast import Open3DRaycaster
from synthscape.lidar.reflectance import DIELECTRIC_F0
from synthscape.lidar.sensors import SensorModel

REPO = Path(__file__).resolve().parents[1]
NOISE_OFF = {"range": {"enabled": False}, "dropout": {"enabled": False},
             "grazing": {"enabled": False}, "intensity_falloff": {"enabled": False}}


def _frame(recipe: LidarRecipe, seed: int = 3):
    spec = street_spec(np.random.default_rng(seed))
    lidar = sample_lidar_spec(recipe, spec.camera.world_to_camera)
    spec = spec.with_lidar(lidar)
    return spec, scene_mesh_from_spec(spec)


def _small(**kw) -> LidarRecipe:
    """An HDL-64E with fewer columns, to keep the tests fast."""
    return LidarRecipe(preset="hdl64e", points_per_ring=512, **kw)


@pytest.mark.parametrize("name,rings,top,bottom", [("hdl64e", 64, 2.0, -24.8),
                                                   ("vlp16", 16, 15.0, -15.0),
                                                   ("os1_32", 32, 22.1, -22.1),
                                                   ("os1_64", 64, 22.5, -22.5),
                                                   ("os1_128", 128, 22.5, -22.5)])
def test_presets_have_real_beam_layouts(name, rings, top, bottom):
    sensor = PRESETS[name]
    dirs, ring, azimuth = sensor_rays(sensor)
    assert len(sensor.elevations_deg) == rings
    assert dirs.dtype == np.float32 and dirs.shape == (sensor.num_rays, 3)
    np.testing.assert_allclose(np.linalg.norm(dirs, axis=1), 1.0, atol=1e-6)
    elev = np.rad2deg(np.arcsin(dirs[:, 2]))
    assert elev.max() == pytest.approx(top, abs=1e-3) and elev.min() == pytest.approx(bottom,
                                                                                      abs=1e-3)
    assert ring.max() == rings - 1 and np.all(np.abs(azimuth) <= np.pi)
    assert sensor.max_range >= 100.0


def test_hdl64e_has_two_blocks_with_finer_upper_spacing():
    elev = np.asarray(PRESETS["hdl64e"].elevations_deg)
    upper, lower = np.diff(elev[:32]), np.diff(elev[32:])
    assert np.all(upper < 0) and np.all(lower < 0)
    assert abs(upper.mean()) < abs(lower.mean())


def test_recipe_rejects_unknown_keys_and_incomplete_custom():
    with pytest.raises(pydantic.ValidationError, match="extra"):
        LidarRecipe(preset="hdl64e", beams=64)
    with pytest.raises(pydantic.ValidationError, match="elevations_deg"):
        LidarRecipe(preset="custom", points_per_ring=100)
    custom = LidarRecipe(preset="custom", elevations_deg=[1.0, 0.0, -1.0],
                         horizontal_resolution_deg=0.5, max_range=50.0)
    sensor = custom.sensor()
    assert sensor.points_per_ring == 720 and sensor.num_rays == 2160
    assert sensor.max_range == 50.0
    with pytest.raises(pydantic.ValidationError):
        custom.preset = "vlp16"  # frozen


def test_rig_matches_kitti_axes_and_mount():
    spec, _ = _frame(LidarRecipe())
    l2w = np.asarray(spec.lidar["lidar_to_world"])
    cam_center = -np.asarray(spec.camera.world_to_camera)[:3, :3].T @ \
        np.asarray(spec.camera.world_to_camera)[:3, 3]
    # the demo camera looks along world +y, level: LiDAR x (forward) is world +y, z is up
    np.testing.assert_allclose(l2w[:3, 0], [0, 1, 0], atol=1e-9)
    np.testing.assert_allclose(l2w[:3, 2], [0, 0, 1], atol=1e-9)
    np.testing.assert_allclose(l2w[:3, 3] - cam_center, [0, -0.27, 0.08], atol=1e-9)
    assert l2w[2, 3] == pytest.approx(1.73)


def test_noise_off_gives_exact_ray_cast_ranges():
    spec, mesh = _frame(_small(noise=NOISE_OFF))
    lidar = spec.lidar
    scan = simulate_lidar(mesh, lidar, np.random.default_rng(0), spec.instance_to_category())
    again = simulate_lidar(mesh, lidar, np.random.default_rng(99), spec.instance_to_category())
    assert scan_to_bin(scan) == scan_to_bin(again)
    sensor = LidarRecipe(preset="hdl64e", points_per_ring=512).sensor()
    dirs, _, _ = sensor_rays(sensor)
    l2w = np.asarray(lidar["lidar_to_world"])
    hits = Open3DRaycaster(mesh).cast(l2w[:3, 3], dirs @ l2w[:3, :3].T)
    t = hits.t[np.isfinite(hits.t) & (hits.t >= sensor.min_range) & (hits.t <= sensor.max_range)]
    assert len(scan) == t.size > 10000
    np.testing.assert_allclose(np.linalg.norm(scan.points, axis=1), t, rtol=1e-5)
    assert np.all(scan.intensity >= 0) and np.all(scan.intensity <= 1)


def test_same_seed_same_bytes_different_seed_different_noise():
    spec, mesh = _frame(_small())
    lidar, i2c = spec.lidar, spec.instance_to_category()
    a = simulate_lidar(mesh, lidar, np.random.default_rng(7), i2c)
    b = simulate_lidar(mesh, lidar, np.random.default_rng(7), i2c)
    c = simulate_lidar(mesh, lidar, np.random.default_rng(8), i2c)
    assert scan_to_bin(a) == scan_to_bin(b) and scan_to_label(a) == scan_to_label(b)
    assert scan_to_bin(a) != scan_to_bin(c)


def test_noise_parts_do_what_they_say():
    spec, mesh = _frame(_small(noise=NOISE_OFF))
    i2c = spec.instance_to_category()
    exact = simulate_lidar(mesh, spec.lidar, np.random.default_rng(0), i2c)
    noisy_spec, _ = _frame(_small(noise={**NOISE_OFF, "range": {"enabled": True, "std": 0.05}}))
    noisy = simulate_lidar(mesh, noisy_spec.lidar, np.random.default_rng(0), i2c)
    diff = np.linalg.norm(noisy.points, axis=1) - np.linalg.norm(exact.points, axis=1)
    assert np.std(diff) == pytest.approx(0.05, rel=0.1)
    drop_spec, _ = _frame(_small(noise={**NOISE_OFF, "dropout": {"probability": 0.3}}))
    dropped = simulate_lidar(mesh, drop_spec.lidar, np.random.default_rng(0), i2c)
    assert len(dropped) / len(exact) == pytest.approx(0.7, abs=0.02)
    graze_spec, _ = _frame(_small(noise={**NOISE_OFF,
                                         "grazing": {"max_incidence_deg": 80.0}}))
    grazed = simulate_lidar(mesh, graze_spec.lidar, np.random.default_rng(0), i2c)
    assert len(grazed) < len(exact)  # far ground returns meet the road at > 80 degrees
    near_spec, _ = _frame(_small(noise=NOISE_OFF, max_range=20.0))
    near = simulate_lidar(mesh, near_spec.lidar, np.random.default_rng(0), i2c)
    assert np.linalg.norm(near.points, axis=1).max() <= 20.0 + 1e-4


def _instance_edges(instance: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels with a different instance id in their 3x3 neighbourhood."""
    padded = np.pad(instance, 1, mode="edge")
    h, w = instance.shape
    return np.any([padded[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] != instance
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)


def _depth_at(depth: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, ...]:
    """Depth at sub-pixel (u, v) interpolating 1/z between the 4 nearest pixel centres (exact
    on a plane, so the ground's steep depth gradient does not count as error); also the
    top-left pixel of the 2x2 neighbourhood."""
    h, w = depth.shape
    x, y = u - PIXEL_CENTER, v - PIXEL_CENTER
    x0 = np.clip(np.floor(x).astype(int), 0, w - 2)
    y0 = np.clip(np.floor(y).astype(int), 0, h - 2)
    ax, ay = np.clip(x - x0, 0, 1), np.clip(y - y0, 0, 1)
    inv = 1.0 / depth
    mix = ((1 - ax) * (1 - ay) * inv[y0, x0] + ax * (1 - ay) * inv[y0, x0 + 1]
           + (1 - ax) * ay * inv[y0 + 1, x0] + ax * ay * inv[y0 + 1, x0 + 1])
    return 1.0 / mix, x0, y0


def test_points_agree_with_camera_depth_and_instance_map():
    spec, mesh = _frame(LidarRecipe(preset="hdl64e"))
    lidar = spec.lidar
    scan = simulate_lidar(mesh, lidar, np.random.default_rng(1), spec.instance_to_category())
    depth, instance = raycast_camera(mesh, spec)
    l2c = np.asarray(lidar["lidar_to_camera"])
    pc = scan.points.astype(np.float64) @ l2c[:3, :3].T + l2c[:3, 3]
    uvw = pc @ np.asarray(spec.camera.K).T
    u, v = uvw[:, 0] / uvw[:, 2], uvw[:, 1] / uvw[:, 2]
    x0, y0, x1, y1 = image_extent(spec.camera.width, spec.camera.height)
    inside = (pc[:, 2] > 0.5) & (u >= x0) & (u < x1) & (v >= y0) & (v < y1)
    z, u, v, labels = pc[inside, 2], u[inside], v[inside], scan.instance[inside]
    camera_z, x0, y0 = _depth_at(depth, u, v)
    edges = _instance_edges(instance)
    edge = edges[y0, x0] | edges[y0, x0 + 1] | edges[y0 + 1, x0] | edges[y0 + 1, x0 + 1]
    assert z.size > 5000 and (~edge).mean() > 0.7
    good = np.abs(camera_z - z) < 0.05 + 3 * lidar["noise"]["range_std"]
    assert good[~edge].mean() >= 0.95, f"only {good[~edge].mean():.3f} agree with the depth"
    pixel = instance[pixel_index(v), pixel_index(u)]
    same = good & ~edge
    assert (labels[same] == pixel[same]).mean() >= 0.99
    assert set(labels[same].tolist()) > {0}  # objects are hit, not only the ground
    sem = spec.instance_to_category()
    assert all(sem[i] == s for i, s in zip(scan.instance.tolist(), scan.semantic.tolist()))


def test_lidar_files_round_trip(tmp_path):
    spec, mesh = _frame(_small())
    scan = simulate_lidar(mesh, spec.lidar, np.random.default_rng(0),
                          spec.instance_to_category())
    paths = write_lidar_frame(tmp_path, 12, scan, write_ply=True)
    assert [p.name for p in paths] == ["000012.bin", "000012.label", "000012.ply"]
    rows = read_bin(tmp_path / "lidar" / "000012.bin")
    np.testing.assert_array_equal(rows[:, :3], scan.points)
    np.testing.assert_array_equal(rows[:, 3], scan.intensity)
    semantic, instance = read_label(tmp_path / "lidar" / "000012.label")
    np.testing.assert_array_equal(semantic, scan.semantic)
    np.testing.assert_array_equal(instance, scan.instance)
    assert instance.max() > 0 and semantic.max() > 0
    cloud = o3d.t.io.read_point_cloud(str(tmp_path / "lidar" / "000012.ply"))
    np.testing.assert_allclose(cloud.point.positions.numpy(), scan.points)
    np.testing.assert_allclose(cloud.point.intensity.numpy().ravel(), scan.intensity)
    assert not list((tmp_path / "lidar").glob(".*"))  # no temporary files left


def test_custom_sensor_spec_round_trips_through_json():
    import json
    recipe = LidarRecipe(preset="custom", elevations_deg=[0.0, -10.0], points_per_ring=8)
    spec = json.loads(json.dumps(sample_lidar_spec(recipe, np.eye(4).tolist())))
    from synthscape.lidar.pose import sensor_from_spec
    assert sensor_from_spec(spec) == SensorModel("custom", (0.0, -10.0), 8, 0.5, 100.0, 10.0,
                                                 0.02)


def test_lidar_and_kitti_import_without_bpy():
    import subprocess
    import sys
    code = ("import sys, synthscape.lidar, synthscape.lidar.demo, synthscape.writers.kitti; "
            "assert 'bpy' not in sys.modules and 'mathutils' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_intensity_follows_reflectivity_incidence_and_distance():
    spec, mesh = _frame(_small(noise={**NOISE_OFF, "intensity_falloff": {"enabled": True}}))
    scan = simulate_lidar(mesh, spec.lidar, np.random.default_rng(0),
                          spec.instance_to_category())
    gray = {o.instance_id: o.material.base_color[0] for o in spec.objects}
    gray[0] = spec.ground.material.base_color[0]
    refl = np.array([gray[i] for i in scan.instance.tolist()])
    # at most the diffuse albedo plus a dielectric's specular glint (synthscape.lidar.reflectance)
    assert np.all(scan.intensity <= refl + DIELECTRIC_F0 + 1e-5)
    ground = scan.instance == 0
    r = np.linalg.norm(scan.points[ground], axis=1)
    near, far = scan.intensity[ground][r < 10].mean(), scan.intensity[ground][r > 30].mean()
    assert far < near  # flatter incidence and longer path


def test_lidar_package_works_without_open3d(tmp_path):
    """Inside Blender Open3D may be missing: only Open3DRaycaster and .ply writing need it."""
    import subprocess
    import sys
    code = f"""
import sys
sys.modules["open3d"] = None
import numpy as np
from synthscape.lidar import LidarScan, write_lidar_frame
from synthscape.lidar.raycast import RayHits
from synthscape.writers import kitti
scan = LidarScan(np.zeros((2, 3), np.float32), np.ones(2, np.float32), np.zeros(2, np.uint16),
                 np.zeros(2, np.uint16), np.zeros(2, np.uint16))
write_lidar_frame({str(tmp_path)!r}, 0, scan)
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    assert (tmp_path / "lidar" / "000000.bin").stat().st_size == 2 * 16
