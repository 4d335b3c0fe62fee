"""Object orientation: upright (today's yaw), uniform over SO(3), per-axis Euler ranges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synthscape.errors import RecipeError
from synthscape.recipe.load import parse_recipe
from synthscape.recipe.orientation import OrientationRecipe
from synthscape.spec.camera import euler_xyz_to_matrix
from synthscape.spec.orientation import quaternion_to_matrix, sample_orientation, uniform_quaternion, uniform_rotation
from synthscape.spec.sample import sample_scene

N = 20000


def _ks_uniform(samples: np.ndarray, low: float, high: float) -> float:
    """Kolmogorov-Smirnov distance of ``samples`` from the uniform distribution on [low, high]."""
    x = np.sort((samples - low) / (high - low))
    n = len(x)
    return float(max((np.arange(1, n + 1) / n - x).max(), (x - np.arange(n) / n).max()))


def _ks_limit(n: int) -> float:
    return 1.63 / math.sqrt(n)  # alpha = 0.01


def _chi_square(samples: np.ndarray, low: float, high: float, bins: int = 20) -> float:
    counts, _ = np.histogram(samples, bins=bins, range=(low, high))
    expected = len(samples) / bins
    return float(((counts - expected) ** 2 / expected).sum())


CHI2_LIMIT_19 = 36.19  # chi-square, 19 degrees of freedom, p = 0.01


def _rotated_axes(rotations: list[tuple[float, float, float]]) -> np.ndarray:
    """(N, 3, 3) rotation matrices of XYZ Euler angles, through the camera module's maths."""
    return np.stack([euler_xyz_to_matrix(r) for r in rotations])


def test_uniform_rotations_turn_the_z_axis_uniformly_over_the_sphere():
    rng = np.random.default_rng(1234)
    matrices = _rotated_axes([uniform_rotation(rng) for _ in range(N)])
    z_axis = matrices[:, :, 2]  # where the object's +z points
    # Archimedes: a direction uniform on the sphere has a uniform z in [-1, 1] and a uniform azimuth.
    assert _ks_uniform(z_axis[:, 2], -1.0, 1.0) < _ks_limit(N)
    azimuth = np.arctan2(z_axis[:, 1], z_axis[:, 0])
    assert _ks_uniform(azimuth, -math.pi, math.pi) < _ks_limit(N)
    assert _chi_square(z_axis[:, 2], -1.0, 1.0) < CHI2_LIMIT_19
    # The rotation about that axis is uniform too: the x axis' angle in the plane normal to z.
    x_axis = matrices[:, :, 0]
    reference = np.cross(z_axis, np.array([0.0, 0.0, 1.0]))  # never 0: z is never exactly +-z
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    angle = np.arctan2((np.cross(reference, x_axis) * z_axis).sum(axis=1), (reference * x_axis).sum(axis=1))
    assert _ks_uniform(angle, -math.pi, math.pi) < _ks_limit(N)


def test_the_uniformity_check_rejects_uniform_euler_angles():
    """The statistic has the power to fail: independent uniform Euler angles are not uniform over SO(3)."""
    rng = np.random.default_rng(1234)
    naive = [tuple(rng.uniform(-math.pi, math.pi, 3)) for _ in range(N)]
    z_axis = _rotated_axes(naive)[:, :, 2]
    assert _ks_uniform(z_axis[:, 2], -1.0, 1.0) > _ks_limit(N)


def test_uniform_euler_angles_reproduce_the_quaternion_in_the_camera_modules_convention():
    """The spec's Euler angles are R = Rz @ Ry @ Rx (Blender's XYZ, spec/camera.py), equal to the drawn rotation."""
    for seed in range(300):
        q = uniform_quaternion(np.random.default_rng(seed))
        assert abs(np.linalg.norm(q) - 1.0) < 1e-12
        expected = quaternion_to_matrix(q)
        assert np.allclose(expected @ expected.T, np.eye(3), atol=1e-12) and np.linalg.det(expected) > 0
        euler = uniform_rotation(np.random.default_rng(seed))
        assert np.allclose(euler_xyz_to_matrix(euler), expected, atol=1e-9)


def test_euler_mode_turns_about_world_x_then_y_then_z():
    orientation = OrientationRecipe(mode="euler", x=90.0, y=0.0, z=90.0)
    rotation = sample_orientation(orientation, None, np.random.default_rng(0))
    assert rotation == pytest.approx((math.pi / 2, 0.0, math.pi / 2))
    matrix = euler_xyz_to_matrix(rotation)
    # +z of the object: about x by 90 -> -y, then about z by 90 -> +x.
    assert np.allclose(matrix @ [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], atol=1e-12)
    # +x of the object: unchanged by x, then about z by 90 -> +y.
    assert np.allclose(matrix @ [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], atol=1e-12)


def test_euler_ranges_are_degrees_and_unset_axes_stay_zero():
    orientation = OrientationRecipe.model_validate({"mode": "euler", "x": {"uniform": [-30, 30]},
                                                    "z": {"choice": [0, 90]}})
    rng = np.random.default_rng(5)
    draws = np.array([sample_orientation(orientation, None, rng) for _ in range(500)])
    assert np.all(np.abs(draws[:, 0]) <= math.radians(30) + 1e-12) and draws[:, 0].std() > 0.1
    assert np.all(draws[:, 1] == 0.0)
    assert set(np.round(np.degrees(draws[:, 2]), 9)) == {0.0, 90.0}


def _recipe(group: dict, **top) -> object:
    return parse_recipe({"objects": [{"category": "a", "shape": "cube", "count": 4, "scale": 0.1, **group}],
                         "placement": {"area": [3, 3]}, **top})


def test_upright_is_the_default_and_keeps_todays_draws():
    default, explicit = _recipe({}), _recipe({"orientation": "upright"})
    for frame in range(3):
        a, b = sample_scene(default, 7, frame), sample_scene(explicit, 7, frame)
        assert a == b
        assert all(o.rotation[:2] == (0.0, 0.0) and o.location[2] == pytest.approx(0.1) for o in a.objects)


def test_tilted_orientations_draw_from_their_own_stream_and_rest_on_the_ground():
    spec = sample_scene(_recipe({"orientation": "uniform"}), 7, 0)
    assert any(abs(o.rotation[0]) > 1e-6 or abs(o.rotation[1]) > 1e-6 for o in spec.objects)
    again = sample_scene(_recipe({"orientation": "uniform", "material": {"roughness": 0.25}}), 7, 0)
    assert [o.rotation for o in again.objects] == [o.rotation for o in spec.objects]
    for obj in spec.objects:  # footprint mode with a tilted cube: its lowest corner on the ground
        corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]) * 0.1
        lowest = (corners @ euler_xyz_to_matrix(obj.rotation).T)[:, 2].min() + obj.location[2]
        assert abs(lowest) < 1e-9


@pytest.mark.parametrize(("group", "needle"), [
    ({"orientation": {"mode": "uniform", "x": 10}}, "per-axis angles belong to mode: euler"),
    ({"orientation": "uniform", "yaw": 30}, "'yaw' turns upright objects"),
    ({"orientation": "sideways"}, "orientation.mode"),
])
def test_bad_orientations_name_the_key_and_the_fix(group, needle):
    with pytest.raises(RecipeError) as error:
        _recipe(group)
    assert needle in str(error.value) and "objects[0]" in str(error.value)
