"""Reading a recipe file: YAML -> validated :class:`~synthscape.recipe.schema.Recipe`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from synthscape.errors import RecipeError
from synthscape.textures.check import recipe_image_problems
from synthscape.textures.redact import redact_data
from synthscape.recipe.distributions import MAX_ECHO_CHARS
from synthscape.recipe.memory import warn_if_frame_too_large
from synthscape.recipe.yaml_loader import MAX_DEPTH, load_yaml_file
from synthscape.recipe.schema import Recipe


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


def _truncate(message: str, limit: int = 2 * MAX_ECHO_CHARS) -> str:
    """Cut a message that echoes unbounded input (pydantic's own messages may quote it)."""
    return message if len(message) <= limit else message[:limit - 3] + "..."


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
        elif item["type"] == "finite_number":
            message = "expected a finite number (NaN and infinity are not allowed)"
        if key in seen:
            continue
        seen.add(key)
        problems.append((key[:MAX_ECHO_CHARS], _truncate(message)))
    return problems


def parse_recipe(data: Any, path: str = "<recipe>", base_dir: str | os.PathLike[str] = ".") -> Recipe:
    """Validate already-parsed recipe data. Relative file paths resolve against ``base_dir``.

    Raises:
        RecipeError: naming the file, each bad key path and what is allowed.
    """
    if not isinstance(data, dict):
        raise RecipeError(path, [("", "a recipe must be a YAML mapping of sections (objects:, camera:, ...)")])
    try:
        recipe = Recipe.model_validate(data, context={"base_dir": str(base_dir)})
    except ValidationError as error:
        raise RecipeError(path, _problems(error)) from None
    except RecursionError:
        raise RecipeError(path, [("", f"nested too deeply; keep nesting under {MAX_DEPTH} levels")]) from None
    images = recipe_image_problems(recipe)   # corrupt textures/HDRIs: exit 2 before rendering
    if images:
        raise RecipeError(path, images)
    return recipe


def load_recipe(path: str | os.PathLike[str]) -> Recipe:
    """Read and validate a recipe YAML file.

    The YAML is read with :func:`~synthscape.recipe.yaml_loader.load_yaml_file` (bounded size
    and depth, no duplicate keys); a frame too large for this machine's memory is warned
    about (see :mod:`synthscape.recipe.memory`).

    Raises:
        RecipeError: the file is missing, not YAML, or does not match the schema.
    """
    recipe_path = Path(path)
    if not recipe_path.is_file():
        raise RecipeError(str(path), [("", "recipe file not found")])
    data = load_yaml_file(recipe_path)
    recipe = parse_recipe(data, str(path), recipe_path.parent)
    warn_if_frame_too_large(recipe.camera.resolution, str(path))
    return recipe


def recipe_to_dict(recipe: Recipe) -> dict[str, Any]:
    """The resolved recipe as plain data (distributions in their recipe form)."""
    return redact_data(recipe.model_dump(mode="json"))   # no credentials in base_url
