"""Exposure, gain, shot and read noise in the sensors stage: seeded, the model's statistics, labels untouched."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from synthscape.buffers import FrameBuffers
from synthscape.sensors import run_sensors
from synthscape.sensors.exposure import expose
from synthscape.spec.camera import intrinsics, look_at
from synthscape.spec.optics import OpticsSpec
from synthscape.spec.scene_spec import CameraSpec, CategorySpec, RenderSpec, SceneSpec, WorldSpec
from synthscape.writers.images import write_rgb

WIDTH, HEIGHT = 64, 48


def _spec(optics: OpticsSpec | None, frame: int = 0, camera_name: str = "camera") -> SceneSpec:
    k = intrinsics(WIDTH, HEIGHT, 35.0, 36.0)
    w2c = look_at(np.array([0.0, -5.0, 1.0]), np.array([0.0, 0.0, 0.0]))
    camera = CameraSpec(WIDTH, HEIGHT, 35.0, 36.0, tuple(map(tuple, k.tolist())), tuple(map(tuple, w2c.tolist())),
                        name=camera_name)
    return SceneSpec(frame, 11, camera, None, (), (), WorldSpec(), RenderSpec(), (CategorySpec(1, "box"),),
                     optics=optics)


def _flat(value: float) -> FrameBuffers:
    """A flat grey frame with some labels (a wall at 4 m, instance 1 on the left half)."""
    instance = np.zeros((HEIGHT, WIDTH), np.uint16)
    instance[:, : WIDTH // 2] = 1
    normal = np.zeros((HEIGHT, WIDTH, 3), np.float32)
    normal[..., 2] = 1.0
    return FrameBuffers(rgb=np.full((HEIGHT, WIDTH, 3), value, np.float32),
                        depth=np.full((HEIGHT, WIDTH), 4.0, np.float32), normal=normal, instance=instance)


NOISY = OpticsSpec(gain=2.0, full_well_e=1000.0, read_noise_e=5.0)


def test_same_seed_gives_the_same_bytes_and_other_frames_other_noise(tmp_path) -> None:
    buffers = _flat(0.25)
    first = run_sensors(_spec(NOISY), buffers, needs=())
    second = run_sensors(_spec(NOISY), buffers, needs=())
    assert first.rgb.tobytes() == second.rgb.tobytes()
    write_rgb(tmp_path / "a", _spec(NOISY), first)
    write_rgb(tmp_path / "b", _spec(NOISY), second)
    png_a, png_b = sorted((tmp_path / "a").rglob("*.png")), sorted((tmp_path / "b").rglob("*.png"))
    assert png_a and png_a[0].read_bytes() == png_b[0].read_bytes()
    other_frame = run_sensors(_spec(NOISY, frame=1), buffers, needs=())
    other_camera = run_sensors(_spec(NOISY, camera_name="right"), buffers, needs=())
    assert not np.array_equal(first.rgb, other_frame.rgb)
    assert not np.array_equal(first.rgb, other_camera.rgb)


def test_labels_are_untouched() -> None:
    buffers = _flat(0.25)
    out = run_sensors(_spec(NOISY), buffers, needs=())
    assert not np.array_equal(out.rgb, buffers.rgb)
    assert out.depth is buffers.depth and out.normal is buffers.normal and out.instance is buffers.instance


def test_without_optics_the_rgb_is_the_render() -> None:
    buffers = _flat(0.25)
    assert run_sensors(_spec(None), buffers, needs=()).rgb is buffers.rgb
    assert run_sensors(_spec(OpticsSpec(fstop=2.8)), buffers, needs=()).rgb is buffers.rgb


@pytest.mark.parametrize("optics", [
    OpticsSpec(gain=2.0, full_well_e=1000.0, read_noise_e=5.0),
    OpticsSpec(exposure_ev=1.0, gain=1.0, full_well_e=2000.0, read_noise_e=0.0),
    OpticsSpec(exposure_ev=-1.0, gain=4.0, full_well_e=500.0, read_noise_e=8.0),
    OpticsSpec(gain=1.0, full_well_e=1000.0, read_noise_e=20.0, shot_noise=False),
])
def test_flat_patch_mean_and_variance_follow_the_photon_transfer_model(optics: OpticsSpec) -> None:
    value = 0.2
    out = expose(np.full((96, 128, 3), value, np.float32), optics, np.random.default_rng(5))
    light = value * 2.0 ** optics.exposure_ev
    full_well = float(optics.full_well_e)  # type: ignore[arg-type]
    shot = light / full_well if optics.shot_noise else 0.0
    variance = optics.gain ** 2 * (shot + (optics.read_noise_e / full_well) ** 2)
    mean = optics.gain * light
    assert out.mean() == pytest.approx(mean, abs=4 * np.sqrt(variance / out.size) + 1e-6)
    assert out.var() == pytest.approx(variance, rel=0.06)


def test_more_gain_for_the_same_brightness_is_noisier() -> None:
    rgb = np.full((96, 128, 3), 0.2, np.float32)
    base = expose(rgb, OpticsSpec(gain=1.0, full_well_e=1000.0, read_noise_e=3.0), np.random.default_rng(1))
    high_iso = expose(rgb, OpticsSpec(exposure_ev=-3.0, gain=8.0, full_well_e=1000.0, read_noise_e=3.0),
                      np.random.default_rng(1))
    assert high_iso.mean() == pytest.approx(base.mean(), rel=0.01)
    assert high_iso.std() > 2.5 * base.std()


def test_saturation_at_the_full_well() -> None:
    out = expose(np.full((64, 64, 3), 3.0, np.float32), OpticsSpec(gain=1.0, full_well_e=1000.0, read_noise_e=0.0),
                 np.random.default_rng(2))
    np.testing.assert_array_equal(out, np.float32(1.0))


def test_gain_without_a_sensor_model_is_exact() -> None:
    rgb = np.linspace(0.0, 1.0, 64 * 48 * 3, dtype=np.float32).reshape(48, 64, 3)
    out = run_sensors(_spec(OpticsSpec(gain=2.0, exposure_ev=1.0, full_well_e=None)), dataclasses.replace(
        _flat(0.0), rgb=rgb), needs=())
    np.testing.assert_allclose(out.rgb, rgb * 4.0, rtol=1e-6)
