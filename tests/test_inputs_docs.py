"""Issue 11 item 17 (docs): the generated recipe reference gives every augment op its own title,
explains every LiDAR key, and says what ``placement.area`` really does."""

from __future__ import annotations

import re

import numpy as np
from pydantic import BaseModel

from synthscape.augment.pipeline import OP_NAMES
from synthscape.recipe.lidar import LidarRecipe
from synthscape.reference import recipe_reference_markdown
from synthscape.recipe.schema import PlacementRecipe


def titles() -> list[str]:
    return re.findall(r"^## `(.+)`$", recipe_reference_markdown(), flags=re.MULTILINE)


def test_every_section_title_is_unique() -> None:
    found = titles()
    assert len(found) == len(set(found)), sorted(t for t in found if found.count(t) > 1)


def test_every_augment_op_has_its_own_title() -> None:
    found = set(titles())
    assert len(OP_NAMES) == 22
    for name in OP_NAMES:
        assert f"augment.ops[] ({name})" in found


def lidar_models(model: type[BaseModel]) -> list[type[BaseModel]]:
    out = [model]
    for field in model.model_fields.values():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out += lidar_models(annotation)
    return out


def test_every_lidar_key_is_explained() -> None:
    models = lidar_models(LidarRecipe)
    assert len(models) >= 7  # lidar, mount, noise and its four parts
    missing = [f"{model.__name__}.{name}" for model in models
               for name, field in model.model_fields.items() if not (field.description or "").strip()]
    assert not missing
    reference = recipe_reference_markdown()
    for name in LidarRecipe.model_fields:
        row = re.search(rf"^\| `{name}` \|.*\| (.+) \|$", reference.split("## `lidar`")[1], re.MULTILINE)
        assert row and row.group(1).strip(), name


def test_placement_area_documents_the_footprint_inset_that_the_code_applies() -> None:
    """Centres stay a footprint radius inside the area; the doc must say so (and the code do so)."""
    from synthscape.spec.placement import place_footprint

    doc = " ".join(PlacementRecipe.model_fields["area"].description.split())
    assert "footprint radius" in doc and "shrunk" in doc
    rng = np.random.default_rng(0)
    radius, area = 0.3, (2.0, 1.0)
    spots = [place_footprint(rng, radius, area, [], 0.0, 1) for _ in range(500)]
    xs, ys = np.array([s.x for s in spots]), np.array([s.y for s in spots])
    assert np.abs(xs).max() <= area[0] / 2 - radius and np.abs(ys).max() <= area[1] / 2 - radius
    assert np.abs(xs).max() > 0.6  # ... and uses the shrunk rectangle, not less
    wide = place_footprint(rng, 2.0, area, [], 0.0, 1, center=(0.5, -0.5))
    assert (wide.x, wide.y) == (0.5, -0.5)  # wider than the area: centred on ``center``


def test_distribution_fields_that_may_be_null_are_typed_dist() -> None:
    """``location: Vector(3) | None`` used to print as ``Any[Any] or null``."""
    reference = recipe_reference_markdown()
    assert "Any[Any]" not in reference
    assert "| `location` | dist or null |" in reference
