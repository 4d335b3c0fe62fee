"""A quiet renderer keeps Blender's per-file importer lines out of the terminal (progress bars stay readable)."""

from __future__ import annotations

import pytest

from conftest import SCENES
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_scene

pytestmark = pytest.mark.blender


def test_building_mesh_assets_prints_nothing(renderer, capfd) -> None:
    spec = sample_scene(load_recipe(SCENES / "tabletop.yaml"), 0, 0, resolution=(32, 24), samples=1)
    assert any(o.shape == "mesh" for o in spec.objects)  # procedural shapes are imported PLY files
    capfd.readouterr()
    renderer.build(spec)
    printed = capfd.readouterr().out
    assert "import of" not in printed and printed.strip() == ""
