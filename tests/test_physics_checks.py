"""The checks after settling, on hand-made bodies: interpenetration, resting, below the ground."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.blender

TOL, CONTACT = 0.002, 0.005


def box(instance_id: int, center: tuple[float, float, float], half: float = 0.05, dynamic: bool = True,
        yaw: float = 0.0):
    import trimesh

    from synthscape.blender.physics_checks import Body

    mesh = trimesh.creation.box(extents=(2 * half,) * 3)
    mesh.apply_transform(trimesh.transformations.euler_matrix(0, 0, yaw))
    mesh.apply_translation(center)
    return Body(instance_id, np.asarray(mesh.vertices, np.float64), np.asarray(mesh.faces), dynamic=dynamic)


def check(*bodies):
    from synthscape.blender.physics_checks import check_bodies

    return check_bodies(list(bodies), TOL, CONTACT)


def test_a_stack_of_touching_boxes_passes() -> None:
    result = check(box(1, (0, 0, 0.05)), box(2, (0.02, 0.01, 0.15), yaw=0.4), box(3, (0.2, 0, 0.05)))
    assert result.failures == {} and result.max_penetration <= 1e-9


def test_boxes_overlapping_deeper_than_the_tolerance_fail_the_higher_id() -> None:
    result = check(box(1, (0, 0, 0.05)), box(2, (0.095, 0, 0.05)))  # 5 mm overlap
    assert set(result.failures) == {2} and "interpenetrates object 1" in result.failures[2]
    assert result.max_penetration == pytest.approx(0.005, abs=5e-4)


def test_an_overlap_within_the_tolerance_passes() -> None:
    result = check(box(1, (0, 0, 0.05)), box(2, (0.099, 0, 0.05)))  # 1 mm overlap
    assert result.failures == {} and 0.0005 < result.max_penetration <= TOL


def test_an_edge_into_a_face_is_found() -> None:
    """A box turned 45 degrees pushes an edge 8 mm into its neighbour: no vertex of either is inside the other's
    faces in the usual way, but the surface samples are."""
    edge = 0.05 * 2 ** 0.5
    result = check(box(1, (0, 0, 0.05)), box(2, (0.05 + edge - 0.008, 0, 0.05), yaw=np.pi / 4))
    assert set(result.failures) == {2}


def test_sinking_into_a_support_fails_the_object_not_the_support() -> None:
    wall = box(0, (0.0, 0.0, 0.05), dynamic=False)
    result = check(wall, box(4, (0.095, 0, 0.05)))
    assert set(result.failures) == {4} and "a support" in result.failures[4]


def test_a_floating_object_fails_and_a_leaning_one_rests() -> None:
    floating = check(box(1, (0, 0, 0.05)), box(2, (0.5, 0, 0.07)))  # 2 cm above the ground
    assert set(floating.failures) == {2} and "floats" in floating.failures[2]
    leaning = check(box(0, (0, 0, 0.2), dynamic=False), box(2, (0.1015, 0, 0.3)))  # 1.5 mm from a wall
    assert leaning.failures == {}


def test_below_the_ground_fails() -> None:
    result = check(box(1, (0, 0, 0.04)))
    assert set(result.failures) == {1} and "below the ground" in result.failures[1]
