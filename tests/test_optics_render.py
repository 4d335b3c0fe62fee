"""Motion blur and depth of field in Cycles: the RGB shows the effect, the labels stay sharp."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from synthscape.spec.camera import intrinsics, look_at
from synthscape.spec.optics import OpticsSpec
from synthscape.spec.scene_spec import (
    CameraSpec,
    CategorySpec,
    GroundSpec,
    LightSpec,
    MaterialSpec,
    ObjectSpec,
    RenderSpec,
    SceneSpec,
    WorldSpec,
)

pytestmark = pytest.mark.blender

WIDTH, HEIGHT = 64, 48
EYE, TARGET = (0.0, -5.0, 1.0), (0.0, 0.0, 0.5)
RED = MaterialSpec((0.9, 0.05, 0.05), roughness=0.8)


def _camera() -> CameraSpec:
    k = intrinsics(WIDTH, HEIGHT, 35.0, 36.0)
    w2c = look_at(np.array(EYE), np.array(TARGET))
    return CameraSpec(WIDTH, HEIGHT, 35.0, 36.0, tuple(map(tuple, k.tolist())), tuple(map(tuple, w2c.tolist())))


def _cube(instance_id: int, location: tuple[float, float, float], material: MaterialSpec = RED) -> ObjectSpec:
    return ObjectSpec(instance_id=instance_id, category_id=1, shape="cube", location=location,
                      rotation=(0.0, 0.0, 0.0), scale=(0.3,) * 3, material=material)


def _spec(objects: tuple[ObjectSpec, ...], optics: OpticsSpec | None = None) -> SceneSpec:
    lights = (LightSpec("sun", (0.0, -3.0, 5.0), (0.5, 0.0, 0.0), 4.0, (1.0, 1.0, 1.0), 6500.0),)
    return SceneSpec(0, 3, _camera(), GroundSpec((30.0, 30.0), MaterialSpec((0.4, 0.4, 0.4))), objects, lights,
                     WorldSpec((0.3, 0.3, 0.3), 1.0), RenderSpec(samples=4), (CategorySpec(1, "box"),),
                     optics=optics)


@pytest.fixture(scope="module")
def moving():
    """One red cube in front of the camera; the optics make it move along world x (image right)."""
    still = _spec((_cube(1, (0.0, 0.0, 0.3)),))
    blurred = dataclasses.replace(still, optics=OpticsSpec(shutter_s=1 / 30, object_velocities=((1, (30.0, 0.0, 0.0)),)))
    return still, blurred


def _red_columns(rgb: np.ndarray) -> int:
    """How many image columns show some red (the cube, sharp or smeared)."""
    redness = rgb[..., 0] - rgb[..., 1]
    return int(np.count_nonzero((redness > 0.25).any(axis=0)))


def test_motion_blur_smears_rgb_along_velocity_and_keeps_sharp_labels(renderer, moving) -> None:
    still, blurred = moving
    sharp = renderer.render(still)
    smeared = renderer.render(blurred)
    # 1 m of motion at 5 m with fx ~ 62 px: about 12 px more red columns, along x only
    assert _red_columns(smeared.rgb) >= _red_columns(sharp.rgb) + 6
    rows_sharp = np.count_nonzero(((sharp.rgb[..., 0] - sharp.rgb[..., 1]) > 0.25).any(axis=1))
    rows_smeared = np.count_nonzero(((smeared.rgb[..., 0] - smeared.rgb[..., 1]) > 0.25).any(axis=1))
    assert abs(int(rows_smeared) - int(rows_sharp)) <= 2
    np.testing.assert_array_equal(smeared.instance, sharp.instance)
    np.testing.assert_array_equal(smeared.depth, sharp.depth)


def test_camera_velocity_smears_the_whole_view(renderer, moving) -> None:
    still, _ = moving
    panning = dataclasses.replace(still, optics=OpticsSpec(shutter_s=1 / 30, camera_velocity=(-30.0, 0.0, 0.0)))
    sharp, smeared = renderer.render(still), renderer.render(panning)
    assert _red_columns(smeared.rgb) >= _red_columns(sharp.rgb) + 6
    np.testing.assert_array_equal(smeared.instance, sharp.instance)
    np.testing.assert_array_equal(smeared.depth, sharp.depth)


def test_motion_keyframes_do_not_leak_into_the_next_frame(renderer, moving) -> None:
    import bpy

    still, blurred = moving
    first = renderer.render(still)
    renderer.render(blurred)
    assert any(obj.animation_data is not None for obj in bpy.data.objects)
    again = renderer.render(still)  # the cube object is reused: its keys must be gone
    assert not any(obj.animation_data is not None for obj in bpy.data.objects)
    assert len(bpy.data.actions) == 0
    assert not bpy.context.scene.render.use_motion_blur
    assert _red_columns(again.rgb) == _red_columns(first.rgb)
    np.testing.assert_allclose(again.rgb, first.rgb, atol=1e-5)
    np.testing.assert_array_equal(again.instance, first.instance)
    moved_still = dataclasses.replace(still, objects=(_cube(1, (-0.8, 0.5, 0.3)),))
    moved_blurred = dataclasses.replace(blurred, objects=moved_still.objects)
    renderer.render(blurred)
    np.testing.assert_array_equal(renderer.render(moved_blurred).instance, renderer.render(moved_still).instance)


def _peak(rgb: np.ndarray, channel: int) -> float:
    """How strongly one colour stands out of the grey scene at its brightest (99.5th percentile):
    defocus spreads a small object's colour over a larger disc and lowers its peak."""
    others = [c for c in range(3) if c != channel]
    return float(np.percentile(rgb[..., channel] - rgb[..., others].max(axis=-1), 99.5))


