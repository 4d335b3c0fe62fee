"""Issue 11 item 7: NaN and infinity are refused in every numeric field, naming the key."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from synthscape.recipe.distributions import parse_distribution
from synthscape.recipe.load import parse_recipe
from tests.test_inputs_support import CUBE, assert_refused, validate_cli, write_text

OBJ = "objects:\n- category: box\n  shape: cube\n"

NON_FINITE = [
    # distribution fields (synthscape/recipe/fields.py, distributions.py)
    (OBJ + "  scale: .nan\n", "objects[0].scale"),
    (OBJ + "  scale: [1, .inf, 1]\n", "objects[0].scale"),
    (OBJ + "  yaw: {uniform: [3, .inf]}\n", "objects[0].yaw"),
    (OBJ + "  yaw: {uniform: [-.inf, 3]}\n", "objects[0].yaw"),
    (CUBE + "camera: {distance: {normal: [2, .nan], clip: [1, 3]}}\n", "camera.distance"),
    (CUBE + "camera: {distance: {normal: [2, 1], clip: [1, .inf]}}\n", "camera.distance"),
    (CUBE + "camera: {elevation: {choice: [10, .nan]}}\n", "camera.elevation"),
    (CUBE + "camera: {azimuth: {choice: [1, 2], weights: [.nan, 1]}}\n", "camera.azimuth"),
    (CUBE + "camera: {azimuth: {choice: [1, 2], weights: [.inf, 1]}}\n", "camera.azimuth"),
    (CUBE + "placement: {area: [.nan, 1]}\n", "placement.area"),
    (CUBE + "camera: {location: [.inf, 0, 1]}\n", "camera.location"),
    (OBJ + "  material: {base_color: {choice: [[.nan, 0, 0]]}}\n", "objects[0].material.base_color"),
    (OBJ + "  material: {base_color: [0.5, {uniform: [0, .nan]}, 0]}\n", "objects[0].material.base_color"),
    (CUBE + "lights: [{intensity: .inf}]\n", "lights[0].intensity"),
    # plain float fields (allow_inf_nan=False in the models' config)
    (CUBE + "camera: {clip_end: .inf}\n", "camera.clip_end"),
    (CUBE + "camera: {sensor_width: .nan}\n", "camera.sensor_width"),
    (CUBE + "lidar: {max_range: .inf}\n", "lidar.max_range"),
    (CUBE + "lidar: {mount: {offset: [.nan, 0, 0]}}\n", "lidar.mount.offset[0]"),
    (CUBE + "lidar: {noise: {range: {std: .inf}}}\n", "lidar.noise.range.std"),
    (CUBE + "lidar: {preset: custom, elevations_deg: [0, .nan], points_per_ring: 10}\n",
     "lidar.elevations_deg[1]"),
    (OBJ + "  material: {texture: {source: procedural, mapping: {rotation: .nan}}}\n",
     "objects[0].material.texture.mapping.rotation"),
    (CUBE + "rig: {cameras: [{name: right, sensor_width: .inf}]}\n", "rig.cameras[0].sensor_width"),
]


@pytest.mark.parametrize("text, key", NON_FINITE, ids=[key for _, key in NON_FINITE])
def test_non_finite_numbers_are_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    assert_refused(write_text(tmp_path, text), key, "finite")


def test_non_finite_augment_parameters_are_refused_by_validate(tmp_path: Path) -> None:
    """The augment section is checked by the augment layer, which ``validate`` and ``render`` run."""
    path = write_text(tmp_path, CUBE + "augment: {ops: [{op: brightness, limit: [.nan, 0.1]}]}\n")
    result = validate_cli(path)
    assert result.exit_code == 2, result.output
    assert "augment.ops[0] (op 'brightness').limit" in result.output and "finite" in result.output


@pytest.mark.parametrize("raw", [
    {"uniform": [0, math.inf]}, {"normal": [math.nan, 1]}, {"normal": [0, 1], "clip": [-math.inf, 1]},
    {"choice": [1, 2], "weights": [1, math.nan]}, {"choice": [1, 2], "weights": [math.inf, math.inf]},
])
def test_distributions_refuse_non_finite_parameters(raw: dict) -> None:
    with pytest.raises(ValueError, match="finite"):
        parse_distribution(raw)


def test_integers_too_large_for_a_float_are_bad_input() -> None:
    """``float(10**400)`` raises OverflowError, which pydantic would not turn into a recipe error."""
    from synthscape.errors import RecipeError

    for group in ({"scale": 10**400}, {"count": 10**400}):
        with pytest.raises(RecipeError, match="too large"):
            parse_recipe({"objects": [{"category": "box", "shape": "cube", **group}]})


def test_finite_values_still_sample_as_before() -> None:
    recipe = parse_recipe({"objects": [{"category": "box", "shape": "cube", "yaw": {"uniform": [3, 9]}}],
                           "camera": {"azimuth": {"choice": [1, 2], "weights": [1, 3]}}})
    rng = np.random.default_rng(0)
    assert all(3 <= recipe.objects[0].yaw.sample(rng) < 9 for _ in range(50))
    assert recipe.camera.azimuth.weights == (1.0, 3.0)


def recipe_models() -> set[type]:
    """Every pydantic model a recipe can contain (sections, ops, texture sources, ...)."""
    from pydantic import BaseModel

    from synthscape.augment.pipeline import AugmentRecipe
    from synthscape.recipe.schema import Recipe
    from synthscape.reference import _submodels

    found: set[type] = set()
    queue: list[type[BaseModel]] = [Recipe, AugmentRecipe]
    while queue:
        model = queue.pop()
        if model not in found:
            found.add(model)
            queue += [sub for field in model.model_fields.values() for sub in _submodels(field.annotation)]
    return found


def test_every_recipe_model_refuses_nan_and_inf_in_plain_float_fields() -> None:
    """A new section with a plain ``float`` field must not let NaN through: keep the config switch."""
    models = recipe_models()
    assert len(models) > 30
    assert not [m.__name__ for m in models if m.model_config.get("allow_inf_nan", True)]
