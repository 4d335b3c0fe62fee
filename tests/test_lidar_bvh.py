"""The Blender BVHTree backend returns the same hits as Open3D (needs bpy)."""

from __future__ import annotations


import numpy as np
import pytest

from synthscape.lidar import LidarRecipe, sample_lidar_spec, sensor_rays, simulate_lidar
from synthscape.lidar.demo import street_spec
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.lidar.raycast import Open3DRaycaster

pytestmark = pytest.mark.blender


def _scene():
    spec = street_spec(np.random.default_rng(11))
    recipe = LidarRecipe(preset="hdl64e", points_per_ring=1024)
    lidar = sample_lidar_spec(recipe, spec.camera.world_to_camera)
    return spec.with_lidar(lidar), scene_mesh_from_spec(spec), recipe


def test_bvh_and_open3d_backends_agree():
    bvh_raycast = pytest.importorskip("synthscape.blender.bvh_raycast")
    spec, mesh, recipe = _scene()
    dirs, _, _ = sensor_rays(recipe.sensor())
    l2w = np.asarray(spec.lidar["lidar_to_world"])
    origin, world_dirs = l2w[:3, 3], dirs @ l2w[:3, :3].T
    a = Open3DRaycaster(mesh).cast(origin, world_dirs)
    b = bvh_raycast.BVHRaycaster(mesh).cast(origin, world_dirs)
    hit_a, hit_b = np.isfinite(a.t), np.isfinite(b.t)
    assert hit_a.mean() > 0.4
    both = hit_a & hit_b
    close = np.zeros_like(hit_a)
    close[both] = np.abs(a.t[both] - b.t[both]) <= 1e-3
    agree = close | (~hit_a & ~hit_b)
    assert agree.mean() >= 0.999, f"{agree.mean():.5f} of rays agree"
    same = both & close
    inst_a, inst_b = a.instance(mesh)[same], b.instance(mesh)[same]
    assert (inst_a == inst_b).mean() >= 0.999
    cos = np.abs(np.einsum("ij,ij->i", a.normal[same], b.normal[same]))
    assert np.mean(cos > 0.999) >= 0.999


def test_simulation_is_backend_independent():
    bvh_raycast = pytest.importorskip("synthscape.blender.bvh_raycast")
    spec, mesh, _ = _scene()
    i2c = spec.instance_to_category()
    a = simulate_lidar(mesh, spec.lidar, np.random.default_rng(2), i2c)
    b = simulate_lidar(mesh, spec.lidar, np.random.default_rng(2), i2c,
                       backend=bvh_raycast.BVHRaycaster(mesh))
    assert abs(len(a) - len(b)) <= 0.001 * len(a)
    if len(a) == len(b):
        assert np.mean(np.abs(a.points - b.points).max(axis=1) < 1e-3) >= 0.999


def test_blender_layer_registers_the_bvh_fallback(tmp_path):
    """Inside Blender without Open3D, importing the Blender layer makes BVHTree the ray caster
    (the ray-cast module never imports the Blender layer itself)."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
import sys
sys.modules["open3d"] = None
from synthscape.lidar.mesh import ground_mesh
from synthscape.lidar.raycast import default_raycaster, raycast_backends
import synthscape.blender.mesh_export  # what the renderer imports
from synthscape.blender.bvh_raycast import BVHRaycaster
assert raycast_backends() == ("open3d", "blender_bvh"), raycast_backends()
assert isinstance(default_raycaster(ground_mesh((4, 4), 0.5)), BVHRaycaster)
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
