"""Category ids, resolved once per run from the recipe: stable, explicit ids first."""

from __future__ import annotations

from dataclasses import dataclass

from typing import TYPE_CHECKING

from synthscape.errors import RecipeError
from synthscape.recipe.assets import group_category_names

if TYPE_CHECKING:
    from synthscape.recipe.schema import Recipe


@dataclass(frozen=True)
class CategorySpec:
    """A labelled category with a stable id."""

    id: int
    name: str
    kitti_type: str | None = None
    """KITTI object type (Car, Pedestrian, Cyclist, ...); None = not exported to KITTI."""


def _kitti_types(recipe: Recipe, names: list[str], source: str) -> dict[str, str | None]:
    declared = {c.name: c for c in recipe.categories}
    kitti: dict[str, str | None] = {name: declared[name].kitti_type if name in declared else None
                                    for name in names}
    for index, group in enumerate(recipe.objects):
        if group.kitti_type is None or not getattr(group, "label", True):  # distractors: no category
            continue
        for name in group_category_names(group):
            if kitti[name] not in (None, group.kitti_type):
                raise RecipeError(source, [(f"objects[{index}].kitti_type",
                                            f"category {name!r} already has KITTI type {kitti[name]!r}")])
            kitti[name] = group.kitti_type
    return kitti


def resolve_categories(recipe: Recipe, source: str = "<recipe>") -> tuple[CategorySpec, ...]:
    """Stable category ids: explicit ``categories:`` ids first, then order of first appearance.

    A group with ``category_from: folder`` brings the names of its assets' folders, sorted.

    Args:
        recipe: a validated recipe.
        source: the recipe file, for error messages.

    Raises:
        RecipeError: two object groups give one category different KITTI types.
    """
    declared = {c.name: c for c in recipe.categories}
    names = list(declared)
    for group in recipe.objects:
        if not getattr(group, "label", True):  # distractors (label: false) bring no category
            continue
        for name in group_category_names(group):
            if name not in names:
                names.append(name)
    kitti = _kitti_types(recipe, names, source)
    used = {c.id for c in recipe.categories if c.id is not None}
    next_id = 1
    categories = []
    for name in names:
        category_id = declared[name].id if name in declared and declared[name].id else None
        if category_id is None:
            while next_id in used:
                next_id += 1
            category_id = next_id
            used.add(category_id)
        categories.append(CategorySpec(id=category_id, name=name, kitti_type=kitti[name]))
    return tuple(sorted(categories, key=lambda c: c.id))
