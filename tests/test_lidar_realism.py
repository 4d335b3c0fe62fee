"""LiDAR realism on analytic scenes (no Blender): material-aware intensity, dual returns at depth
discontinuities only, firing times, motion skew, the VLP-32C table, PCD and nuScenes files."""

from __future__ import annotations

import numpy as np
import open3d as o3d
import pydantic
import pytest

from synthscape.buffers import FrameBuffers, SceneMesh
from synthscape.lidar import PRESETS, LidarRecipe, sample_lidar_spec, simulate_lidar
from synthscape.lidar.demo import level_camera
from synthscape.lidar.io import read_nuscenes, scan_to_pcd
from synthscape.lidar.mesh import SurfaceOptics, merge_meshes, optics_mesh
from synthscape.recipe.schema import MaterialRecipe
from synthscape.spec.sample import sample_material
from synthscape.writers.lidar_nuscenes import write_lidar_nuscenes
from synthscape.writers.lidar_pcd import write_lidar_pcd

NOISE_OFF = {"range": {"enabled": False}, "dropout": {"enabled": False},
             "grazing": {"enabled": False}, "intensity_falloff": {"enabled": False}}
ATTENUATION = 0.004
CAMERA = level_camera(64, 48, 50.0)


def _lidar(**kw) -> dict:
    """A 41-ring, 0.5-degree custom sensor on the demo camera's rig, noise off."""
    recipe = LidarRecipe(preset="custom", elevations_deg=list(np.linspace(10.0, -10.0, 41)),
                         points_per_ring=720, min_range=0.5, max_range=100.0,
                         noise={**NOISE_OFF, "intensity_falloff": {"attenuation_per_m": ATTENUATION}}, **kw)
    return sample_lidar_spec(recipe, CAMERA.world_to_camera)


def _quad(lidar: dict, corners_lidar: np.ndarray, instance_id: int, optics: SurfaceOptics) -> SceneMesh:
    """A two-sided quad from its 4 corners given in the LiDAR frame (x fwd, y left, z up)."""
    l2w = np.asarray(lidar["lidar_to_world"])
    world = corners_lidar @ l2w[:3, :3].T + l2w[:3, 3]
    return optics_mesh(world, np.array([[0, 1, 2], [0, 2, 3]]), instance_id, optics)


def _wall(lidar: dict, distance: float, yaw_deg: float, y_range: tuple[float, float], instance_id: int,
          optics: SurfaceOptics, z_range: tuple[float, float] = (-3.0, 3.0)) -> SceneMesh:
    """A vertical wall whose normal points back at the sensor rotated by ``yaw_deg``, through (distance, 0)."""
    yaw = np.deg2rad(yaw_deg)
    along = np.array([-np.sin(yaw), np.cos(yaw), 0.0])  # in the wall, horizontal
    centre = np.array([distance, 0.0, 0.0])
    (y0, y1), (z0, z1) = y_range, z_range
    corners = np.array([centre + along * y0 + [0, 0, z0], centre + along * y1 + [0, 0, z0],
                        centre + along * y1 + [0, 0, z1], centre + along * y0 + [0, 0, z1]])
    return _quad(lidar, corners, instance_id, optics)


def _scan(lidar: dict, *meshes: SceneMesh):
    return simulate_lidar(merge_meshes(meshes), lidar, np.random.default_rng(0), {1: 1, 2: 2, 3: 3})


def _incidence_cos(points: np.ndarray, yaw_deg: float) -> np.ndarray:
    """cos(angle between beam and wall normal), computed from the wall's analytic normal."""
    yaw = np.deg2rad(yaw_deg)
    normal = np.array([np.cos(yaw), np.sin(yaw), 0.0])
    return np.abs(points @ normal) / np.linalg.norm(points, axis=1)


