"""Pydantic field types for recipe values that may be constants or distributions."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, PlainSerializer, ValidationInfo
from pydantic.functional_validators import AfterValidator

from synthscape.recipe.distributions import (
    Choice,
    Constant,
    Distribution,
    Normal,
    Uniform,
    finite_number,
    parse_distribution,
    short_repr,
)
from synthscape.recipe.mesh_files import check_mesh_file


def _describe_range(ge: float | None, le: float | None, gt: float | None) -> str:
    parts = []
    if gt is not None:
        parts.append(f"> {gt}")
    if ge is not None:
        parts.append(f">= {ge}")
    if le is not None:
        parts.append(f"<= {le}")
    return " and ".join(parts)


def _check_number(value: Any, integer: bool) -> None:
    number = finite_number(value, "an integer" if integer else "a number")
    if integer and not number.is_integer():
        raise ValueError(f"expected an integer, got {short_repr(value)}")


def _number_validator(ge: float | None, le: float | None, gt: float | None,
                      integer: bool) -> Callable[[Any], Distribution]:
    def validate(raw: Any) -> Distribution:
        dist = parse_distribution(raw)
        if isinstance(dist, (Constant, Choice)):
            for value in (dist.values if isinstance(dist, Choice) else (dist.value,)):
                _check_number(value, integer)
        if integer and isinstance(dist, (Uniform, Normal)):
            raise ValueError("this field takes integers: use a number, {randint: [a, b]} or {choice: [...]}")
        low, high = dist.bounds()
        allowed = _describe_range(ge, le, gt)
        if ((ge is not None and low < ge) or (gt is not None and low <= gt)
                or (le is not None and high > le)):
            unbounded = " (clip a normal distribution to stay in range)" if math.isinf(low) or math.isinf(high) else ""
            got = f"got {short_repr(dist.value)}" if isinstance(dist, Constant) else \
                f"{short_repr(dist.to_recipe())} can give values in [{low}, {high}]{unbounded}"
            raise ValueError(f"values must be {allowed}; {got}")
        if isinstance(dist, Constant) and integer:
            return Constant(int(dist.value))
        if isinstance(dist, Constant):
            return Constant(float(dist.value))
        return dist

    return validate


def _serialize(dist: Any) -> Any:
    return dist.to_recipe()


def Number(*, ge: float | None = None, le: float | None = None,  # noqa: N802 - a type factory
           gt: float | None = None) -> Any:
    """A float field that accepts a constant or a distribution, range-checked."""
    return Annotated[Any, BeforeValidator(_number_validator(ge, le, gt, False)),
                     PlainSerializer(_serialize)]


def Integer(*, ge: int | None = None, le: int | None = None) -> Any:  # noqa: N802
    """An integer field that accepts a constant, ``randint`` or ``choice``, range-checked."""
    return Annotated[Any, BeforeValidator(_number_validator(ge, le, None, True)),
                     PlainSerializer(_serialize)]


@dataclass(frozen=True)
class VectorDist:
    """A fixed-length vector whose components are distributions, or a choice of vectors."""

    components: tuple[Distribution, ...] | None = None
    choice: Choice | None = None
    uniform: bool = False
    """One component repeated three times (a uniform scale)."""

    def sample(self, rng: np.random.Generator) -> tuple[float, ...]:
        """Draw one vector."""
        if self.uniform:
            assert self.components is not None
            return (float(self.components[0].sample(rng)),) * 3
        if self.choice is not None:
            return tuple(float(v) for v in self.choice.sample(rng))
        assert self.components is not None
        return tuple(float(c.sample(rng)) for c in self.components)

    def fixed_values(self) -> tuple[tuple[float, ...], ...] | None:
        """Every vector this can give when that is a finite set (constants or a choice), else None."""
        if self.choice is not None:
            return tuple(tuple(float(v) for v in vector) for vector in self.choice.values)
        assert self.components is not None
        if not all(isinstance(c, Constant) for c in self.components):
            return None
        vector = tuple(float(c.value) for c in self.components)  # type: ignore[union-attr]
        return (vector * 3,) if self.uniform else (vector,)

    def to_recipe(self) -> Any:
        """The recipe form."""
        if self.choice is not None:
            return self.choice.to_recipe()
        assert self.components is not None
        if self.uniform:
            return self.components[0].to_recipe()
        return [c.to_recipe() for c in self.components]


def _vector_validator(length: int, ge: float | None, le: float | None) -> Callable[[Any], VectorDist]:
    component = _number_validator(ge, le, None, False)

    def validate(raw: Any) -> VectorDist:
        if isinstance(raw, VectorDist):
            return raw
        if isinstance(raw, dict):
            dist = parse_distribution(raw)
            if not isinstance(dist, Choice):
                raise ValueError(f"a vector takes a list of {length} values or {{choice: [[...], ...]}}")
            for vector in dist.values:
                if not isinstance(vector, list) or len(vector) != length:
                    raise ValueError(f"each choice must be a list of {length} numbers, "
                                     f"got {short_repr(vector)}")
                for value in vector:
                    component(value)
            return VectorDist(choice=dist)
        if not isinstance(raw, list) or len(raw) != length:
            raise ValueError(f"expected a list of {length} values, got {short_repr(raw)}")
        return VectorDist(components=tuple(component(v) for v in raw))

    return validate


def Vector(length: int = 3, *, ge: float | None = None, le: float | None = None) -> Any:  # noqa: N802
    """A vector field: a list of numbers/distributions, or a choice of whole vectors."""
    return Annotated[Any, BeforeValidator(_vector_validator(length, ge, le)),
                     PlainSerializer(_serialize)]


Color = Vector(3, ge=0.0, le=1.0)
"""Linear RGB in [0, 1]: ``[r, g, b]`` (each may be a distribution) or ``{choice: [[r, g, b], ...]}``."""


def existing_folder(value: Path | str, info: ValidationInfo) -> Path:
    """A recipe's folder path (``~`` expanded, relative to the recipe's folder), resolved.

    Raises:
        ValueError: no such folder (the message says where it looked).
    """
    folder = Path(value).expanduser()
    folder = folder if folder.is_absolute() else Path((info.context or {}).get("base_dir", ".")) / folder
    if not folder.is_dir():
        raise ValueError(f"folder not found: {folder} (paths are relative to the recipe's folder)")
    return folder.resolve()


def _resolve_existing_path(suffixes: tuple[str, ...]) -> Callable[[str | None, ValidationInfo], str | None]:
    def validate(value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        base = Path((info.context or {}).get("base_dir", "."))
        path = Path(value).expanduser()
        path = path if path.is_absolute() else (base / path)
        if suffixes and path.suffix.lower() not in suffixes:
            raise ValueError(f"{short_repr(value)} has an unsupported file type; "
                             f"use one of {', '.join(suffixes)}")
        if not path.is_file():
            raise ValueError(f"file not found: {path} (paths are relative to the recipe's folder)")
        return str(path.resolve())

    return validate


def ExistingFile(*suffixes: str) -> Any:  # noqa: N802
    """A path to an existing file, resolved against the recipe's folder."""
    return Annotated[str | None, AfterValidator(_resolve_existing_path(tuple(suffixes)))]


