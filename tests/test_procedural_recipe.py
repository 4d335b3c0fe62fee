"""The ``procedural:`` recipe key: validation, per-object draws, the mesh cache, the spec record."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml

from synthscape.assets.cache import STATS, AssetCache
from synthscape.assets.procedural.cache import (
    CACHE_KIND,
    COLOR_ATTRIBUTE,
    procedural_mesh,
)
from synthscape.errors import RecipeError
from synthscape.recipe.load import load_recipe
from synthscape.recipe.procedural import describe_kinds, parse_procedural
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import spec_from_dict, spec_to_dict, spec_to_json
from tests.conftest import SCENES


def _recipe(tmp_path: Path, *groups: dict, **top) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"objects": list(groups), "placement": {"area": [30.0, 30.0]}, **top}))
    return path


CARS = {"category": "car", "count": 4, "kitti_type": "Car",
        "procedural": {"kind": "car", "body": {"choice": ["sedan", "hatchback", "van"]},
                       "length": {"uniform": [3.8, 4.9]}}}


@pytest.mark.parametrize("procedural, message", [
    ({"kind": "truck"}, "kind: 'truck' is not a procedural kind; use one of car, pedestrian"),
    ({"body": "sedan"}, "kind: None is not a procedural kind"),
    ({"kind": "car", "colour": 1}, "colour: kind car has no parameter 'colour'; its parameters are body"),
    ({"kind": "car", "length": 12}, "length (kind car): values must be >= 2.5 and <= 7.0"),
    ({"kind": "car", "length": {"uniform": [2.0, 4.0]}}, "length (kind car): values must be >= 2.5"),
    ({"kind": "car", "body": {"choice": ["sedan", "suv"]}}, "body (kind car): 'suv' is not allowed; "
                                                             "one of sedan, hatchback, van"),
    ({"kind": "pedestrian", "pose": {"uniform": [0, 1]}}, "pose (kind pedestrian): takes a value or"),
    ({"kind": "mug", "handle": "yes"}, "handle (kind mug): 'yes' is not allowed; one of true, false"),
    ({"kind": "car", "segments": 4.5}, "segments (kind car): expected an integer"),
    ("car", "procedural takes a mapping such as {kind: car, body: sedan}"),
])
def test_bad_procedural_values_name_the_file_and_key(tmp_path, procedural, message) -> None:
    path = _recipe(tmp_path, {"category": "x", "procedural": procedural})
    with pytest.raises(RecipeError) as error:
        load_recipe(path)
    assert f"{path}: objects[0].procedural: {message}" in str(error.value)


def test_procedural_is_one_of_the_geometry_keys(tmp_path) -> None:
    path = _recipe(tmp_path, {"category": "x", "shape": "cube", "procedural": {"kind": "box"}})
    with pytest.raises(RecipeError, match="exactly one of 'shape'.*'procedural'.*got shape, procedural"):
        load_recipe(path)


def test_recipe_form_round_trips() -> None:
    raw = {"kind": "pedestrian", "pose": {"choice": ["walking", "running"], "weights": [3, 1]},
           "height": {"normal": [1.7, 0.1], "clip": [1.5, 1.95]}, "segments": 10}
    assert parse_procedural(raw).to_recipe() == raw
    assert parse_procedural(parse_procedural(raw).to_recipe()) == parse_procedural(raw)


def test_kinds_are_documented() -> None:
    text = describe_kinds()
    for kind in ("car", "pedestrian", "cyclist", "mug", "cup", "bottle", "bowl", "box"):
        assert f"* `{kind}`" in text
    assert "`body` (one of sedan, hatchback, van; default sedan)" in text


def test_objects_get_generated_meshes_with_their_parameters(tmp_path) -> None:
    spec = sample_scene(load_recipe(_recipe(tmp_path, CARS)), 0, 0)
    assert len(spec.objects) == 4
    for obj in spec.objects:
        assert obj.shape == "mesh" and obj.color_attribute == COLOR_ATTRIBUTE and Path(obj.mesh_path).is_file()
        record = obj.procedural
        assert record["kind"] == "car" and record["body"] in ("sedan", "hatchback", "van")
        assert 3.8 <= record["length"] <= 4.9
        mesh = trimesh.load(obj.mesh_path, process=False)
        assert np.allclose(mesh.bounds, [obj.bbox_min, obj.bbox_max], atol=1e-6)
        assert np.asarray(obj.bbox_max) - np.asarray(obj.bbox_min) == pytest.approx(
            [record["length"], record["width"], record["height"]], abs=1e-5)
        assert mesh.visual.vertex_colors.shape[1] == 4 and len(np.unique(mesh.visual.vertex_colors, axis=0)) == 6


def test_draws_are_deterministic_and_per_object(tmp_path) -> None:
    recipe = load_recipe(_recipe(tmp_path, CARS))
    first, again = sample_scene(recipe, 0, 3), sample_scene(recipe, 0, 3)
    assert spec_to_json(first) == spec_to_json(again)
    records = [o.procedural for o in first.objects]
    assert len({r["length"] for r in records}) > 1, "each object draws its own parameters"
    other_frame = [o.procedural for o in sample_scene(recipe, 0, 4).objects]
    assert other_frame != records


def test_procedural_draws_leave_the_other_streams_alone(tmp_path) -> None:
    """Changing only the generator's parameters keeps counts, yaws, positions' order and materials."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sampled = sample_scene(load_recipe(_recipe(tmp_path / "a", CARS)), 1, 0)
    fixed = dict(CARS, procedural={"kind": "car", "length": 4.2})
    constant = sample_scene(load_recipe(_recipe(tmp_path / "b", fixed)), 1, 0)
    assert len(sampled.objects) == len(constant.objects) == 4
    assert [o.rotation for o in sampled.objects] == [o.rotation for o in constant.objects]
    assert [o.material for o in sampled.objects] == [o.material for o in constant.objects]
    assert {o.procedural["length"] for o in constant.objects} == {4.2}


