"""Random distributions a recipe field may take instead of a constant.

A field written as a constant stays constant. A field written as a one-key mapping
draws from a distribution every time the sampler asks for it:

* ``{uniform: [a, b]}``: uniform on [a, b).
* ``{normal: [mean, std]}``, optionally ``clip: [lo, hi]``.
* ``{randint: [a, b]}``: an integer in [a, b], both ends included.
* ``{choice: [v1, v2, ...]}``, optionally ``weights: [w1, w2, ...]``.
"""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_ECHO_CHARS = 200
"""Longest echo of a user's value in an error message (alias bombs expand to megabytes)."""

_ECHO = reprlib.Repr()
_ECHO.maxlevel, _ECHO.maxlist, _ECHO.maxdict, _ECHO.maxtuple = 3, 8, 8, 8
_ECHO.maxstring, _ECHO.maxother, _ECHO.maxlong = 60, 60, 40


def short_repr(value: Any) -> str:
    """``repr(value)`` cut to :data:`MAX_ECHO_CHARS`, for echoing user input in messages."""
    text = _ECHO.repr(value)
    return text if len(text) <= MAX_ECHO_CHARS else text[:MAX_ECHO_CHARS - 3] + "..."


def finite_number(value: Any, what: str = "a number") -> float:
    """``value`` as a finite float.

    Raises:
        ValueError: ``value`` is not a number (bools are not), or is NaN, infinite or too
            large for a float.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected {what}, got {short_repr(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"expected {what}, got an integer too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {short_repr(value)} "
                         "(NaN and infinity are not allowed)")
    return number


@dataclass(frozen=True)
class Constant:
    """A value that is always the same."""

    value: Any

    def sample(self, rng: np.random.Generator) -> Any:
        """Return the constant (draws nothing from ``rng``)."""
        return self.value

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value this can produce (numbers only)."""
        return (self.value, self.value)

    def to_recipe(self) -> Any:
        """The recipe form (as it would be written in YAML)."""
        return self.value


@dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high)."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        """Draw one value."""
        return float(rng.uniform(self.low, self.high))

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value this can produce."""
        return (self.low, self.high)

    def to_recipe(self) -> Any:
        """The recipe form."""
        return {"uniform": [self.low, self.high]}


@dataclass(frozen=True)
class Normal:
    """Gaussian, optionally clipped to [clip_low, clip_high]."""

    mean: float
    std: float
    clip: tuple[float, float] | None = None

    def sample(self, rng: np.random.Generator) -> float:
        """Draw one value."""
        value = float(rng.normal(self.mean, self.std))
        if self.clip is not None:
            value = min(max(value, self.clip[0]), self.clip[1])
        return value

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value this can produce."""
        return self.clip if self.clip is not None else (-math.inf, math.inf)

    def to_recipe(self) -> Any:
        """The recipe form."""
        out: dict[str, Any] = {"normal": [self.mean, self.std]}
        if self.clip is not None:
            out["clip"] = list(self.clip)
        return out


@dataclass(frozen=True)
class RandInt:
    """An integer in [low, high], both included."""

    low: int
    high: int

    def sample(self, rng: np.random.Generator) -> int:
        """Draw one value."""
        return int(rng.integers(self.low, self.high, endpoint=True))

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value this can produce."""
        return (self.low, self.high)

    def to_recipe(self) -> Any:
        """The recipe form."""
        return {"randint": [self.low, self.high]}


