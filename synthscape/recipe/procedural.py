"""The ``procedural:`` key of an object group: a generated shape (car, person, mug...) whose
parameters are constants or distributions, drawn per object.

```yaml
procedural: {kind: car, body: {choice: [sedan, hatchback, van]}, length: {uniform: [3.9, 4.8]}}
```

Each kind's parameters, their ranges and defaults live with its generator
(:data:`synthscape.assets.procedural.GENERATORS`); an unknown kind or parameter, or a value
outside a parameter's range, is an error naming the key.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import PlainSerializer, TypeAdapter, ValidationError, WrapValidator

from synthscape.assets.procedural import GENERATORS, Param
from synthscape.recipe.distributions import (
    Choice,
    Constant,
    Distribution,
    parse_distribution,
    short_repr,
)
from synthscape.recipe.fields import Integer, Number


@dataclass(frozen=True)
class ProceduralRecipe:
    """A procedural kind and the recipe's distributions of (some of) its parameters."""

    kind: str
    params: tuple[tuple[str, Distribution], ...] = ()
    """``(name, distribution)`` in the generator's parameter order; the others take their defaults."""

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """One draw of every given parameter, in the generator's parameter order (constants draw nothing)."""
        return {name: _plain(dist.sample(rng)) for name, dist in self.params}

    def to_recipe(self) -> dict[str, Any]:
        """The recipe form (as it would be written in YAML)."""
        return {"kind": self.kind, **{name: dist.to_recipe() for name, dist in self.params}}


def _plain(value: Any) -> Any:
    """numpy scalars as Python values (JSON, cache keys)."""
    return value.item() if isinstance(value, np.generic) else value


@functools.cache
def _number_adapter(low: float | None, high: float | None, integer: bool) -> TypeAdapter:
    return TypeAdapter(Integer(ge=low, le=high) if integer else Number(ge=low, le=high))


def _parse_param(kind: str, param: Param, raw: Any) -> Distribution:
    """One parameter's value as a distribution, checked against the parameter's range or options."""
    where = f"{param.name} (kind {kind})"
    if param.categorical:
        dist = parse_distribution(raw)
        if not isinstance(dist, (Constant, Choice)):
            raise ValueError(f"{where}: takes a value or {{choice: [...]}}, got {short_repr(raw)}")
        values = dist.values if isinstance(dist, Choice) else (dist.value,)
        for value in values:
            if not any(value == option and type(value) is type(option) for option in param.options):
                raise ValueError(f"{where}: {short_repr(value)} is not allowed; {param.describe()}")
        return dist
    try:
        return _number_adapter(param.low, param.high, param.integer).validate_python(raw)
    except ValidationError as error:
        message = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise ValueError(f"{where}: {message} ({param.describe()})") from None


def parse_procedural(raw: Any) -> ProceduralRecipe | None:
    """The recipe's ``procedural:`` mapping as a :class:`ProceduralRecipe` (None stays None).

    Raises:
        ValueError: not a mapping, no or an unknown ``kind``, an unknown parameter, or a value
            out of its parameter's range.
    """
    if raw is None or isinstance(raw, ProceduralRecipe):
        return raw
    if not isinstance(raw, dict):
        raise ValueError(f"procedural takes a mapping such as {{kind: car, body: sedan}}, got {short_repr(raw)}")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in GENERATORS:
        raise ValueError(f"kind: {short_repr(kind)} is not a procedural kind; use one of "
                         f"{', '.join(GENERATORS)}")
    generator = GENERATORS[kind]
    names = [p.name for p in generator.params]
    for key in raw:
        if key != "kind" and key not in names:
            raise ValueError(f"{key}: kind {kind} has no parameter {short_repr(key)}; "
                             f"its parameters are {', '.join(names)}")
    params = tuple((p.name, _parse_param(kind, p, raw[p.name])) for p in generator.params if p.name in raw)
    return ProceduralRecipe(kind=kind, params=params)


def _serialize(value: ProceduralRecipe | None) -> Any:
    return value.to_recipe() if value is not None else None


def _validate(value: Any, _handler: Any) -> ProceduralRecipe | None:
    return parse_procedural(value)


ProceduralField = Annotated[dict[str, Any] | None, WrapValidator(_validate), PlainSerializer(_serialize)]
"""The ``procedural`` field of an object group: written as a mapping, held as a :class:`ProceduralRecipe`
(or None)."""


def describe_kinds() -> str:
    """Markdown lines listing every kind with its parameters, ranges and defaults (for docs)."""
    lines = []
    for generator in GENERATORS.values():
        params = ", ".join(f"`{p.name}` ({p.describe()}; default {_default_text(p)})" for p in generator.params)
        lines.append(f"* `{generator.kind}`: {generator.doc}. Parameters: {params}.")
    return "\n".join(lines)


def _default_text(param: Param) -> str:
    if param.default is None:
        return "from `body`"
    return str(param.default).lower() if isinstance(param.default, bool) else str(param.default)