def test_spec_round_trips_the_procedural_record(tmp_path) -> None:
    spec = sample_scene(load_recipe(_recipe(tmp_path, CARS)), 0, 1)
    assert spec_to_json(spec_from_dict(spec_to_dict(spec))) == spec_to_json(spec)
    assert spec_from_dict(spec_to_dict(spec)).objects[0].procedural == spec.objects[0].procedural


def test_the_cache_writes_each_parameter_set_once(tmp_path) -> None:
    cache = AssetCache(tmp_path / "cache")
    STATS.reset()
    first = procedural_mesh("mug", {"height": 0.1}, cache)
    mtime = os.stat(first.path).st_mtime_ns
    again = procedural_mesh("mug", {"height": 0.10004}, cache)  # the same to 3 significant digits
    assert again.path == first.path and os.stat(again.path).st_mtime_ns == mtime
    assert STATS.hits[CACHE_KIND] == 1 and STATS.misses[CACHE_KIND] == 1
    other = procedural_mesh("mug", {"height": 0.12}, cache)
    assert other.path != first.path and STATS.misses[CACHE_KIND] == 2
    assert len(list((tmp_path / "cache" / CACHE_KIND).rglob("*.ply"))) == 2
    assert first.params["height"] == 0.1 and first.watertight and first.faces > 0


def test_a_lost_mesh_file_is_built_again(tmp_path) -> None:
    cache = AssetCache(tmp_path / "cache")
    made = procedural_mesh("box", {}, cache)
    os.remove(made.path)
    again = procedural_mesh("box", {}, cache)
    assert Path(again.path).is_file() and again.bbox_max == made.bbox_max


def test_frames_reuse_the_cached_meshes(tmp_path) -> None:
    recipe = load_recipe(_recipe(tmp_path, {"category": "mug", "count": 3,
                                            "procedural": {"kind": "mug", "height": {"choice": [0.09, 0.1]}}}))
    STATS.reset()
    paths = {o.mesh_path for i in range(6) for o in sample_scene(recipe, 0, i).objects}
    assert len(paths) == 2
    assert STATS.misses.get(CACHE_KIND, 0) <= 2 and STATS.hits[CACHE_KIND] >= 16


STREET_TYPES = {"car": "Car", "van": "Van", "pedestrian": "Pedestrian", "cyclist": "Cyclist"}


def test_street_uses_procedural_cars_people_and_cyclists() -> None:
    recipe = load_recipe(SCENES / "street.yaml")
    kinds = {g.category: g.procedural.kind for g in recipe.objects if g.procedural is not None}
    assert kinds == {"car": "car", "van": "car", "pedestrian": "pedestrian", "cyclist": "cyclist"}
    types = {c.name: c.kitti_type for c in recipe.categories}
    assert {name: types[name] for name in STREET_TYPES} == STREET_TYPES
    spec = sample_scene(recipe, 0, 0)
    by_id = {c.id: c.name for c in spec.categories}
    for obj in spec.objects:
        if obj.procedural is None:
            continue
        size = np.asarray(obj.bbox_max) - np.asarray(obj.bbox_min)
        name = by_id[obj.category_id]
        if name in ("car", "van"):
            assert size[0] > size[1], "a car's length runs along +X, its heading"
            assert obj.procedural["body"] == ("van" if name == "van" else obj.procedural["body"])
            assert name == "car" or obj.procedural["body"] == "van"


def test_tabletop_uses_procedural_household_objects() -> None:
    recipe = load_recipe(SCENES / "tabletop.yaml")
    kinds = {g.category: g.procedural.kind for g in recipe.objects if g.procedural is not None}
    assert {"mug": "mug", "bottle": "bottle", "bowl": "bowl", "box": "box"}.items() <= kinds.items()
    spec = sample_scene(recipe, 0, 0)
    sizes = [np.asarray(o.bbox_max) - np.asarray(o.bbox_min) for o in spec.objects if o.procedural]
    assert sizes and all(0.02 < s.max() < 0.4 for s in sizes), "household objects are centimetres to decimetres"