def test_depth_of_field_blurs_off_the_focus_plane_and_keeps_labels(renderer) -> None:
    green = MaterialSpec((0.05, 0.8, 0.05), roughness=0.8)
    near, far = _cube(1, (-0.5, -2.0, 0.3)), _cube(2, (0.9, 3.0, 0.3), green)
    still = _spec((near, far))
    focus = OpticsSpec(fstop=0.05, focus_point=near.location, focus_instance=1)
    sharp, defocused = renderer.render(still), renderer.render(dataclasses.replace(still, optics=focus))
    np.testing.assert_array_equal(defocused.instance, sharp.instance)
    np.testing.assert_array_equal(defocused.depth, sharp.depth)
    far_mask, near_mask = sharp.instance == 2, sharp.instance == 1
    assert far_mask.sum() > 10 and near_mask.sum() > 10
    assert _peak(defocused.rgb, 1) < 0.7 * _peak(sharp.rgb, 1)  # the far green cube is blurred
    assert _peak(defocused.rgb, 0) > 0.9 * _peak(sharp.rgb, 0)  # the red one in focus is not


def test_a_run_with_optics_writes_noisy_blurred_rgb_and_the_labels_of_a_run_without(tmp_path) -> None:
    from synthscape.io.images import read_png
    from synthscape.pipeline import render_dataset
    from synthscape.plan import RenderJob

    base = (Path(__file__).resolve().parents[1] / "scenes" / "minimal.yaml").read_text()
    optics = ("optics:\n  motion_blur: {shutter_s: 0.05, object_velocity: {box: [10, 0, 0], ball: [0, 10, 0]}}\n"
              "  dof: {fstop: 0.5, focus_object: ball}\n"
              "  exposure: {gain: 2, ev: -1, full_well_e: 2000, read_noise_e: 4}\n")
    runs = {}
    for name, text in (("plain", base), ("optics", base + optics)):
        recipe = tmp_path / f"{name}.yaml"
        recipe.write_text(text)
        runs[name] = tmp_path / name
        render_dataset(RenderJob(str(recipe), runs[name], frames=1, device="cpu", outputs=("rgb", "instance", "depth", "meta")))
    for folder in ("instance", "depth"):
        plain = sorted((runs["plain"] / folder).glob("*.png"))
        assert plain, folder
        np.testing.assert_array_equal(read_png(runs["optics"] / folder / plain[0].name), read_png(plain[0]))
    rgb_plain, rgb_optics = (read_png(runs[n] / "rgb" / "000000.png").astype(int) for n in ("plain", "optics"))
    assert np.abs(rgb_plain - rgb_optics).mean() > 2
    meta = (runs["optics"] / "meta" / "000000.json").read_text()
    assert '"fstop": 0.5' in meta and '"shutter_s": 0.05' in meta
