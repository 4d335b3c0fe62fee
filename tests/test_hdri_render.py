"""A built-in HDRI lights the sky of a tiny render (64x48, 2 samples), picked by name from the recipe."""

from __future__ import annotations

import numpy as np
import pytest

from synthscape.recipe.load import parse_recipe
from synthscape.spec.sample import sample_scene

pytestmark = pytest.mark.blender

FLAT = [0.05, 0.05, 0.05]


def _recipe(world: dict):
    return parse_recipe({"seed": 1, "objects": [{"category": "a", "shape": "cube", "scale": 0.2}], "ground": None,
                         "camera": {"distance": 3.0, "elevation": 5.0, "resolution": [64, 48]},
                         "render": {"samples": 2, "denoise": False}, "world": {"color": FLAT, **world}})


def test_builtin_forest_lights_the_background(renderer) -> None:
    forest = sample_scene(_recipe({"hdri": {"builtin": ["forest"]}, "strength": 1.0}), 1, 0)
    flat = sample_scene(_recipe({}), 1, 0)
    assert forest.world.hdri_path.endswith("studiolights/world/forest.exr")
    sky, plain = renderer.render(forest), renderer.render(flat)
    background = np.isinf(sky.depth)
    assert background.mean() > 0.5
    assert (np.abs(plain.rgb[background] - FLAT).max(axis=1) < 1e-3).mean() > 0.98   # edges blend with the cube
    pixels = sky.rgb[background]
    assert np.abs(pixels - FLAT).max(axis=1).mean() > 0.05    # not the flat world colour
    assert pixels.std(axis=0).max() > 0.02                     # an image, not one colour
    np.testing.assert_array_equal(sky.instance, plain.instance)
