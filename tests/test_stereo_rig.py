"""Stereo rig (issue 16): the recipe preset, the right camera, KITTI P3/image_3 and disparity (no bpy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pykitti.utils
import pytest
import yaml

from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.buffers import FrameBuffers
from synthscape.errors import RecipeError, SynthscapeError
from synthscape.io.images import read_png
from synthscape.pipeline import plan_run, render_dataset
from synthscape.plan import RenderJob
from synthscape.recipe.rig import RigRecipe
from synthscape.spec.rig import stereo_pair
from synthscape.spec.sample import sample_frame
from synthscape.spec.scene_spec import spec_from_dict, spec_to_dict
from synthscape.writers.disparity import write_disparity
from synthscape.writers.disparity_maps import decode_kitti_disparity, disparity_from_depth, encode_kitti_disparity
from synthscape.writers.kitti import kitti_calib, write_kitti_frame
from synthscape.writers.meta import spec_from_meta
from tests.batch_support import MINIMAL

KITTI_CATEGORIES = [{"name": "box", "kitti_type": "Car"}, {"name": "ball", "kitti_type": "Pedestrian"},
                    {"name": "cone", "kitti_type": "Cyclist"}]


def _recipe(tmp_path: Path, rig: dict | None, **extra: object) -> str:
    data = yaml.safe_load(Path(MINIMAL).read_text())
    if rig is not None:
        data["rig"] = rig
    data.update(extra)
    path = tmp_path / "stereo.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_preset_is_the_kitti_stereo_rig() -> None:
    preset = RigRecipe(preset="kitti_stereo")
    assert preset.stereo_pair() is not None
    assert (preset.stereo_pair().baseline, preset.stereo_pair().name) == (0.54, "right")
    assert [c.name for c in preset.all_cameras()] == ["right"]
    assert RigRecipe().stereo_pair() is None and RigRecipe().all_cameras() == []


@pytest.mark.parametrize("rig, words", [
    ({"preset": "kitti_stereo", "stereo": {"baseline": 0.3}}, "not both"),
    ({"stereo": {"baseline": 0}}, "baseline"),
    ({"stereo": {"baseline": 0.5, "name": "a/b"}}, "camera name"),
    ({"preset": "zed"}, "preset"),
    ({"cameras": [{"name": "right"}], "stereo": {}}, "rig.stereo.name"),
])
def test_bad_stereo_sections_name_the_key(tmp_path: Path, rig: dict, words: str) -> None:
    with pytest.raises(RecipeError, match="rig") as err:
        plan_run(RenderJob(_recipe(tmp_path, rig), tmp_path / "out"))
    assert words in str(err.value)


def test_stereo_camera_name_must_differ_from_the_main_camera(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="unique"):
        plan_run(RenderJob(_recipe(tmp_path, {"stereo": {"name": "camera"}}), tmp_path / "out"))


def test_right_camera_has_the_main_intrinsics_and_a_pure_x_baseline(tmp_path: Path) -> None:
    plan = plan_run(RenderJob(_recipe(tmp_path, {"stereo": {"baseline": 0.3, "name": "cam3"}}), tmp_path / "o",
                              resolution=(80, 40)))
    assert plan.cameras == ("camera", "cam3")
    spec = sample_frame(plan, 1)
    pair = stereo_pair(spec)
    assert pair is not None and pair.right.name == "cam3" and pair.baseline_m == 0.3
    assert pair.right.K == spec.camera.K and (pair.right.width, pair.right.height) == (80, 40)
    left_c2w = np.linalg.inv(np.asarray(spec.camera.world_to_camera))
    right_c2w = np.linalg.inv(np.asarray(pair.right.world_to_camera))
    np.testing.assert_allclose(right_c2w[:3, 3] - left_c2w[:3, 3], 0.3 * left_c2w[:3, 0], atol=1e-9)
    np.testing.assert_allclose(right_c2w[:3, :3], left_c2w[:3, :3], atol=1e-9)
    # A point in the left camera frame lands on the right image fx*B/Z pixels to the left, same row.
    point = np.array([0.4, -0.2, 5.0, 1.0])
    left_px, right_px = np.asarray(spec.camera.K) @ point[:3], pair.projection_right() @ point
    left_px, right_px = left_px[:2] / left_px[2], right_px[:2] / right_px[2]
    fx = spec.camera.K[0][0]
    np.testing.assert_allclose(left_px - right_px, [fx * 0.3 / 5.0, 0.0], atol=1e-9)
    assert pair.projection_right()[0, 3] == pytest.approx(-fx * 0.3)
    again = stereo_pair(spec_from_dict(json.loads(json.dumps(spec_to_dict(spec)))))
    assert again is not None and (again.right.name, again.baseline_m) == ("cam3", 0.3)
    np.testing.assert_allclose(again.projection_right(), pair.projection_right(), atol=1e-6)
    assert stereo_pair(spec.view("cam3")) is None  # the right camera's own view is not a left camera


def test_no_stereo_keeps_the_nominal_p3(tmp_path: Path) -> None:
    spec = sample_frame(plan_run(RenderJob(_recipe(tmp_path, None), tmp_path / "o")), 0)
    assert stereo_pair(spec) is None and spec.rig.stereo_right is None
    path = tmp_path / "calib.txt"
    path.write_text(kitti_calib(spec))
    calib = pykitti.utils.read_calib_file(str(path))
    assert calib["P3"].reshape(3, 4)[0, 3] == pytest.approx(-spec.camera.K[0][0] * 0.54)
    np.testing.assert_allclose(calib["P3"].reshape(3, 4)[:, :3], spec.camera.K)


def test_disparity_encoding_follows_kitti() -> None:
    depth = np.array([[2.0, np.inf, 0.0, 1e-3], [10.0, 1e9, np.nan, 7.0]], np.float32)
    disp = disparity_from_depth(depth, fx=700.0, baseline_m=0.54)
    np.testing.assert_allclose(disp[0, 0], 700 * 0.54 / 2, rtol=1e-6)
    assert disp[0, 1] == disp[0, 2] == disp[1, 2] == 0
    png = encode_kitti_disparity(disp)
    assert png.dtype == np.uint16
    assert png[0, 0] == round(700 * 0.54 / 2 * 256) and png[1, 0] == round(700 * 0.54 / 10 * 256)
    assert png[0, 1] == png[0, 2] == png[1, 2] == 0  # no surface: invalid
    assert png[0, 3] == 0  # 378000 px does not fit 16 bits: invalid rather than clipped
    assert png[1, 1] == 1  # far but valid: never 0
    back = decode_kitti_disparity(png)
    assert abs(back[1, 3] - 700 * 0.54 / 7) <= 0.5 / 256 and back[0, 1] == -1


def test_disparity_output_needs_a_stereo_rig(tmp_path: Path) -> None:
    with pytest.raises(SynthscapeError, match=r"outputs\[1\].*'disparity' needs a stereo rig"):
        plan_run(RenderJob(_recipe(tmp_path, None, outputs=["rgb", "disparity"]), tmp_path / "o"))


def _flat_buffers(width: int, height: int, z: float, rgb: float) -> FrameBuffers:
    return FrameBuffers(rgb=np.full((height, width, 3), rgb, np.float32), depth=np.full((height, width), z, np.float32),
                        normal=np.zeros((height, width, 3), np.float32), instance=np.zeros((height, width), np.uint16))


def test_kitti_writes_image_3_p3_and_disparity_from_the_right_buffers(tmp_path: Path) -> None:
    # A 0.3 m baseline: the nominal P3 of a recipe without stereo (0.54 m) would not match.
    plan = plan_run(RenderJob(_recipe(tmp_path, {"stereo": {"baseline": 0.3}}, categories=KITTI_CATEGORIES),
                              tmp_path / "o"))
    spec = sample_frame(plan, 0)
    pair = stereo_pair(spec)
    assert pair is not None and pair.projection_right()[0, 3] == pytest.approx(-spec.camera.K[0][0] * 0.3)
    left, right = _flat_buffers(64, 48, 4.0, 0.2), _flat_buffers(64, 48, 4.0, 0.7)
    with pytest.raises(SynthscapeError, match="image_3 needs the stereo camera 'right'"):
        write_kitti_frame(tmp_path / "a", spec, left)
    assert not (tmp_path / "a" / "kitti" / "training" / "image_3").exists()
    write_kitti_frame(tmp_path / "a", spec, left, camera_buffers={"right": right})
    root = tmp_path / "a" / "kitti" / "training"
    image_3, image_2 = read_png(root / "image_3" / "000000.png"), read_png(root / "image_2" / "000000.png")
    assert image_3.shape == (48, 64, 3) and image_3.mean() > image_2.mean()
    calib = pykitti.utils.read_calib_file(str(root / "calib" / "000000.txt"))
    np.testing.assert_allclose(calib["P3"].reshape(3, 4), pair.projection_right(), rtol=1e-9, atol=1e-9)
    disp = decode_kitti_disparity(read_png(root / "disp_occ_0" / "000000.png"))
    np.testing.assert_allclose(disp, spec.camera.K[0][0] * 0.3 / 4.0, atol=0.5 / 256)
    write_disparity(tmp_path / "a", spec, left)
    np.testing.assert_array_equal(read_png(tmp_path / "a" / "disparity" / "000000.png"),
                                  read_png(root / "disp_occ_0" / "000000.png"))


def test_pipeline_writes_the_right_view_and_pykitti_reads_the_stereo_pair(tmp_path: Path) -> None:
    def factory(device: str) -> FakeRenderer:
        return FakeRenderer()

    recipe = _recipe(tmp_path, {"preset": "kitti_stereo"}, categories=KITTI_CATEGORIES,
                     outputs=["rgb", "depth", "instance", "meta", "kitti", "disparity"])
    out = tmp_path / "ds"
    render_dataset(RenderJob(recipe, out, frames=2, device="cpu"), renderer_factory=factory)
    spec = spec_from_meta(json.loads((out / "meta" / "000001.json").read_text()))
    pair = stereo_pair(spec)
    assert pair is not None
    root = out / "kitti" / "training"
    # image_3 is a byte copy of the right camera's rgb file, which differs from the left view.
    right_rgb = (out / "cameras" / "right" / "rgb" / "000001.png").read_bytes()
    assert (root / "image_3" / "000001.png").read_bytes() == right_rgb
    assert right_rgb != (out / "rgb" / "000001.png").read_bytes()
    calib = pykitti.utils.read_calib_file(str(root / "calib" / "000001.txt"))
    np.testing.assert_allclose(calib["P3"].reshape(3, 4), pair.projection_right(), rtol=1e-9, atol=1e-9)
    assert calib["P3"][3] == pytest.approx(-spec.camera.K[0][0] * 0.54)
    depth = np.asarray(read_png(out / "disparity" / "000001.png"))
    assert depth.dtype == np.uint16 and (depth > 0).any() and (depth == 0).any()
    assert sorted(p.name for p in (out / "kitti" / "ImageSets").iterdir()) == [
        "test.txt", "train.txt", "trainval.txt", "val.txt"]


def test_stereo_with_a_distorted_main_camera_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(Path(MINIMAL).read_text())
    data["camera"]["distortion"] = {"k1": -0.1}
    data["rig"] = {"preset": "kitti_stereo"}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RecipeError, match="camera.distortion") as err:
        plan_run(RenderJob(str(path), tmp_path / "out"))
    assert "bad.yaml" in str(err.value) and "rig.stereo" in str(err.value)
