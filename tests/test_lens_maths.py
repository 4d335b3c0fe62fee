"""Lens distortion without Blender: recipe, sampling, rays, render margin, remap, calibration, KITTI refusal."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from synthscape.blender.distortion import distort_buffers
from synthscape.buffers import FrameBuffers
from synthscape.errors import RecipeError, SynthscapeError
from synthscape.lidar.camera_rays import pixel_rays, raycast_camera
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.pipeline import plan_run
from synthscape.plan import RenderJob
from synthscape.recipe.load import load_recipe
from synthscape.sensors.keypoints import box_keypoints_world, object_keypoints
from synthscape.sensors.visibility import amodal_masks
from synthscape.spec import lens
from synthscape.spec.projection import world_to_camera_points
from synthscape.spec.sample import SamplingError, sample_frame, sample_scene
from synthscape.spec.scene_spec import spec_from_dict, spec_to_dict
from synthscape.writers.calibration import calibration_yaml
from tests.batch_support import MINIMAL

BARREL = {"k1": -0.3, "k2": 0.08, "p1": 0.002, "p2": -0.001, "k3": 0.0}
FISHEYE = {"model": "fisheye", "k1": 0.05, "k2": -0.02, "k3": 0.004, "k4": -0.001}
RATIONAL = {"k1": -0.25, "k2": 0.05, "k4": 0.05, "k5": 0.01}


def recipe_file(tmp_path: Path, distortion: dict | None, **extra: object) -> Path:
    data = yaml.safe_load(Path(MINIMAL).read_text())
    data["camera"]["resolution"] = [96, 64]
    data["camera"]["focal_length"] = 24  # a wide lens: the distortion moves the border by pixels
    if distortion is not None:
        data["camera"]["distortion"] = distortion
    data.update(extra)
    path = tmp_path / "lens.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def sampled(tmp_path: Path, distortion: dict | None, frame: int = 0):
    return sample_scene(load_recipe(recipe_file(tmp_path, distortion)), 0, frame)


@pytest.mark.parametrize("distortion, model, count", [(BARREL, "plumb_bob", 5), (FISHEYE, "equidistant", 4),
                                                      (RATIONAL, "rational_polynomial", 8)])
def test_recipe_to_camera_spec_and_back(tmp_path: Path, distortion: dict, model: str, count: int) -> None:
    spec = sampled(tmp_path, distortion)
    assert spec.camera.distortion_model == model and len(spec.camera.distortion) == count
    assert spec.camera.distortion[0] == distortion["k1"]
    back = spec_from_dict(spec_to_dict(spec)).camera
    assert (back.distortion_model, back.distortion) == (model, spec.camera.distortion)


def test_lens_stage_draws_only_from_its_stream(tmp_path: Path) -> None:
    plain = sampled(tmp_path, None)
    drawn = [sampled(tmp_path, {"k1": {"uniform": [-0.15, -0.05]}}, frame) for frame in (0, 1)]
    assert drawn[0].camera.distortion[0] != drawn[1].camera.distortion[0]
    assert -0.15 <= drawn[0].camera.distortion[0] <= -0.05
    # every other draw (pose, objects, lights) is the same as without the lens section
    assert dataclasses.replace(drawn[0].camera, distortion_model="none", distortion=()) == plain.camera
    assert drawn[0].objects == plain.objects and drawn[0].lights == plain.lights


def test_fisheye_refuses_brown_conrady_coefficients(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"camera\.distortion.*p1 are not coefficients of the fisheye model"):
        load_recipe(recipe_file(tmp_path, {"model": "fisheye", "k1": 0.1, "p1": 0.01}))


def test_a_folding_distortion_is_refused_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(SamplingError, match=r"lens\.yaml: camera\.distortion: the distortion is not invertible"):
        sample_frame(plan_run(RenderJob(str(recipe_file(tmp_path, {"k1": -1.5})), tmp_path / "out")), 0)


@pytest.mark.parametrize("distortion", [BARREL, FISHEYE, RATIONAL])
def test_pixel_rays_go_through_the_distorted_pixel_centres(tmp_path: Path, distortion: dict) -> None:
    cam = sampled(tmp_path, distortion).camera
    K, w2c = np.asarray(cam.K), np.asarray(cam.world_to_camera)
    _, dirs, _ = pixel_rays(K, w2c, (0, cam.width), (0, cam.height), lens.lens_of(cam))
    uv = lens.project_camera_points(K, lens.lens_of(cam), dirs.astype(np.float64) @ w2c[:3, :3].T)
    ii, jj = np.meshgrid(np.arange(cam.width), np.arange(cam.height))
    assert np.abs(uv - np.stack([ii.ravel(), jj.ravel()], axis=1)).max() < 1e-3
    _, pinhole, _ = pixel_rays(K, w2c, (0, cam.width), (0, cam.height))
    assert np.abs(pinhole - dirs).max() > 0.01  # the corners' rays really moved


@pytest.mark.parametrize("distortion", [BARREL, FISHEYE, RATIONAL])
def test_render_margin_holds_every_distorted_pixels_ray(tmp_path: Path, distortion: dict) -> None:
    cam = sampled(tmp_path, distortion).camera
    render = lens.render_camera(cam)
    mx, my = lens.render_margin(cam)
    assert mx > 0 and my > 0
    assert (render.width, render.height) == (cam.width + 2 * mx, cam.height + 2 * my)
    assert render.K[0][0] == cam.K[0][0] and render.distortion_model == "none"
    assert render.K[0][2] == (render.width - 1) / 2  # still a centred lens: Blender renders it with no shift
    assert render.sensor_width_mm / render.width == pytest.approx(cam.sensor_width_mm / cam.width)
    inside = lens.undistortion_lookup(cam) + np.array([mx, my])
    assert inside.min() >= lens.LOOKUP_PAD_PX - 1 and inside[..., 0].max() <= render.width - lens.LOOKUP_PAD_PX
    assert inside[..., 1].max() <= render.height - lens.LOOKUP_PAD_PX


def test_zero_coefficients_render_the_camera_itself(tmp_path: Path) -> None:
    cam = sampled(tmp_path, {"k1": 0.0}).camera
    assert cam.distortion_model == "plumb_bob" and lens.lens_of(cam) is None
    assert lens.render_camera(cam) is cam
    buffers = FrameBuffers(rgb=np.zeros((64, 96, 3), np.float32), depth=np.ones((64, 96), np.float32),
                           normal=np.zeros((64, 96, 3), np.float32), instance=np.zeros((64, 96), np.uint16))
    assert distort_buffers(cam, cam, buffers) is buffers


@pytest.mark.parametrize("distortion", [BARREL, FISHEYE])
def test_remapped_render_equals_a_ray_cast_through_the_distorted_pixels(tmp_path: Path, distortion: dict) -> None:
    """The undistorted, larger 'render' (ray cast) remapped = the distorted camera ray cast directly."""
    spec = sampled(tmp_path, distortion)
    mesh = scene_mesh_from_spec(spec)
    render = lens.render_camera(spec.camera)
    depth, instance = raycast_camera(mesh, dataclasses.replace(spec, camera=render))
    rgb = np.repeat((instance.astype(np.float32) / 4)[..., None], 3, axis=2)
    normal = np.repeat(depth[..., None], 3, axis=2)
    out = distort_buffers(spec.camera, render, FrameBuffers(rgb=rgb, depth=depth, normal=normal, instance=instance))
    want_depth, want_instance = raycast_camera(mesh, spec)
    assert out.instance.shape == (spec.camera.height, spec.camera.width)
    agree = out.instance == want_instance
    assert agree.mean() > 0.98  # only edge pixels may pick the neighbouring surface
    pinhole_depth, pinhole_instance = raycast_camera(mesh, dataclasses.replace(
        spec, camera=dataclasses.replace(spec.camera, distortion_model="none", distortion=())))
    assert (pinhole_instance == want_instance).mean() < agree.mean()
    assert (np.isfinite(out.depth) == np.isfinite(want_depth)).mean() > 0.98
    both = agree & np.isfinite(want_depth) & np.isfinite(out.depth)
    error = np.abs(out.depth[both] - want_depth[both]) / want_depth[both]  # nearest: at most half a pixel off
    assert np.quantile(error, 0.98) < 0.03 and np.median(error) < 0.01  # a few: another face at a box edge
    assert np.array_equal(out.normal[..., 0], out.depth)  # every label comes from the same render pixel
    kernel = np.ones((3, 3), np.uint8)
    interior = np.zeros_like(agree)
    for k in {o.instance_id for o in spec.objects}:
        interior |= cv2.erode((out.instance == k).astype(np.uint8), kernel).astype(bool)
    assert interior.any()
    assert np.allclose(out.rgb[interior, 0], out.instance[interior] / 4, atol=1e-5)  # bilinear inside a surface


def test_keypoints_and_amodal_rects_use_the_distorted_projection(tmp_path: Path) -> None:
    spec = sampled(tmp_path, BARREL)
    mesh = scene_mesh_from_spec(spec)
    buffers = FrameBuffers(rgb=np.zeros((64, 96, 3), np.float32), depth=np.ones((64, 96), np.float32),
                           normal=np.zeros((64, 96, 3), np.float32), instance=np.zeros((64, 96), np.uint16),
                           mesh=mesh)
    keypoints = object_keypoints(spec, buffers)
    cam = spec.camera
    for obj in spec.objects:
        pc = world_to_camera_points(np.asarray(cam.world_to_camera), box_keypoints_world(obj))
        want, _ = cv2.projectPoints(pc, np.zeros(3), np.zeros(3), np.asarray(cam.K), np.asarray(cam.distortion))
        assert np.allclose(keypoints[obj.instance_id].uv, want.reshape(-1, 2), atol=1e-9)
    _, instance = raycast_camera(mesh, spec)  # the distorted view
    for instance_id, amodal in amodal_masks(mesh, spec).items():
        visible = instance == instance_id
        assert visible.any() and not (visible & ~amodal).any()  # every visible pixel is in the amodal mask


def test_points_beyond_the_lens_field_do_not_fold_into_the_image(tmp_path: Path) -> None:
    cam = sampled(tmp_path, {"k1": -0.1}).camera
    far_out = np.array([[3.3, 0.0, 1.0]])  # 73 degrees off axis: r (1 + k1 r^2) < 0 folds it back
    folded = lens.project_camera_points(np.asarray(cam.K), lens.lens_of(cam), far_out)
    assert 0 <= folded[0, 0] < cam.width  # what a plain cv2.projectPoints reports
    assert np.isnan(lens.project_in_view(cam, far_out)).all()


@pytest.mark.parametrize("distortion", [BARREL, FISHEYE, None])
def test_calibration_yaml_reads_back_with_filestorage(tmp_path: Path, distortion: dict | None) -> None:
    cam = sampled(tmp_path, distortion).camera
    path = tmp_path / "calib.yaml"
    path.write_text(calibration_yaml(cam))
    storage = cv2.FileStorage(str(path), cv2.FILE_STORAGE_READ)
    assert np.array_equal(storage.getNode("camera_matrix").mat(), np.asarray(cam.K))
    coefficients = storage.getNode("distortion_coefficients").mat().ravel()
    assert storage.getNode("distortion_model").string() == (cam.distortion_model if distortion else "plumb_bob")
    assert np.array_equal(coefficients, np.asarray(cam.distortion) if distortion else np.zeros(5))
    assert (int(storage.getNode("image_width").real()), int(storage.getNode("image_height").real())) == (96, 64)
    assert np.array_equal(storage.getNode("camera_to_rig").mat(), np.eye(4))


def test_kitti_is_refused_or_left_out_with_distortion(tmp_path: Path) -> None:
    categories = [{"name": "box", "kitti_type": "Car"}, {"name": "ball"}, {"name": "cone"}]
    path = recipe_file(tmp_path, BARREL, categories=categories)
    with pytest.raises(SynthscapeError, match=r"--outputs\[1\]: 'kitti' assumes a rectified pinhole camera, but "
                                              r".*lens\.yaml: camera\.distortion"):
        plan_run(RenderJob(str(path), tmp_path / "out", outputs=("rgb", "kitti")))
    with pytest.raises(SynthscapeError, match=r"--outputs\[2\]: 'bop' assumes a rectified pinhole camera"):
        plan_run(RenderJob(str(path), tmp_path / "out", outputs=("rgb", "coco", "bop")))
    assert "kitti" not in plan_run(RenderJob(str(path), tmp_path / "out")).outputs
    assert not (tmp_path / "out").exists()
    plain = recipe_file(tmp_path, {"k1": 0.0}, categories=categories)
    assert "kitti" in plan_run(RenderJob(str(plain), tmp_path / "out")).outputs


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "headless", *args], cwd=Path(MINIMAL).parents[1],
                          capture_output=True, text=True, timeout=300)


def test_cli_exits_2_on_kitti_with_distortion_and_on_a_folding_lens(tmp_path: Path) -> None:
    recipe = recipe_file(tmp_path, BARREL)
    result = run_cli("render", str(recipe), "--out", str(tmp_path / "out"), "--outputs", "rgb,kitti")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "camera.distortion" in result.stderr and "lens.yaml" in result.stderr and "kitti" in result.stderr
    assert not (tmp_path / "out").exists()
    folding = recipe_file(tmp_path, {"k1": -1.5})
    result = run_cli("validate", str(folding))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "lens.yaml: camera.distortion: the distortion is not invertible" in result.stderr
