"""Issue 11 items 11-12: recipes that were accepted silently or failed with exit 1 are refused
(exit 2) or warned about, naming the key."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from synthscape.errors import RecipeError, SynthscapeError
from synthscape.recipe import memory
from synthscape.recipe.load import load_recipe, parse_recipe
from tests.test_inputs_support import CUBE, assert_refused, validate_cli, write_text


@pytest.mark.parametrize("clip", ["{clip_start: 10, clip_end: 1}", "{clip_start: 2, clip_end: 2}"])
def test_clip_start_must_be_below_clip_end(tmp_path: Path, clip: str) -> None:
    assert_refused(write_text(tmp_path, CUBE + f"camera: {clip}\n"), "camera.clip_end", "clip_start")


@pytest.mark.parametrize("text, key", [
    ("categories: [{name: box, kitti_type: Spaceship}]\n" + CUBE, "categories[0].kitti_type"),
    ("objects:\n- {category: box, shape: cube, kitti_type: car}\n", "objects[0].kitti_type"),
    ("objects:\n- {category: box, shape: cube, kitti_type: DontCare}\n", "objects[0].kitti_type"),
])
def test_kitti_types_must_be_real_kitti_types(tmp_path: Path, text: str, key: str) -> None:
    assert_refused(write_text(tmp_path, text), key, "Person_sitting")


def test_every_kitti_type_is_accepted() -> None:
    for kitti in ("Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc"):
        recipe = parse_recipe({"objects": [{"category": "x", "shape": "cube", "kitti_type": kitti}]})
        assert recipe.objects[0].kitti_type == kitti


@pytest.mark.parametrize("text, key", [
    ("categories: [{name: '   '}]\n" + CUBE, "categories[0].name"),
    ("objects:\n- {category: ' ', shape: cube}\n", "objects[0].category"),
    ("objects:\n- {category: \"\\t\", shape: cube}\n", "objects[0].category"),
])
def test_category_names_must_not_be_blank(tmp_path: Path, text: str, key: str) -> None:
    assert_refused(write_text(tmp_path, text), key, "blank")


@pytest.mark.parametrize("camera", [
    "{location: [0, 0, 0]}", "{location: [1, 2, 3], target: [1, 2, 3]}",
    "{location: {choice: [[1, 0, 1], [0, 0, 0]]}}",
])
def test_a_constant_camera_location_equal_to_the_target_is_refused(tmp_path: Path, camera: str) -> None:
    assert_refused(write_text(tmp_path, CUBE + f"camera: {camera}\n"), "camera.location", "camera.target")


def test_a_sampled_camera_location_equal_to_the_target_is_bad_input(tmp_path: Path) -> None:
    """Only constants are known at validation; a draw that lands on the target is a SynthscapeError."""
    from synthscape.spec.sample import sample_scene

    path = write_text(tmp_path, CUBE + "camera: {location: [{uniform: [0, 0]}, 0, 0]}\n")
    recipe = load_recipe(path)
    with pytest.raises(SynthscapeError, match="camera.location"):
        sample_scene(recipe, 0, 0)
    result = validate_cli(path)
    assert result.exit_code == 2 and "camera.location" in result.output, result.output


def test_look_at_its_own_position_raises_a_synthscape_error_naming_the_key() -> None:
    from synthscape.spec.camera import ViewDirectionError, aim_euler, look_at

    eye = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ViewDirectionError, match="camera.location") as info:
        look_at(eye, eye.copy())
    assert isinstance(info.value, SynthscapeError) and info.value.key == "camera.location"
    with pytest.raises(ViewDirectionError, match=r"lights\[\].distance"):
        aim_euler(eye, eye.copy())
    with pytest.raises(ViewDirectionError):
        look_at(np.array([np.nan, 0.0, 0.0]), eye)


def test_a_camera_away_from_its_target_still_samples() -> None:
    from synthscape.spec.sample import sample_scene

    recipe = parse_recipe({"objects": [{"category": "box", "shape": "cube"}],
                           "camera": {"location": [0, 0, 0], "target": [0, 0, 0], "target_jitter": 0.5}})
    assert sample_scene(recipe, 0, 0).camera.world_to_camera


@pytest.mark.parametrize("lidar", ["{min_range: 50, max_range: 10}", "{min_range: 10, max_range: 10}",
                                   "{preset: vlp16, min_range: 150}"])
def test_lidar_min_range_must_be_below_max_range(tmp_path: Path, lidar: str) -> None:
    assert_refused(write_text(tmp_path, CUBE + f"lidar: {lidar}\n"), "lidar", "lidar.min_range",
                   "lidar.max_range")


GIB = 2**30


def test_frame_memory_estimate_counts_every_pass() -> None:
    # rgb 12 + depth 4 + normal 12 + instance 2 bytes, twice, plus the uint16 semantic map
    assert memory.frame_bytes(100, 10) == 1000 * (2 * 30 + 2)


def test_a_frame_larger_than_available_memory_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="synthscape.recipe"):
        estimate = memory.warn_if_frame_too_large((16384, 16384), "r.yaml", memory=(GIB, 64 * GIB))
    assert estimate > GIB
    assert "camera.resolution" in caplog.text and "16384x16384" in caplog.text
    assert f"{estimate / GIB:.1f} GiB" in caplog.text and "1.0 GiB is available" in caplog.text


def test_a_frame_that_fits_gives_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="synthscape.recipe"):
        memory.warn_if_frame_too_large((640, 480), "r.yaml", memory=(GIB, 64 * GIB))
    assert not caplog.text


def test_a_render_larger_than_all_physical_memory_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(RecipeError, match=r"camera.resolution.*lower the resolution"):
        memory.warn_if_frame_too_large((16384, 16384), "r.yaml", memory=(GIB, 2 * GIB), refuse=True)
    with caplog.at_level(logging.WARNING, logger="synthscape.recipe"):  # validating only: a warning
        memory.warn_if_frame_too_large((16384, 16384), "r.yaml", memory=(GIB, 2 * GIB))
    assert "may run out of memory" in caplog.text


def test_load_recipe_warns_about_a_huge_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(memory, "machine_memory", lambda: (GIB, 64 * GIB))
    path = write_text(tmp_path, CUBE + "camera: {resolution: [16384, 16384]}\n")
    with caplog.at_level(logging.WARNING, logger="synthscape.recipe"):
        load_recipe(path)
    assert str(path) in caplog.text and "may run out of memory" in caplog.text


@pytest.mark.parametrize("without_psutil", [False, True])
def test_machine_memory_is_read(monkeypatch: pytest.MonkeyPatch, without_psutil: bool) -> None:
    if without_psutil:
        monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil now raises ImportError
    found = memory.machine_memory()
    assert found is not None
    available, total = found
    assert 0 < available <= total and total > 64 * 2**20


def test_shipped_recipes_draw_finite_values() -> None:
    """The new checks keep the shipped scenes valid and their frames finite."""
    from synthscape.spec.sample import sample_scene
    from tests.conftest import SCENES

    for path in sorted(SCENES.glob("*.yaml")):
        spec = sample_scene(load_recipe(path), 0, 0)
        assert np.isfinite(np.asarray(spec.camera.world_to_camera)).all(), path
