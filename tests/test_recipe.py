"""Recipe loading and validation (no bpy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.errors import RecipeError
from synthscape.recipe.distributions import Choice, Normal, RandInt, Uniform, parse_distribution
from synthscape.plan import resolve_categories
from synthscape.recipe.load import load_recipe, parse_recipe
from tests.conftest import SCENES


def write_recipe(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def base_recipe(**overrides) -> dict:
    data = {"objects": [{"category": "box", "shape": "cube"}]}
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", sorted(p.name for p in SCENES.glob("*.yaml")))
def test_shipped_recipes_validate(name: str) -> None:
    recipe = load_recipe(SCENES / name)
    assert recipe.objects


def test_tabletop_has_a_dozen_objects_of_four_categories() -> None:
    from synthscape.spec.sample import sample_scene

    recipe = load_recipe(SCENES / "tabletop.yaml")
    assert len(resolve_categories(recipe)) >= 4
    counts = [len(sample_scene(recipe, 0, i).objects) for i in range(5)]
    assert min(counts) >= 8 and np.mean(counts) >= 10


@pytest.mark.parametrize("raw, kind", [
    ({"uniform": [1, 2]}, Uniform), ({"normal": [0, 1], "clip": [-1, 1]}, Normal),
    ({"randint": [1, 3]}, RandInt), ({"choice": ["a", "b"], "weights": [1, 3]}, Choice),
])
def test_distribution_forms(raw: dict, kind: type) -> None:
    dist = parse_distribution(raw)
    assert isinstance(dist, kind)
    rng = np.random.default_rng(0)
    values = [dist.sample(rng) for _ in range(200)]
    if kind is not Choice:
        low, high = dist.bounds()
        assert all(low <= v <= high for v in values)
    assert dist.to_recipe() == parse_distribution(dist.to_recipe()).to_recipe()


def test_weighted_choice_respects_weights() -> None:
    dist = parse_distribution({"choice": ["a", "b"], "weights": [1, 9]})
    rng = np.random.default_rng(1)
    share = np.mean([dist.sample(rng) == "b" for _ in range(2000)])
    assert 0.85 < share < 0.95


@pytest.mark.parametrize("data, key, words", [
    (base_recipe(objects=[{"category": "box", "shape": "cube", "colour": 1}]), "objects[0].colour", "unknown key"),
    (base_recipe(camera={"distanse": 2}), "camera.distanse", "unknown key"),
    (base_recipe(objects=[{"category": "a", "shape": "cube"}, {"category": "b", "shape": "cube", "scale": "big"}]),
     "objects[1].scale", "expected a number"),
    (base_recipe(objects=[{"category": "box", "shape": "cube", "count": -1}]), "objects[0].count", ">= 0"),
    (base_recipe(objects=[{"category": "box", "shape": "cube", "count": {"uniform": [1, 2]}}]),
     "objects[0].count", "integers"),
    (base_recipe(objects=[{"category": "box", "mesh": "missing.obj"}]), "objects[0].mesh", "file not found"),
    (base_recipe(objects=[{"category": "box", "shape": "cube", "scale": {"normal": [1, 1]}}]),
     "objects[0].scale", "clip"),
    (base_recipe(objects=[{"category": "box", "shape": "cube", "material": {"roughness": 2}}]),
     "objects[0].material.roughness", "<= 1"),
    (base_recipe(objects=[{"category": "box"}]), "objects[0]", "exactly one of 'shape'"),
    (base_recipe(camera={"fov": 60, "focal_length": 35}), "camera", "not both"),
    (base_recipe(objects=[{"category": "box", "shape": "cube", "scale": {"uniform": [2, 1]}}]),
     "objects[0].scale", "a <= b"),
])
def test_bad_recipes_name_the_key(tmp_path: Path, data: dict, key: str, words: str) -> None:
    path = write_recipe(tmp_path, data)
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    message = str(info.value)
    assert str(path) in message
    assert any(k == key for k, _ in info.value.problems), message
    assert words in message


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("objects:\n  - category: box\n    shape: [cube\n")
    with pytest.raises(RecipeError, match=r"broken.yaml: line \d+"):
        load_recipe(path)


def test_missing_recipe_file(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="not found"):
        load_recipe(tmp_path / "nope.yaml")


def test_mesh_paths_resolve_relative_to_recipe(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    mesh = tmp_path / "assets" / "tri.obj"
    mesh.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    recipe = load_recipe(write_recipe(tmp_path, base_recipe(objects=[{"category": "t", "mesh": "assets/tri.obj"}])))
    assert recipe.objects[0].mesh == str(mesh.resolve())


def test_category_ids_are_stable() -> None:
    recipe = parse_recipe(base_recipe(
        categories=[{"name": "car", "id": 7, "kitti_type": "Car"}],
        objects=[{"category": "tree", "shape": "cone"}, {"category": "car", "shape": "cube"},
                 {"category": "rock", "shape": "sphere"}]))
    categories = {c.name: c for c in resolve_categories(recipe)}
    assert categories["car"].id == 7 and categories["car"].kitti_type == "Car"
    assert categories["tree"].id == 1 and categories["rock"].id == 2


def test_conflicting_kitti_types_are_an_error() -> None:
    recipe = parse_recipe(base_recipe(objects=[
        {"category": "car", "shape": "cube", "kitti_type": "Car"},
        {"category": "car", "shape": "cube", "kitti_type": "Van"}]))
    with pytest.raises(RecipeError, match=r"objects\[1\].kitti_type"):
        resolve_categories(recipe)


def test_recipe_reference_is_current() -> None:
    from synthscape.reference import recipe_reference_markdown
    from tests.conftest import REPO

    current = (REPO / "docs" / "recipes.md").read_text()
    assert current == recipe_reference_markdown(), \
        "docs/recipes.md is stale: python -m synthscape.reference > docs/recipes.md"
