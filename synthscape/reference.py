"""Generate the recipe reference (docs/recipes.md) from the schema's field docstrings."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from synthscape.augment.pipeline import AugmentRecipe
from synthscape.recipe.schema import Recipe
from synthscape.recipe.yaml_loader import MAX_DEPTH, MAX_NODES

HEADER = """# Recipe reference

Generated from `synthscape/recipe/schema.py` by `python -m synthscape.reference > docs/recipes.md`
(a test checks it is current). Numeric fields marked *dist* take a constant or a distribution:
`{uniform: [a, b]}`, `{normal: [mean, std], clip: [lo, hi]}`, `{randint: [a, b]}`,
`{choice: [...], weights: [...]}`. Angles are degrees. Unknown keys, duplicate keys, NaN and
infinity are errors. Files are UTF-8 (UTF-16/32 with a byte-order mark are read too), nested at
""" + f"""most {MAX_DEPTH} levels, and expand (aliases included) to at most {MAX_NODES} values.
"""


def _submodels(annotation: Any) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_submodels(arg))
    return found


def _type_name(annotation: Any) -> str:
    if get_origin(annotation) is Annotated and annotation.__origin__ is Any:
        return "dist"  # a Number/Vector/Scale field type (synthscape.recipe.fields)
    if getattr(annotation, "__origin__", None) is Literal:
        return " or ".join(f"`{v}`" for v in annotation.__args__)
    args = getattr(annotation, "__args__", None)
    if args and (type(annotation).__name__ == "UnionType" or get_origin(annotation) is Union):
        return " or ".join(_type_name(a) for a in args)
    if args:
        return f"{annotation.__origin__.__name__}[{', '.join(_type_name(a) for a in args)}]"
    name = getattr(annotation, "__name__", None) or str(annotation)
    return name.replace("NoneType", "null")


def _default(field: Any) -> str:
    if field.default is PydanticUndefined:
        return "required"
    value = field.default
    if isinstance(value, BaseModel):
        return "(section defaults)"
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return "(see below)"
    return f"`{json.dumps(value)}`"


DISCRIMINATORS = ("op", "source", "type", "trajectory")
"""Fields whose literal value tells the variants of a union of sections apart."""


def _variant_label(model: type[BaseModel]) -> str:
    """What tells ``model`` apart in a union: its discriminator's literal value(s), or its name."""
    for name in DISCRIMINATORS:
        field = model.model_fields.get(name)
        if field is not None and get_origin(field.annotation) is Literal:
            return "|".join(str(v) for v in field.annotation.__args__)
    return model.__name__


def _sub_keys(key: str, name: str, annotation: Any) -> list[tuple[type[BaseModel], str, str]]:
    """``(model, title, key)`` of the sections under field ``name`` of section ``key``.

    A union of sections (augment ops, texture sources) gets one title per variant, e.g.
    ``augment.ops[] (hflip)``.
    """
    sub_key = f"{key}.{name}" if key != "(top level)" else name
    models = _submodels(annotation)
    if len(models) < 2:
        return [(model, sub_key, sub_key) for model in models]
    sub_key += "[]" if get_origin(annotation) in (list, tuple) else ""
    return [(model, f"{sub_key} ({_variant_label(model)})", sub_key) for model in models]


def _model_section(model: type[BaseModel], key: str) -> list[str]:
    lines = [f"\n## `{key}`\n", (model.__doc__ or "").strip().splitlines()[0], "",
             "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        meaning = " ".join((field.description or "").split())
        if not meaning and name in DISCRIMINATORS and get_origin(field.annotation) is Literal:
            meaning = f"Selects this entry: write `{name}: {_variant_label(model)}`."
        kind = "dist" if field.annotation is Any and field.metadata else _type_name(field.annotation)
        lines.append(f"| `{name}` | {kind} | {_default(field)} | {meaning} |")
    return lines


def recipe_reference_markdown() -> str:
    """The whole reference as Markdown, one table per recipe section."""
    lines = [HEADER]
    queue: list[tuple[type[BaseModel], str, str]] = [(Recipe, "(top level)", "(top level)"),
                                                     (AugmentRecipe, "augment", "augment")]
    seen: set[type[BaseModel]] = set()
    while queue:
        model, title, key = queue.pop(0)
        if model in seen:
            continue
        seen.add(model)
        lines.extend(_model_section(model, title))
        for name, field in model.model_fields.items():
            queue.extend(_sub_keys(key, name, field.annotation))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(recipe_reference_markdown(), end="")
