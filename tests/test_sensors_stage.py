"""The sensors stage: LiDAR and per-object visibility go into the frame buffers before any writer."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synthscape.buffers import FrameBuffers
from synthscape.lidar import LidarRecipe, sample_lidar_spec, simulate_lidar
from synthscape.lidar.camera_rays import raycast_camera
from synthscape.lidar.demo import street_spec
from synthscape.lidar.io import scan_to_bin
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.lidar.raycast import Open3DRaycaster
from synthscape.sensors import default_needs, run_sensors
from synthscape.sensors.lidar import lidar_rng
from synthscape.sensors.visibility import amodal_masks
from synthscape.spec.seeds import stage_rng

REPO = Path(__file__).resolve().parents[1]


def _frame(seed: int = 3) -> tuple:
    spec = street_spec(np.random.default_rng(seed), width=200, height=60, focal_px=130.0)
    lidar = sample_lidar_spec(LidarRecipe(preset="hdl64e", points_per_ring=256), spec.camera.world_to_camera)
    spec = dataclasses.replace(spec, frame_index=4, dataset_seed=11).with_lidar(lidar)
    mesh = scene_mesh_from_spec(spec)
    depth, instance = raycast_camera(mesh, spec)
    h, w = depth.shape
    buffers = FrameBuffers(rgb=np.zeros((h, w, 3), np.float32), depth=depth,
                           normal=np.zeros((h, w, 3), np.float32), instance=instance, mesh=mesh)
    return spec, buffers


@pytest.fixture(scope="module")
def frame():
    spec, buffers = _frame()
    return spec, buffers, run_sensors(spec, buffers, {"lidar", "visibility"})


def test_stage_returns_new_frozen_buffers_and_keeps_the_render(frame) -> None:
    spec, buffers, sensed = frame
    assert sensed is not buffers and buffers.lidar is None and buffers.visibility is None
    assert sensed.lidar is not None and sensed.visibility is not None
    assert sensed.instance is buffers.instance and sensed.mesh is buffers.mesh
    with pytest.raises(dataclasses.FrozenInstanceError):
        sensed.lidar = None  # type: ignore[misc]
    assert run_sensors(spec, sensed, {"lidar", "visibility"}).lidar is sensed.lidar  # filled fields are kept


def test_lidar_noise_comes_from_the_sensors_stage_stream(frame) -> None:
    spec, buffers, sensed = frame
    expected = simulate_lidar(buffers.mesh, spec.lidar, stage_rng(11, 4, "sensors"),
                              spec.instance_to_category())
    assert scan_to_bin(sensed.lidar) == scan_to_bin(expected)
    other = simulate_lidar(buffers.mesh, spec.lidar, stage_rng(11, 5, "sensors"),
                           spec.instance_to_category())
    assert scan_to_bin(sensed.lidar) != scan_to_bin(other)  # the noise is drawn, not constant
    assert lidar_rng(spec).normal() == stage_rng(11, 4, "sensors").normal()


def test_visibility_of_every_object(frame) -> None:
    spec, buffers, sensed = frame
    amodal = amodal_masks(buffers.mesh, spec)
    assert set(sensed.visibility) == {o.instance_id for o in spec.objects}
    occluded = 0
    for obj in spec.objects:
        seen = sensed.visibility[obj.instance_id]
        visible = buffers.instance == obj.instance_id
        assert seen.instance_id == obj.instance_id and seen.visible_px == int(visible.sum())
        assert seen.amodal_px == int(amodal[obj.instance_id].sum())
        np.testing.assert_array_equal(seen.amodal_mask, amodal[obj.instance_id])
        if seen.amodal_px == 0:
            assert seen.visible_fraction is None and seen.amodal_box is None
            continue
        assert seen.visible_fraction == pytest.approx(min(1.0, seen.visible_px / seen.amodal_px))
        x1, y1, x2, y2 = seen.amodal_box
        rows, cols = np.nonzero(amodal[obj.instance_id])
        assert (x1, y1, x2, y2) == (cols.min() - 0.5, rows.min() - 0.5, cols.max() + 0.5, rows.max() + 0.5)
        occluded += seen.visible_fraction < 0.9
    assert occluded >= 1  # the street scene hides some objects behind others


def test_needs_choose_what_is_computed(frame) -> None:
    spec, buffers, _ = frame
    assert run_sensors(spec, buffers, set()) is buffers
    only_lidar = run_sensors(spec, buffers, {"lidar", "mesh"})
    assert only_lidar.lidar is not None and only_lidar.visibility is None
    assert default_needs(spec) == {"lidar", "visibility"}  # a LiDAR and KITTI types
    no_lidar = spec.with_lidar(None)
    assert run_sensors(no_lidar, buffers, {"lidar"}) is buffers  # nothing to scan with


def test_visibility_without_a_mesh_has_only_visible_pixels(frame) -> None:
    spec, buffers, _ = frame
    flat = run_sensors(spec, dataclasses.replace(buffers, mesh=None), {"visibility", "lidar"})
    assert flat.lidar is None
    for obj in spec.objects:
        seen = flat.visibility[obj.instance_id]
        assert seen.visible_px == int((buffers.instance == obj.instance_id).sum())
        assert seen.amodal_px is None and seen.visible_fraction is None and seen.amodal_mask is None


def test_backend_can_be_chosen(frame) -> None:
    spec, buffers, sensed = frame
    built = []

    def factory(mesh):
        built.append(mesh)
        return Open3DRaycaster(mesh)

    again = run_sensors(spec, buffers, {"lidar", "visibility"}, raycaster=factory)
    assert built and scan_to_bin(again.lidar) == scan_to_bin(sensed.lidar)
    assert all(np.array_equal(again.visibility[i].amodal_mask, sensed.visibility[i].amodal_mask)
               for i in sensed.visibility if sensed.visibility[i].amodal_mask is not None)


def test_raycast_backend_registry_without_open3d() -> None:
    """Without Open3D and outside Blender there is no backend: one clear error; a registered
    fallback is used instead (what the Blender layer does for its BVHTree)."""
    code = """
import sys
sys.modules["open3d"] = None
import numpy as np
from synthscape.lidar.mesh import ground_mesh
from synthscape.lidar.raycast import RayHits, default_raycaster, raycast_backends, register_raycast_backend
mesh = ground_mesh((4, 4), 0.5)
try:
    default_raycaster(mesh)
except RuntimeError as error:
    assert "open3d" in str(error) and "Blender" in str(error), error
else:
    raise AssertionError("expected a RuntimeError")
class Fallback:
    def __init__(self, mesh):
        self.mesh = mesh
    def cast(self, origins, directions):
        n = len(directions)
        return RayHits(np.full(n, np.inf, np.float32), np.full(n, -1), np.zeros((n, 3), np.float32))
register_raycast_backend("fallback", Fallback)
assert raycast_backends() == ("open3d", "fallback")
assert isinstance(default_raycaster(mesh), Fallback)
assert "synthscape.blender" not in " ".join(sys.modules)
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