def _readable_mesh(path: str | None) -> str | None:
    if path is not None:
        check_mesh_file(path)
    return path


def MeshFile(*suffixes: str) -> Any:  # noqa: N802
    """An existing mesh file with at least one face (empty, corrupt, vertex-only files refused)."""
    return Annotated[ExistingFile(*suffixes), AfterValidator(_readable_mesh)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("a name must not be blank; write a word such as 'car'")
    return value


NonBlankName = Annotated[str, AfterValidator(_not_blank)]
"""A name (category, dataset part) with at least one non-space character."""

KittiType = Literal["Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc"]
"""The object types of the KITTI object benchmark (``DontCare`` is for unlabeled regions only)."""


def _scale_validator() -> Callable[[Any], VectorDist]:
    scalar = _number_validator(None, None, 0.0, False)
    vector = _vector_validator(3, None, None)

    def validate(raw: Any) -> VectorDist:
        if isinstance(raw, VectorDist):
            return raw
        if isinstance(raw, list):
            result = vector(raw)
            for component in result.components or ():
                if component.bounds()[0] <= 0:
                    raise ValueError(f"each scale component must be > 0, "
                                     f"got {short_repr(component.to_recipe())}")
            return result
        dist = scalar(raw)
        return VectorDist(components=(dist,), uniform=True)

    return validate


Scale = Annotated[Any, BeforeValidator(_scale_validator()), PlainSerializer(_serialize)]
"""A scale factor (uniform, constant or distribution) or ``[sx, sy, sz]`` for a non-uniform scale."""
