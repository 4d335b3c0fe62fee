"""Physics placement without Blender: recipe keys, drop poses, the spec's physics section, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from synthscape.errors import RecipeError
from synthscape.recipe.load import load_recipe
from synthscape.recipe.schema import Recipe
from synthscape.spec.drop import bounding_radius, object_sphere, stack_height
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import spec_from_dict, spec_to_dict
from synthscape.spec.supports import drop_surfaces, support_boxes
from tests.test_inputs_support import assert_refused, write_text

BIN = {"kind": "bin", "size": [0.5, 0.4], "wall_height": 0.15, "location": [0.1, -0.05, 0.0], "yaw": 30}


def bin_recipe(count: int = 20, **group: object) -> Recipe:
    return Recipe.model_validate({
        "objects": [{"category": "part", "shape": "cube", "scale": 0.02, "count": count, "placement": "physics",
                     **group}],
        "supports": [BIN]})


def test_physics_keys_have_documented_defaults() -> None:
    recipe = Recipe.model_validate({"objects": [{"category": "a", "shape": "cube"}], "physics": {}})
    assert recipe.physics is not None
    assert recipe.physics.penetration_tolerance == 0.002
    assert recipe.objects[0].collision == "convex_hull" and recipe.objects[0].on_failure == "redrop"
    assert recipe.supports == [] and recipe.objects[0].placement is None


def test_drop_poses_start_inside_the_bin_and_apart() -> None:
    spec = sample_scene(bin_recipe(), 3, 0)
    (support,) = spec.supports
    (floor,) = drop_surfaces(support)
    assert spec.physics is not None and len(spec.physics.bodies) == 20
    spheres = [object_sphere(o) for o in spec.objects]
    c, s = math.cos(-floor.yaw), math.sin(-floor.yaw)
    for (x, y, z, r), body in zip(spheres, spec.physics.bodies):
        u = c * (x - floor.center[0]) - s * (y - floor.center[1])
        v = s * (x - floor.center[0]) + c * (y - floor.center[1])
        assert abs(u) <= floor.half_extents[0] - r + 1e-9 and abs(v) <= floor.half_extents[1] - r + 1e-9
        assert z - r >= floor.z + body.drop_height - 1e-9  # the lowest point is at least the drop height up
    for i, a in enumerate(spheres):
        for b in spheres[:i]:
            assert math.dist(a[:3], b[:3]) >= a[3] + b[3], "two bodies would start interpenetrating"


def test_stack_height_clears_every_sphere() -> None:
    spheres = [(0.0, 0.0, 0.1, 0.05), (0.02, 0.0, 0.2, 0.05), (0.0, 0.03, 0.3, 0.05)]
    z = stack_height(0.01, 0.01, 0.1, 0.05, spheres)
    assert all(math.dist((0.01, 0.01, z), s[:3]) >= 0.1 for s in spheres)
    assert stack_height(5.0, 5.0, 0.1, 0.05, spheres) == 0.1  # nothing below: stays where it is


def test_same_seed_same_drop_poses_and_the_spec_round_trips() -> None:
    a, b = sample_scene(bin_recipe(), 5, 2), sample_scene(bin_recipe(), 5, 2)
    assert a == b
    data = spec_to_dict(a)
    assert spec_to_dict(spec_from_dict(data)) == data
    assert data["physics"]["bodies"][0]["on_failure"] == "redrop"
    assert data["supports"][0]["kind"] == "bin" and data["objects"][0]["collision"] == "convex_hull"


def test_a_recipe_without_physics_has_no_physics_and_unchanged_draws() -> None:
    plain = Recipe.model_validate({"objects": [{"category": "a", "shape": "cube", "count": 3}]})
    with_support = Recipe.model_validate({"objects": [{"category": "a", "shape": "cube", "count": 3}],
                                          "supports": [BIN]})
    a, b = sample_scene(plain, 1, 0), sample_scene(with_support, 1, 0)
    assert a.physics is None and a.supports == ()
    assert a.objects == b.objects and a.lights == b.lights and a.camera == b.camera


def test_support_boxes_and_surfaces() -> None:
    spec = sample_scene(Recipe.model_validate({
        "objects": [{"category": "a", "shape": "cube", "scale": 0.02, "placement": "physics"}],
        "supports": [{"kind": "table"}, {"kind": "shelf", "levels": 4, "location": [2, 0, 0]}, {"kind": "tray"}]}), 0, 0)
    table, shelf, tray = spec.supports
    assert [b.name for b in support_boxes(table)] == ["top", "leg_0", "leg_1", "leg_2", "leg_3"]
    top = support_boxes(table)[0]
    assert math.isclose(top.center[2] + top.half_extents[2], 0.75) and drop_surfaces(table)[0].z == 0.75
    levels = drop_surfaces(shelf)
    assert len(levels) == 4 and levels[-1].ceiling is None
    assert all(lo.ceiling is not None and lo.ceiling > lo.z for lo in levels[:-1])
    assert tray.wall_height == 0.04 and len(support_boxes(tray)) == 5
    assert spec.physics is not None and spec.physics.bodies[0].support == 0  # the first support by default


def test_bounding_radius_holds_the_box_in_every_orientation() -> None:
    assert math.isclose(bounding_radius((-1, -1, -1), (1, 1, 1), (0.5, 0.5, 0.5)), math.sqrt(3) * 0.5)
    assert math.isclose(bounding_radius((-1, -2, 0), (3, 1, 1), (1, 1, 2)), math.sqrt(9 + 4 + 4))


def test_a_support_index_that_names_no_support_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path, "objects:\n- {category: a, shape: cube, placement: physics, support: 1}\n"
                                "supports:\n- {kind: bin}\n")
    with pytest.raises(RecipeError, match="support: 1 names no support"):
        load_recipe(path)


def test_a_bin_narrower_than_its_walls_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path, "objects:\n- {category: a, shape: cube}\n"
                                "supports:\n- {kind: bin, size: [0.015, 0.4]}\n")
    assert_refused(path, "supports[0]", "wall_thickness")


OPEN_TETRAHEDRON = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\n"
CLOSED_TETRAHEDRON = OPEN_TETRAHEDRON + "f 2 3 4\n"


def test_decomposition_of_a_non_manifold_mesh_exits_2_naming_group_and_file(tmp_path: Path) -> None:
    (tmp_path / "open.obj").write_text(OPEN_TETRAHEDRON)
    path = write_text(tmp_path, "objects:\n- {category: a, shape: cube}\n"
                                "- {category: b, mesh: open.obj, collision: decomposition, placement: physics}\n")
    assert_refused(path, "objects[1].collision", "open.obj", "watertight", "collision: convex_hull")


def test_decomposition_of_a_closed_mesh_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "closed.obj").write_text(CLOSED_TETRAHEDRON)
    path = write_text(tmp_path, "objects:\n- {category: b, mesh: closed.obj, collision: decomposition}\n")
    assert load_recipe(path).objects[0].collision == "decomposition"


def test_decomposition_of_the_open_monkey_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path, "objects:\n- {category: b, shape: monkey, collision: decomposition}\n")
    assert_refused(path, "objects[0].collision", "monkey")


def test_fake_renderer_settle_keeps_the_drop_poses() -> None:
    from synthscape.batch.fake_renderer import FakeRenderer

    spec = sample_scene(bin_recipe(4), 0, 0)
    assert FakeRenderer().settle(spec) is spec


def test_the_pipeline_settles_physics_frames_only() -> None:
    from synthscape.errors import SynthscapeError
    from synthscape.pipeline import settle_frame

    class Settler:
        calls = 0

        def settle(self, spec):
            Settler.calls += 1
            return spec

    plain = sample_scene(Recipe.model_validate({"objects": [{"category": "a", "shape": "cube"}]}), 0, 0)
    dropped = sample_scene(bin_recipe(2), 0, 0)
    assert settle_frame(Settler(), plain) is plain and Settler.calls == 0
    assert settle_frame(Settler(), dropped) is dropped and Settler.calls == 1
    with pytest.raises(SynthscapeError, match="cannot settle physics"):
        settle_frame(object(), dropped)  # type: ignore[arg-type]


def test_decomposition_checks_every_file_of_a_mesh_library(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a_closed.obj").write_text(CLOSED_TETRAHEDRON)
    (tmp_path / "lib" / "b_open.obj").write_text(OPEN_TETRAHEDRON)
    path = write_text(tmp_path, "objects:\n- {category: b, meshes: {folder: lib, pattern: '*.obj'}, "
                                "collision: decomposition, placement: physics}\n")
    assert_refused(path, "objects[0].collision", "b_open.obj", "watertight")
