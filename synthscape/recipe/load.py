"""Reading a recipe file: YAML -> validated :class:`~synthscape.recipe.schema.Recipe`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from synthscape.errors import RecipeError
from synthscape.recipe.schema import Recipe
from synthscape.spec.scene_spec import CategorySpec


def format_key_path(loc: tuple[Any, ...]) -> str:
    """Render a pydantic error location as ``objects[2].scale``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "nullable", "literal")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in error.errors(include_url=False):
        key = format_key_path(tuple(item["loc"]))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see docs/recipes.md for the allowed keys)"
        elif item["type"] == "missing":
            message = "required key is missing"
        if key in seen:
            continue
        seen.add(key)
        problems.append((key, message))
    return problems


def parse_recipe(data: Any, path: str = "<recipe>", base_dir: str | os.PathLike[str] = ".") -> Recipe:
    """Validate already-parsed recipe data. Relative file paths resolve against ``base_dir``.

    Raises:
        RecipeError: naming the file, each bad key path and what is allowed.
    """
    if not isinstance(data, dict):
        raise RecipeError(path, [("", "a recipe must be a YAML mapping of sections (objects:, camera:, ...)")])
    try:
        return Recipe.model_validate(data, context={"base_dir": str(base_dir)})
    except ValidationError as error:
        raise RecipeError(path, _problems(error)) from None


def load_recipe(path: str | os.PathLike[str]) -> Recipe:
    """Read and validate a recipe YAML file.

    Raises:
        RecipeError: the file is missing, not YAML, or does not match the schema.
    """
    recipe_path = Path(path)
    if not recipe_path.is_file():
        raise RecipeError(str(path), [("", "recipe file not found")])
    try:
        data = yaml.safe_load(recipe_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RecipeError(str(path), [("", f"{where}not valid YAML ({getattr(error, 'problem', error)})")]) from None
    return parse_recipe(data, str(path), recipe_path.parent)


def recipe_to_dict(recipe: Recipe) -> dict[str, Any]:
    """The resolved recipe as plain data (distributions in their recipe form)."""
    return recipe.model_dump(mode="json")


def resolve_categories(recipe: Recipe) -> tuple[CategorySpec, ...]:
    """Stable category ids: explicit ``categories:`` ids first, then order of first appearance.

    Raises:
        RecipeError: two object groups give one category different KITTI types.
    """
    declared = {c.name: c for c in recipe.categories}
    names = list(declared)
    for group in recipe.objects:
        if group.category not in declared and group.category not in names:
            names.append(group.category)
    kitti: dict[str, str | None] = {name: declared[name].kitti_type if name in declared else None
                                    for name in names}
    for index, group in enumerate(recipe.objects):
        if group.kitti_type is None:
            continue
        if kitti[group.category] not in (None, group.kitti_type):
            raise RecipeError("<recipe>", [(f"objects[{index}].kitti_type",
                                            f"category {group.category!r} already has KITTI type "
                                            f"{kitti[group.category]!r}")])
        kitti[group.category] = group.kitti_type
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
