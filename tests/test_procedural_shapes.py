"""Procedural generators: dimensions follow the parameters, parts are coloured, meshes are closed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from synthscape.assets.procedural import (
    GENERATORS,
    generate,
    generator,
    household,
    normalized_params,
    people,
    vehicles,
)
from synthscape.assets.procedural.params import round_value
from synthscape.assets.procedural.parts import linear_to_srgb_byte, srgb_byte_to_linear


def _colours(mesh) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in row) for row in np.unique(mesh.visual.vertex_colors, axis=0)}


def _rgba(part) -> tuple[int, ...]:
    return tuple(int(v) for v in part.rgba_bytes())


def _base_centred(mesh) -> None:
    low, high = mesh.bounds
    assert low[2] == pytest.approx(0.0, abs=1e-9), "the base must touch z = 0"
    assert (low[:2] + high[:2]) == pytest.approx([0.0, 0.0], abs=1e-9), "the origin must be the base's centre"


@pytest.mark.parametrize("body", ["sedan", "hatchback", "van"])
@pytest.mark.parametrize("length, width, height", [(None, None, None), (3.6, 1.62, 1.31), (5.8, 2.2, 2.4)])
def test_car_bounds_are_its_dimensions(body, length, width, height) -> None:
    mesh = generate("car", {"body": body, "length": length, "width": width, "height": height})
    style = vehicles.STYLES[body]
    expected = [length or style.length, width or style.width, height or style.height]
    assert mesh.extents == pytest.approx(expected, abs=1e-6)
    _base_centred(mesh)
    assert mesh.is_watertight and mesh.volume > 0


def test_default_sedan_is_a_real_sedan() -> None:
    assert generate("car", {}).extents == pytest.approx([4.5, 1.8, 1.45])


def test_car_has_body_glass_tyres_rims_and_lights() -> None:
    mesh = generate("car", {"body": "van"})
    assert _colours(mesh) == {_rgba(part) for part in vehicles.CAR_PARTS}
    body, glass = _rgba(vehicles.BODY), _rgba(vehicles.GLASS)
    assert body == (255, 255, 255, 255), "the body is white and tinted: it takes the material colour"
    assert glass[3] == 0 and max(glass[:3]) < 60, "glass is dark and keeps its own colour"
    colours = mesh.visual.vertex_colors
    tyre_z = mesh.vertices[(colours == _rgba(vehicles.TYRE)).all(axis=1), 2]
    assert tyre_z.min() == pytest.approx(0.0) and tyre_z.max() == pytest.approx(2 * vehicles.STYLES["van"].wheel_radius)
    glass_z = mesh.vertices[(colours == glass).all(axis=1), 2]
    assert glass_z.min() > tyre_z.max() * 0.9, "windows sit above the wheels"


def test_car_wheel_segments_change_the_mesh_not_its_size() -> None:
    coarse, fine = generate("car", {"segments": 8}), generate("car", {"segments": 48})
    assert len(fine.faces) > len(coarse.faces)
    assert fine.extents == pytest.approx(coarse.extents)


@pytest.mark.parametrize("height", [1.2, 1.75, 2.0])
def test_standing_pedestrian_is_as_tall_as_its_height(height) -> None:
    mesh = generate("pedestrian", {"height": height, "pose": "standing"})
    assert mesh.extents[2] == pytest.approx(height, rel=1e-3)
    assert 0.12 * height < mesh.extents[0] < 0.25 * height, "front to back: a body's depth"
    assert 0.25 * height < mesh.extents[1] < 0.45 * height, "side to side: shoulders and arms"
    _base_centred(mesh)
    assert mesh.is_watertight


def test_poses_differ_and_gaits_lower_the_head() -> None:
    meshes = {pose: generate("pedestrian", {"pose": pose}) for pose in people.POSES}
    extents = {pose: tuple(np.round(m.extents, 4)) for pose, m in meshes.items()}
    assert len(set(extents.values())) == len(extents)
    assert meshes["walking"].extents[0] > 2 * meshes["standing"].extents[0], "a stride lengthens the figure"
    assert meshes["running"].extents[0] > meshes["walking"].extents[0]
    assert meshes["running"].extents[2] < meshes["standing"].extents[2]
    assert meshes["waving"].extents[2] > meshes["standing"].extents[2], "a raised arm reaches above the head"
    still = generate("pedestrian", {"pose": "walking", "stride": 0.0})
    assert still.extents[0] == pytest.approx(meshes["standing"].extents[0], rel=0.2)


def test_pedestrian_parts_and_skin_tone() -> None:
    light, dark = generate("pedestrian", {"skin": 0.0}), generate("pedestrian", {"skin": 1.0})
    assert _colours(light) == {_rgba(people.SHIRT), _rgba(people.TROUSERS), _rgba(people.SHOES),
                               _rgba(people.skin_color(0.0))}
    assert _rgba(people.skin_color(1.0)) in _colours(dark)
    assert sum(_rgba(people.skin_color(1.0))[:3]) < sum(_rgba(people.skin_color(0.0))[:3])


def test_cyclist_is_a_rider_on_a_bicycle() -> None:
    mesh = generate("cyclist", {"rider_height": 1.8, "wheel_radius": 0.34})
    _base_centred(mesh)
    assert mesh.extents[0] == pytest.approx(1.02 + 2 * 0.34, abs=0.03), "wheelbase plus two wheel radii"
    assert mesh.extents[1] == pytest.approx(0.56, abs=0.08), "the handlebar (and the rider's shoulders)"
    assert 1.3 < mesh.extents[2] < 1.8
    assert _colours(mesh) >= {_rgba(people.BIKE_TYRE), _rgba(people.FRAME), _rgba(people.SHIRT), _rgba(people.SADDLE)}
    colours = mesh.visual.vertex_colors
    tyres = mesh.vertices[(colours == _rgba(people.BIKE_TYRE)).all(axis=1)]
    assert tyres[:, 2].max() == pytest.approx(0.68, abs=0.01), "the tyres reach twice their radius"
    rider = mesh.vertices[(colours == _rgba(people.SHIRT)).all(axis=1)]
    assert rider[:, 2].min() > 0.68, "the rider's torso sits above the wheels"
    assert mesh.is_watertight


def test_cyclist_saddle_follows_the_rider() -> None:
    def saddle_top(height: float) -> float:
        mesh = generate("cyclist", {"rider_height": height})
        return mesh.vertices[(mesh.visual.vertex_colors == _rgba(people.SADDLE)).all(axis=1), 2].max()

    assert saddle_top(1.95) > saddle_top(1.5) + 0.1


def test_two_bone_reaches_a_reachable_target_and_points_at_an_unreachable_one() -> None:
    root, target = np.zeros(3), np.array([0.5, 0.0, -0.6])
    joint, end = people.two_bone(root, target, 0.45, 0.45, np.array([1.0, 0.0, 0.0]))
    assert end == pytest.approx(target)
    assert np.linalg.norm(joint - root) == pytest.approx(0.45) and np.linalg.norm(end - joint) == pytest.approx(0.45)
    assert joint[0] > target[0] / 2, "the knee bends towards the hint"
    far = np.array([2.0, 0.0, 0.0])
    _, end = people.two_bone(root, far, 0.45, 0.45, np.array([0.0, 0.0, 1.0]))
    assert end == pytest.approx([0.9, 0.0, 0.0], abs=1e-5)


@pytest.mark.parametrize("handle", [True, False])
def test_mug_dimensions_and_handle(handle) -> None:
    mesh = generate("mug", {"height": 0.1, "radius": 0.04, "handle": handle})
    assert mesh.extents[2] == pytest.approx(0.1) and mesh.extents[1] == pytest.approx(0.08, rel=1e-3)
    if handle:
        assert 0.095 < mesh.extents[0] < 0.14, "the handle stands out on +X"
        assert mesh.body_count == 2
    else:
        assert mesh.extents[0] == pytest.approx(0.08, rel=1e-3)
    _base_centred(mesh)
    assert mesh.is_watertight


def test_vessels_are_hollow() -> None:
    mug, solid = generate("mug", {"handle": False, "wall": 0.004}), generate("bottle", {"label": False})
    radius, height = 0.041, 0.095
    assert mug.volume < 0.5 * np.pi * radius ** 2 * height, "a mug holds more air than clay"
    assert solid.volume > 0.5 * np.pi * 0.035 ** 2 * 0.25 * 0.6
    radial = np.hypot(mug.vertices[:, 0] - (mug.bounds[0, 0] + mug.bounds[1, 0]) / 2, mug.vertices[:, 1])
    assert np.isclose(radial, radius - 0.004, atol=1e-4).any(), "an inner wall, one wall thickness in"


@pytest.mark.parametrize("kind, params, expected", [
    ("cup", {"height": 0.1, "radius_top": 0.045, "radius_bottom": 0.03}, [0.09, 0.09, 0.1]),
    ("bowl", {"radius": 0.1, "height": 0.05}, [0.2, 0.2, 0.05]),
    ("bottle", {"height": 0.3, "radius": 0.04, "label": False}, [0.08, 0.08, 0.3]),
    ("box", {"length": 0.3, "width": 0.2, "height": 0.12}, [0.3, 0.2, 0.12]),
    ("box", {"length": 0.3, "width": 0.2, "height": 0.12, "tape": False}, [0.3, 0.2, 0.12]),
])
def test_household_bounds_are_their_dimensions(kind, params, expected) -> None:
    mesh = generate(kind, params)
    assert mesh.extents == pytest.approx(expected, rel=2e-3)
    _base_centred(mesh)
    assert mesh.is_watertight and mesh.volume > 0


def test_bottle_parts() -> None:
    labelled, plain = generate("bottle", {}), generate("bottle", {"label": False})
    assert _colours(labelled) == {_rgba(household.BODY), _rgba(household.CAP), _rgba(household.LABEL)}
    assert _colours(plain) == {_rgba(household.BODY), _rgba(household.CAP)}
    cap = labelled.vertices[(labelled.visual.vertex_colors == _rgba(household.CAP)).all(axis=1)]
    assert cap[:, 2].max() == pytest.approx(0.25) and cap[:, 2].min() > 0.2, "the cap is on top"


def _corner_params(kind: str) -> list[dict]:
    """All-low and all-high numbers, crossed with every option of every categorical parameter."""
    gen = generator(kind)
    numbers = [p for p in gen.params if not p.categorical]
    options = [[(p.name, o) for o in p.options] for p in gen.params if p.categorical]
    combos = [dict(c) for c in itertools.product(*options)] if options else [{}]
    return [{**combo, **{p.name: getattr(p, end) for p in numbers}} for combo in combos for end in ("low", "high")]


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_every_parameter_range_corner_builds_a_closed_mesh(kind) -> None:
    for params in _corner_params(kind):
        mesh = generate(kind, params)
        assert len(mesh.faces) > 0 and np.isfinite(mesh.vertices).all(), params
        assert mesh.is_watertight and mesh.volume > 0, params
        _base_centred(mesh)
        assert mesh.visual.vertex_colors.shape == (len(mesh.vertices), 4)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_same_parameters_same_mesh(kind) -> None:
    a, b = generate(kind, {}), generate(kind, {})
    assert np.array_equal(a.vertices, b.vertices) and np.array_equal(a.faces, b.faces)
    assert np.array_equal(a.visual.vertex_colors, b.visual.vertex_colors)


def test_parameters_are_rounded_and_defaults_filled() -> None:
    full = normalized_params("car", {"body": "van", "length": 4.87654, "segments": 23.7})
    assert full == {"body": "van", "length": 4.9, "width": 1.95, "height": 1.95, "wheel_radius": 0.34, "segments": 24}
    length = generator("car").param("length")
    assert length.snap(6.999) == 7.0 and length.snap(2.5001) == 2.5 and length.snap(4.024) == 4.0
    assert generator("pedestrian").param("stride").snap(0.04) == 0.0, "snapping keeps values in range"
    assert round_value(0.0412345) == 0.0412 and round_value(23.7, integer=True) == 24


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_defaults_sit_on_their_step_grid(kind) -> None:
    for param in generator(kind).params:
        assert param.snap(param.default) == param.default, (kind, param.name)
    with pytest.raises(KeyError, match="no parameter 'colour'"):
        normalized_params("car", {"colour": 1})
    with pytest.raises(KeyError, match="unknown procedural kind 'truck'"):
        generator("truck")


def test_srgb_bytes_round_trip() -> None:
    for value in (0.0, 0.002, 0.02, 0.2, 0.5, 1.0):
        assert srgb_byte_to_linear(linear_to_srgb_byte(value)) == pytest.approx(value, abs=0.004 + 0.01 * value)


@pytest.mark.parametrize("lean", [20.0, 30.0, 40.0, 50.0, 70.0])
@pytest.mark.parametrize("height", [1.3, 1.5, 1.75, 2.1])
def test_the_cyclists_hands_reach_the_handlebar(lean, height) -> None:
    b = people.Build(height)
    bike = people._bicycle(b, 0.34, lean)
    pelvis = bike.saddle + [0.0, 0.0, 0.06]
    shoulder = pelvis + [0.0, b.shoulder_y, 0.0] + (b.shoulder_z - b.hip_z) * people._swing(180.0 - lean)
    grip = bike.bar + [0.0, people.GRIP_Y, 0.0]
    _, hand = people.two_bone(shoulder, grip, b.upper_arm, b.forearm, np.array([-0.3, 0.4, -1.0]))
    assert hand == pytest.approx(grip, abs=1e-6)
    assert bike.bar[2] >= bike.head_top[2] + 0.12 - 1e-9, "the bar only ever rises above the stem"
    assert bike.bar[0] >= bike.head_top[0] + 0.06 - 0.25 - 1e-9, "and is swept back at most 25 cm"
