"""What a procedural generator takes: named parameters with defaults and allowed values."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import trimesh


@dataclass(frozen=True)
class Param:
    """One parameter of a generator: a number in ``[low, high]`` or one of ``options``."""

    name: str
    default: Any
    """The value when the recipe does not give one (None: the generator derives it, e.g. from ``body``)."""
    doc: str
    low: float | None = None
    high: float | None = None
    options: tuple[Any, ...] = ()
    """The allowed values of a categorical parameter (strings or booleans); empty for numbers."""
    integer: bool = False
    step: float | None = None
    """Numbers snap to multiples of this before a mesh is built (None: 3 significant digits), so
    objects share cached meshes; e.g. 5 cm for a car's length."""

    def snap(self, value: Any) -> Any:
        """``value`` as the generator and the cache key see it: on the step grid, inside the range."""
        if self.categorical or value is None or isinstance(value, (bool, str)):
            return value
        if self.integer:
            return int(round(float(value)))
        snapped = round_value(value) if self.step is None else round(round(float(value) / self.step) * self.step, 9)
        if self.low is not None and self.high is not None:
            snapped = min(max(snapped, self.low), self.high)
        return 0.0 if snapped == 0 else float(snapped)

    @property
    def categorical(self) -> bool:
        """True for a parameter that takes one of :attr:`options`."""
        return bool(self.options)

    def describe(self) -> str:
        """A short human-readable statement of the allowed values."""
        if self.categorical:
            return "one of " + ", ".join(str(o).lower() if isinstance(o, bool) else str(o) for o in self.options)
        kind = "an integer" if self.integer else "a number"
        return f"{kind} in [{self.low}, {self.high}]"


@dataclass(frozen=True)
class Generator:
    """A procedural shape family member: its parameters and the function that builds it."""

    kind: str
    version: int
    """Bumped whenever the geometry for the same parameters changes (part of the cache key)."""
    params: tuple[Param, ...]
    build: Callable[..., trimesh.Trimesh]
    """Called with every parameter by name (defaults filled in); returns the coloured mesh."""
    doc: str
    parts: tuple[str, ...] = field(default=())
    """The colour classes (part names) the generated meshes contain."""
    resolve: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """Fills in parameters whose default depends on others (None defaults), for the record."""

    def resolved(self, params: dict[str, Any]) -> dict[str, Any]:
        """Every parameter's value: ``params`` over the defaults, derived defaults filled in."""
        full = {p.name: p.default for p in self.params}
        full.update(params)
        return self.resolve(full) if self.resolve is not None else full

    def param(self, name: str) -> Param:
        """The parameter called ``name``.

        Raises:
            KeyError: the generator has no such parameter.
        """
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)


SIGNIFICANT_DIGITS = 3
"""Numbers are rounded to this many significant digits before a mesh is built (cache reuse)."""


def round_value(value: Any, integer: bool = False) -> Any:
    """A parameter value as the generator and cache key see it: numbers to 3 significant digits."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    number = float(value)
    if integer:
        return int(round(number))
    if number == 0 or not math.isfinite(number):
        return 0.0
    digits = SIGNIFICANT_DIGITS - 1 - int(math.floor(math.log10(abs(number))))
    rounded = round(number, digits)
    return 0.0 if rounded == 0 else float(rounded)
