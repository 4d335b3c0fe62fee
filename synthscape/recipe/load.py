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


_ABSENT = object()
_TYPE_NAMES = frozenset({"str", "int", "float", "bool", "none"})


def _is_union_step(part: Any, node: Any, names_a_key: bool) -> bool:
    """Whether ``part`` of an error location is pydantic's name for a union member, not a key the user wrote.

    A tagged union inserts its tag (``orbit`` in ``sequence.camera.orbit.angular_speed``, ``library`` in
    ``world.hdri.library.folder``) and a plain union its member's type (``list[str]``): a step that is not a
    key of the mapping the user wrote there (unless ``names_a_key``: the last step of a missing or unknown
    key's error), or a type name below a plain value (a shorthand's own keys, such as ``orientation.mode``
    for ``orientation: sideways``, stay).
    """
    if node is _ABSENT or isinstance(part, int):
        return False
    if isinstance(node, dict):
        return part not in node and not names_a_key
    return not isinstance(node, list) and ("[" in str(part) or part in _TYPE_NAMES)


def format_key_path(loc: tuple[Any, ...], data: Any = _ABSENT, last_is_key: bool = True) -> str:
    """Render a pydantic error location as ``objects[2].scale``.

    With the validated ``data``, the steps pydantic adds for union members (tags, type names) are
    left out, so the path is the one written in the recipe; ``last_is_key``: the last step names a
    key (a missing or unknown one) even where ``data`` lacks it.
    """
    out = ""
    node = data
    for index, part in enumerate(loc):
        if str(part).startswith(("function-", "nullable", "literal")) or _is_union_step(
                part, node, last_is_key and index == len(loc) - 1):
            continue
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
        if isinstance(node, dict):
            node = node.get(part, _ABSENT)
        elif isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node):
            node = node[part]
        else:
            node = _ABSENT
    return out


def _truncate(message: str, limit: int = 2 * MAX_ECHO_CHARS) -> str:
    """Cut a message that echoes unbounded input (pydantic's own messages may quote it)."""
    return message if len(message) <= limit else message[:limit - 3] + "..."


def _problems(error: ValidationError, data: Any = _ABSENT) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in error.errors(include_url=False):
        key = format_key_path(tuple(item["loc"]), data, item["type"] in ("missing", "extra_forbidden"))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "union_tag_invalid":   # e.g. sequence.camera: trajectory: orbitt
            context = item.get("ctx") or {}
            field = str(context.get("discriminator", "")).strip("'")
            key = f"{key}.{field}" if field else key
            message = (f"unknown value {context.get('tag')!r}; use one of {context.get('expected_tags')}"
                       if context else message)
        elif item["type"] == "extra_forbidden":
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
        raise RecipeError(path, _problems(error, data)) from None
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
