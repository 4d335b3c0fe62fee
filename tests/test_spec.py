"""Scene spec sampling (no bpy): determinism, placement, camera maths."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from synthscape.recipe.load import load_recipe, parse_recipe
from synthscape.spec.camera import aim_euler, euler_xyz_to_matrix, intrinsics, look_at, matrix_to_euler_xyz
from synthscape.spec.colors import kelvin_to_linear_rgb
from synthscape.spec.placement import footprint_radius
from synthscape.spec.sample import PlacementError, sample_scene
from synthscape.spec.scene_spec import spec_from_dict, spec_to_json
from tests.conftest import SCENES


@pytest.fixture(scope="module")
def tabletop():
    return load_recipe(SCENES / "tabletop.yaml")


def test_same_seed_same_bytes(tabletop) -> None:
    assert spec_to_json(sample_scene(tabletop, 3, 5)) == spec_to_json(sample_scene(tabletop, 3, 5))


def test_frames_and_seeds_differ(tabletop) -> None:
    base = spec_to_json(sample_scene(tabletop, 3, 5))
    assert spec_to_json(sample_scene(tabletop, 3, 6)) != base
    assert spec_to_json(sample_scene(tabletop, 4, 5)) != base


def test_frame_does_not_depend_on_order(tabletop) -> None:
    forward = [spec_to_json(sample_scene(tabletop, 1, i)) for i in range(4)]
    backward = [spec_to_json(sample_scene(tabletop, 1, i)) for i in reversed(range(4))][::-1]
    assert forward == backward


def test_json_round_trip(tabletop) -> None:
    text = spec_to_json(sample_scene(tabletop, 0, 0))
    assert spec_to_json(spec_from_dict(json.loads(text))) == text


def test_footprints_do_not_overlap_and_objects_rest_on_ground(tabletop) -> None:
    for frame in range(10):
        spec = sample_scene(tabletop, 0, frame)
        discs = [(o.location[0], o.location[1], footprint_radius(o.bbox_min, o.bbox_max, o.scale))
                 for o in spec.objects]
        for i, a in enumerate(discs):
            for b in discs[i + 1:]:
                assert math.hypot(a[0] - b[0], a[1] - b[1]) >= a[2] + b[2]
        for o in spec.objects:
            assert o.location[2] + o.bbox_min[2] * o.scale[2] == pytest.approx(0.0, abs=1e-9)


def test_instance_ids_are_dense_from_one(tabletop) -> None:
    spec = sample_scene(tabletop, 0, 2)
    assert [o.instance_id for o in spec.objects] == list(range(1, len(spec.objects) + 1))


def test_placement_failure_can_be_an_error() -> None:
    recipe = parse_recipe({"objects": [{"category": "b", "shape": "cube", "count": 30, "scale": 0.5}],
                           "placement": {"area": [1, 1], "max_tries": 5, "on_failure": "error"}})
    with pytest.raises(PlacementError, match="placement.area"):
        sample_scene(recipe, 0, 0)
    skipped = parse_recipe({"objects": [{"category": "b", "shape": "cube", "count": 30, "scale": 0.5}],
                            "placement": {"area": [1, 1], "max_tries": 5}})
    assert 0 < len(sample_scene(skipped, 0, 0).objects) < 30


def test_look_at_projects_target_to_principal_point() -> None:
    k = intrinsics(64, 48, 35.0, 36.0)
    w2c = look_at(np.array([3.0, -2.0, 1.5]), np.array([0.2, 0.1, 0.3]))
    p = w2c @ np.array([0.2, 0.1, 0.3, 1.0])
    uv = k @ p[:3]
    assert p[2] > 0
    assert uv[:2] / uv[2] == pytest.approx([31.5, 23.5])
    # Rows are orthonormal and the camera's y axis points down in the world.
    r = w2c[:3, :3]
    assert r @ r.T == pytest.approx(np.eye(3))
    assert r[1] @ np.array([0, 0, 1.0]) < 0


def test_euler_round_trip_and_aim() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        euler = tuple(rng.uniform(-1.4, 1.4, 3))
        assert matrix_to_euler_xyz(euler_xyz_to_matrix(euler)) == pytest.approx(euler)
    position, target = np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0])
    minus_z = euler_xyz_to_matrix(aim_euler(position, target)) @ np.array([0, 0, -1.0])
    assert minus_z == pytest.approx((target - position) / np.linalg.norm(target - position))


def test_colour_temperature() -> None:
    warm, cool = kelvin_to_linear_rgb(3000), kelvin_to_linear_rgb(10000)
    assert warm[0] == 1.0 and warm[2] < warm[1] < 1.0
    assert cool[2] == 1.0 and cool[0] < 1.0
    assert kelvin_to_linear_rgb(6600) == pytest.approx((1.0, 1.0, 1.0), abs=0.03)


def test_pure_python_layers_do_not_import_bpy() -> None:
    import subprocess
    import sys

    code = ("import sys, synthscape.spec.sample, synthscape.recipe.load, synthscape.pipeline, "
            "synthscape.io.images; assert 'bpy' not in sys.modules, 'bpy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_objects_that_do_not_fit_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    recipe = parse_recipe({"objects": [{"category": "b", "shape": "cube", "count": 5, "scale": 0.6}],
                           "placement": {"area": [1, 1], "max_tries": 5}})
    spec = sample_scene(recipe, 0, 0)
    assert len(spec.objects) < 5
    assert f"{5 - len(spec.objects)} of 5 objects did not fit" in caplog.text