def _expected(lum: float, metallic: float, roughness: float, cos_t: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The documented model (README "Sensor realism"), written out independently of the code."""
    f0 = 0.04 * (1 - metallic) + lum * metallic
    tan2 = 1 / cos_t ** 2 - 1
    glint = f0 * np.exp(-tan2 / max(roughness, 0.05) ** 4)
    return ((1 - metallic) * lum + glint) * cos_t * np.exp(-2 * ATTENUATION * r)


def test_intensity_ratio_of_two_overridden_materials_on_an_angled_wall():
    """Left half rho = 0.6, right half rho = 0.2, both at 35 deg: I / (cos * falloff) = rho, ratio 3."""
    lidar = _lidar()
    left = _wall(lidar, 12.0, 35.0, (0.0, 8.0), 1, SurfaceOptics(0.9, lidar_reflectivity=0.6))
    right = _wall(lidar, 12.0, 35.0, (-8.0, 0.0), 2, SurfaceOptics(0.9, lidar_reflectivity=0.2))
    scan = _scan(lidar, left, right)
    r = np.linalg.norm(scan.points, axis=1)
    rho = scan.intensity / (_incidence_cos(scan.points, 35.0) * np.exp(-2 * ATTENUATION * r))
    a, b = rho[scan.instance == 1], rho[scan.instance == 2]
    assert a.size > 200 and b.size > 200
    np.testing.assert_allclose(a, 0.6, rtol=1e-4)
    np.testing.assert_allclose(b, 0.2, rtol=1e-4)
    assert np.median(a) / np.median(b) == pytest.approx(3.0, rel=1e-4)


@pytest.mark.parametrize("lum,metallic,roughness", [(0.8, 0.0, 0.6), (0.9, 1.0, 0.15), (0.5, 0.5, 0.3)])
def test_intensity_from_base_colour_metallic_and_roughness_matches_the_model(lum, metallic, roughness):
    lidar = _lidar()
    wall = _wall(lidar, 10.0, 20.0, (-8.0, 8.0), 1, SurfaceOptics(lum, metallic, roughness))
    scan = _scan(lidar, wall)
    cos_t = _incidence_cos(scan.points, 20.0)
    r = np.linalg.norm(scan.points, axis=1)
    assert len(scan) > 500 and cos_t.min() < 0.7 and cos_t.max() > 0.999
    # rtol 1e-3: a polished lobe (alpha^2 = 5e-4) turns float32 rounding of the incidence into 1e-4
    np.testing.assert_allclose(scan.intensity, _expected(lum, metallic, roughness, cos_t, r), rtol=1e-3, atol=1e-5)


def test_polished_metal_is_bright_only_near_normal_incidence_and_retroreflector_stays_bright():
    lidar = _lidar()
    metal = _scan(lidar, _wall(lidar, 10.0, 0.0, (-15.0, 15.0), 1, SurfaceOptics(0.9, 1.0, 0.1)))
    white = _scan(lidar, _wall(lidar, 10.0, 0.0, (-15.0, 15.0), 1, SurfaceOptics(0.9)))
    retro = _scan(lidar, _wall(lidar, 10.0, 0.0, (-15.0, 15.0), 1, SurfaceOptics(0.9, retroreflective=True)))
    for scan in (metal, white, retro):
        assert np.array_equal(scan.ring, white.ring)  # the same beams hit in all three
    cos_t = _incidence_cos(white.points, 0.0)
    normal, oblique = cos_t > 1 - 1e-9, (cos_t > 0.5) & (cos_t < 0.6)  # the beam at azimuth 0, elevation 0
    assert normal.sum() == 1 and oblique.sum() > 20
    assert metal.intensity[normal].min() > 0.8 and metal.intensity[oblique].max() < 0.01
    assert retro.intensity[normal].min() > 0.9
    assert retro.intensity[oblique].min() > 1.4 * white.intensity[oblique].max()
    np.testing.assert_allclose(retro.intensity[oblique],
                               cos_t[oblique] ** 0.25 * np.exp(-2 * ATTENUATION * np.linalg.norm(
                                   white.points[oblique], axis=1)), rtol=1e-4)


def _dual_lidar(**kw) -> dict:
    return _lidar(returns={"mode": "dual", "divergence_mrad": 6.0, "sub_rays": 7, "min_separation_m": 0.5}, **kw)


def test_dual_returns_appear_only_at_the_edges_of_a_box_in_front_of_a_wall():
    lidar = _dual_lidar()
    grey = SurfaceOptics(0.5)
    wall = _wall(lidar, 20.0, 0.0, (-20.0, 20.0), 1, grey, z_range=(-5.0, 8.0))
    half, top = 0.5, 0.98  # a 1 m wide box face at x = 10 m, |y| <= 0.5, -1 <= z <= 0.98
    box = _quad(lidar, np.array([[10, -half, -1.0], [10, half, -1.0], [10, half, top], [10, -half, top]]), 2, grey)
    scan = _scan(lidar, wall, box)
    second = np.flatnonzero(scan.return_type == 1)
    first = second - 1  # a beam's strongest echo comes right before its second one
    assert second.size >= 10
    assert np.all(scan.return_type[first] == 0) and np.all(scan.ring[first] == scan.ring[second])
    # each pair is one echo on the box (x = 10 m) and one on the wall behind it (x = 20 m)
    pair = np.stack([scan.instance[first], scan.instance[second]], axis=1)
    assert np.all(np.sort(pair, axis=1) == [1, 2])
    x = np.stack([scan.points[first, 0], scan.points[second, 0]], axis=1)
    np.testing.assert_allclose(np.where(pair == 2, x, 0).sum(axis=1), 10.0, atol=0.05)
    np.testing.assert_allclose(np.where(pair == 1, x, 0).sum(axis=1), 20.0, atol=0.05)
    # ... and only where the beam's 6 mrad cone straddles the box outline (its sides or top/bottom)
    d = scan.points[second] / np.linalg.norm(scan.points[second], axis=1, keepdims=True)
    azimuth, elevation = np.arctan2(d[:, 1], d[:, 0]), np.arcsin(d[:, 2])
    near_side = np.abs(np.abs(azimuth) - np.arctan2(half, 10.0)) <= 3.1e-3
    near_top = np.abs(elevation - np.arctan2(top, 10.0 / np.cos(azimuth))) <= 3.1e-3
    assert np.all(near_side | near_top) and near_side.any() and near_top.any()
    # beams well inside the box or beside it have one echo
    assert ((scan.instance == 2) & (scan.return_type == 0)).sum() > 100


def test_flat_surfaces_never_give_dual_returns_even_at_grazing_angles():
    lidar = _dual_lidar()
    ground = _quad(lidar, np.array([[-1.0, -60, -1.73], [99.0, -60, -1.73], [99.0, 60, -1.73], [-1.0, 60, -1.73]]),
                   1, SurfaceOptics(0.3))
    oblique = _wall(lidar, 15.0, 70.0, (-30.0, 30.0), 2, SurfaceOptics(0.6), z_range=(-1.73, 6.0))
    across = _wall(lidar, 30.0, 0.0, (-70.0, 70.0), 3, SurfaceOptics(0.6), z_range=(-1.73, 10.0))
    for meshes in ((ground,), (oblique,), (across,)):  # beams past an edge into the sky: one echo
        scan = _scan(lidar, *meshes)
        assert len(scan) > 1000
        assert not np.any(scan.return_type == 1)


def test_single_mode_is_the_old_ideal_ray_and_strongest_last_pick_one_echo():
    lidar = _lidar()
    box = _quad(lidar, np.array([[10, -0.5, -1.0], [10, 0.5, -1.0], [10, 0.5, 1.0], [10, -0.5, 1.0]]), 2,
                SurfaceOptics(0.9, retroreflective=True))  # a plate: one sub-ray on it outshines six on the wall
    wall = _wall(lidar, 20.0, 0.0, (-20.0, 20.0), 1, SurfaceOptics(0.05), z_range=(-5.0, 8.0))
    single = _scan(lidar, wall, box)
    assert np.all(single.return_type == 0)
    strongest = _scan(_lidar(returns={"mode": "strongest", "divergence_mrad": 6.0}), wall, box)
    last = _scan(_lidar(returns={"mode": "last", "divergence_mrad": 6.0}), wall, box)
    assert len(strongest) == len(last) and np.all(last.return_type == 0)
    # the plate wins "strongest" on edge beams, the wall behind it is the "last"
    assert (last.instance == 1).sum() > (strongest.instance == 1).sum() + 20
    assert np.all(np.linalg.norm(last.points, axis=1) >= np.linalg.norm(strongest.points, axis=1) - 1e-3)


def test_timestamps_grow_with_azimuth_over_one_sweep_period():
    lidar = _lidar(rotation_hz=20.0)
    ring_wall = []  # four walls 8 m away, ahead, left, behind and right: every azimuth is hit
    for heading in np.deg2rad([0.0, 90.0, 180.0, 270.0]):
        centre, along = 8.0 * np.array([np.cos(heading), np.sin(heading), 0.0]), \
            np.array([-np.sin(heading), np.cos(heading), 0.0])
        corners = np.array([centre - 8 * along + [0, 0, -3], centre + 8 * along + [0, 0, -3],
                            centre + 8 * along + [0, 0, 3], centre - 8 * along + [0, 0, 3]])
        ring_wall.append(_quad(lidar, corners, 1, SurfaceOptics(0.5)))
    scan = _scan(lidar, *ring_wall)
    period = 1.0 / 20.0
    assert scan.time.dtype == np.float32 and scan.time.min() >= 0.0 and scan.time.max() < period
    azimuth = np.arctan2(scan.points[:, 1], scan.points[:, 0])
    np.testing.assert_allclose(scan.time, (azimuth + np.pi) / (2 * np.pi) * period, atol=1e-6)
    assert len(scan) == 41 * 720  # one return per beam
    for ring in np.unique(scan.ring):
        one = scan.ring == ring
        order = np.argsort(azimuth[one])
        assert np.all(np.diff(scan.time[one][order]) >= 0)
    assert scan.time.max() - scan.time.min() > 0.95 * period  # the whole sweep


def test_rig_velocity_skews_the_sweep_by_the_distance_travelled_since_facing_forward():
    v, hz = 10.0, 10.0
    lidar = _lidar(rotation_hz=hz, rig_velocity=(v, 0.0, 0.0))
    front = _wall(lidar, 20.0, 0.0, (-30.0, 30.0), 1, SurfaceOptics(0.5))
    back = _wall(lidar, -20.0, 0.0, (-30.0, 30.0), 2, SurfaceOptics(0.5))
    scan = _scan(lidar, front, back)
    travelled = v * (scan.time.astype(np.float64) - 0.5 / hz)  # sensor position along x at each firing
    on_front, on_back = scan.instance == 1, scan.instance == 2
    assert on_front.sum() > 500 and on_back.sum() > 500
    np.testing.assert_allclose(scan.points[on_front, 0], 20.0 - travelled[on_front], atol=2e-3)
    np.testing.assert_allclose(scan.points[on_back, 0], -20.0 - travelled[on_back], atol=2e-3)
    # the back wall, seen at the start and at the end of the sweep, is 1 m apart: the skew's seam
    seam = np.abs(scan.points[on_back, 1]) < 1.0
    xs = scan.points[on_back, 0][seam]
    assert xs.max() - xs.min() == pytest.approx(v / hz, abs=0.05)
    still = _scan(_lidar(rotation_hz=hz), front, back)
    np.testing.assert_allclose(still.points[still.instance == 2, 0], -20.0, atol=2e-3)


def test_vlp32c_preset_is_velodynes_nonuniform_table():
    sensor = PRESETS["vlp32c"]
    elev = np.asarray(sensor.elevations_deg)
    assert len(elev) == 32 and elev.max() == 15.0 and elev.min() == -25.0
    assert np.all(np.diff(elev) < 0)  # ring 0 = top beam
    gaps = -np.diff(elev)
    assert gaps.min() == pytest.approx(1 / 3, abs=1e-3) and gaps.max() == pytest.approx(9.361, abs=1e-3)
    assert np.sum(np.abs(elev) <= 2.0) == 12  # dense (1/3 deg) around the horizon
    assert LidarRecipe(preset="vlp32c").sensor().num_rays == 32 * 1800


def test_pandar64_preset_is_hesais_table():
    sensor = PRESETS["pandar64"]
    elev = np.asarray(sensor.elevations_deg)
    assert len(elev) == 64 and elev[0] == 14.882 and elev[-1] == -24.897 and np.all(np.diff(elev) < 0)
    fine = -np.diff(elev[5:54])  # channels 6..54: 1/6 deg steps around the horizon
    assert fine.max() < 0.18 and fine.min() > 0.15
    assert LidarRecipe(preset="pandar64").sensor().num_rays == 64 * 1800


def test_recipe_returns_and_motion_land_in_the_spec_and_reject_bad_values():
    spec = _dual_lidar(rig_velocity=(5.0, 1.0, 0.0))
    assert spec["returns"] == {"mode": "dual", "divergence_mrad": 6.0, "sub_rays": 7, "min_separation_m": 0.5}
    assert spec["rig_velocity"] == [5.0, 1.0, 0.0]
    with pytest.raises(pydantic.ValidationError, match="mode"):
        LidarRecipe(returns={"mode": "triple"})
    with pytest.raises(pydantic.ValidationError, match="sub_rays"):
        LidarRecipe(returns={"mode": "dual", "sub_rays": 1})
    with pytest.raises(pydantic.ValidationError, match="extra"):
        LidarRecipe(returns={"echoes": 2})


def test_material_recipe_lidar_fields_reach_the_spec_and_mesh():
    import dataclasses

    from synthscape.lidar.demo import street_spec
    from synthscape.lidar.mesh import scene_mesh_from_spec
    material = sample_material(MaterialRecipe(lidar_reflectivity=0.35, retroreflective=True, metallic=0.4),
                               np.random.default_rng(0))
    assert material.lidar_reflectivity == 0.35 and material.retroreflective and material.metallic == 0.4
    plain = sample_material(MaterialRecipe(), np.random.default_rng(0))
    assert plain.lidar_reflectivity is None and not plain.retroreflective
    with pytest.raises(pydantic.ValidationError, match="lidar_reflectivity"):
        MaterialRecipe(lidar_reflectivity=1.5)
    spec = street_spec(np.random.default_rng(1), n_objects=2)
    first = dataclasses.replace(spec.objects[0], material=material)
    mesh = scene_mesh_from_spec(dataclasses.replace(spec, objects=(first, *spec.objects[1:])))
    tagged = mesh.triangle_instance == first.instance_id
    assert np.all(mesh.triangle_retroreflective[tagged]) and not np.any(mesh.triangle_retroreflective[~tagged])
    np.testing.assert_allclose(mesh.triangle_lidar_reflectivity[tagged], 0.35)
    assert np.all(np.isnan(mesh.triangle_lidar_reflectivity[~tagged]))
    np.testing.assert_allclose(mesh.triangle_metallic[tagged], 0.4)


def _dual_scan():
    lidar = _dual_lidar()
    wall = _wall(lidar, 20.0, 0.0, (-20.0, 20.0), 1, SurfaceOptics(0.5), z_range=(-5.0, 8.0))
    box = _quad(lidar, np.array([[10, -0.5, -1.0], [10, 0.5, -1.0], [10, 0.5, 1.0], [10, -0.5, 1.0]]), 2,
                SurfaceOptics(0.9))
    return _scan(lidar, wall, box)


def _buffers(scan) -> FrameBuffers:
    return FrameBuffers(rgb=np.zeros((2, 2, 3), np.float32), depth=np.zeros((2, 2), np.float32),
                        normal=np.zeros((2, 2, 3), np.float32), instance=np.zeros((2, 2), np.uint16), lidar=scan)


class _Spec:
    frame_index = 7


def test_pcd_file_reads_back_with_open3d_with_intensity_ring_and_time(tmp_path):
    scan = _dual_scan()
    (path,) = write_lidar_pcd(tmp_path, _Spec(), _buffers(scan))
    assert path == tmp_path / "lidar" / "000007.pcd"
    cloud = o3d.t.io.read_point_cloud(str(path))
    np.testing.assert_array_equal(cloud.point.positions.numpy(), scan.points)
    np.testing.assert_array_equal(cloud.point.intensity.numpy().ravel(), scan.intensity)
    np.testing.assert_array_equal(cloud.point.ring.numpy().ravel(), scan.ring)
    np.testing.assert_array_equal(cloud.point.time.numpy().ravel(), scan.time)
    np.testing.assert_array_equal(cloud.point.return_type.numpy().ravel(), scan.return_type)
    np.testing.assert_array_equal(cloud.point.instance.numpy().ravel(), scan.instance)
    assert scan.return_type.max() == 1
    header = scan_to_pcd(scan)[:400].split(b"DATA binary\n")[0].decode()
    assert "FIELDS x y z intensity ring time return_type semantic instance" in header
    assert f"POINTS {len(scan)}" in header


def test_nuscenes_pcd_bin_has_five_floats_per_point(tmp_path):
    scan = _dual_scan()
    (path,) = write_lidar_nuscenes(tmp_path, _Spec(), _buffers(scan))
    assert path.name == "000007.pcd.bin" and path.stat().st_size == len(scan) * 5 * 4
    rows = read_nuscenes(path)
    np.testing.assert_array_equal(rows[:, :3], scan.points)
    np.testing.assert_allclose(rows[:, 3], scan.intensity * 255.0, rtol=1e-6)
    np.testing.assert_array_equal(rows[:, 4], scan.ring.astype(np.float32))
    assert not list((tmp_path / "lidar").glob(".*"))


def test_lidar_outputs_are_registered_frame_formats():
    from synthscape.writers import output_format
    for name in ("lidar_pcd", "lidar_nuscenes"):
        fmt = output_format(name)
        assert fmt.scope == "frame" and fmt.needs == frozenset({"mesh", "lidar"})
    assert write_lidar_pcd(".", _Spec(), _buffers(None)) == []