@dataclass(frozen=True)
class Choice:
    """One of a list of values, optionally weighted."""

    values: tuple[Any, ...]
    weights: tuple[float, ...] | None = None

    def sample(self, rng: np.random.Generator) -> Any:
        """Draw one value."""
        p = None
        if self.weights is not None:
            total = sum(self.weights)
            p = [w / total for w in self.weights]
        return self.values[int(rng.choice(len(self.values), p=p))]

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value this can produce (numbers only)."""
        numbers = [v for v in self.values if isinstance(v, (int, float))]
        if len(numbers) != len(self.values):
            return (-math.inf, math.inf)
        return (min(numbers), max(numbers))

    def to_recipe(self) -> Any:
        """The recipe form."""
        out: dict[str, Any] = {"choice": list(self.values)}
        if self.weights is not None:
            out["weights"] = list(self.weights)
        return out


Distribution = Constant | Uniform | Normal | RandInt | Choice

_KINDS = ("uniform", "normal", "randint", "choice")
_FORMS = ("a number, or one of {uniform: [a, b]}, {normal: [mean, std], clip: [lo, hi]}, "
          "{randint: [a, b]}, {choice: [...], weights: [...]}")


def _pair(raw: Any, kind: str, integer: bool = False) -> tuple[float, float]:
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        raise ValueError(f"{kind} takes a list of two numbers, got {short_repr(raw)}")
    number_types = (int,) if integer else (int, float)
    if not all(isinstance(v, number_types) and not isinstance(v, bool) for v in raw):
        what = "integers" if integer else "numbers"
        raise ValueError(f"{kind} takes two {what}, got {short_repr(raw)}")
    if integer:
        return (raw[0], raw[1])
    return (finite_number(raw[0], f"{kind} numbers"), finite_number(raw[1], f"{kind} numbers"))


def _parse_mapping(raw: dict[str, Any]) -> Distribution:
    kinds = [k for k in raw if k in _KINDS]
    if len(kinds) != 1:
        raise ValueError(f"expected {_FORMS}; got keys {short_repr(sorted(map(str, raw)))}")
    kind = kinds[0]
    allowed = {"uniform": {"uniform"}, "normal": {"normal", "clip"},
               "randint": {"randint"}, "choice": {"choice", "weights"}}[kind]
    extra = sorted(set(raw) - allowed)
    if extra:
        raise ValueError(f"unknown key(s) {short_repr(extra)} in a {kind} distribution; "
                         f"allowed: {sorted(allowed)}")
    if kind == "uniform":
        low, high = _pair(raw["uniform"], "uniform")
        if low > high:
            raise ValueError(f"uniform needs a <= b, got [{low}, {high}]")
        return Uniform(low, high)
    if kind == "normal":
        mean, std = _pair(raw["normal"], "normal")
        if std < 0:
            raise ValueError(f"normal needs std >= 0, got {std}")
        clip = _pair(raw["clip"], "clip") if "clip" in raw else None
        if clip is not None and clip[0] > clip[1]:
            raise ValueError(f"clip needs lo <= hi, got {list(clip)}")
        return Normal(mean, std, clip)
    if kind == "randint":
        low, high = _pair(raw["randint"], "randint", integer=True)
        if low > high:
            raise ValueError(f"randint needs a <= b, got [{low}, {high}]")
        return RandInt(int(low), int(high))
    values = raw["choice"]
    if not isinstance(values, list) or not values:
        raise ValueError(f"choice takes a non-empty list, got {short_repr(values)}")
    weights = raw.get("weights")
    if weights is not None:
        weights = _choice_weights(weights, len(values))
    return Choice(tuple(values), weights)


def _choice_weights(weights: Any, count: int) -> tuple[float, ...]:
    rule = (f"weights must be a list of {count} finite, non-negative numbers (one per choice) "
            "with a positive sum")
    if not isinstance(weights, list) or len(weights) != count:
        raise ValueError(f"{rule}; got {short_repr(weights)}")
    try:
        numbers = tuple(finite_number(w) for w in weights)
    except ValueError as error:
        raise ValueError(f"{rule}; {error}") from None
    if any(w < 0 for w in numbers) or not math.isfinite(sum(numbers)) or sum(numbers) <= 0:
        raise ValueError(f"{rule}; got {short_repr(weights)}")
    return numbers


def parse_distribution(raw: Any) -> Distribution:
    """Turn a recipe value into a distribution (a bare value becomes a :class:`Constant`)."""
    if isinstance(raw, (Constant, Uniform, Normal, RandInt, Choice)):
        return raw
    if isinstance(raw, dict):
        return _parse_mapping(raw)
    return Constant(raw)
