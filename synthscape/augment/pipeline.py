"""The augment pipeline: a validated recipe section and the Compose that runs it.

Recipe form (the recipe's ``augment:`` section, or a separate YAML file with the same keys)::

    augment:
      schema_version: 1
      min_area: 16
      ops:
        - {op: brightness_contrast, p: 0.8, brightness: [-0.2, 0.2], contrast: [0.8, 1.2]}
        - {op: hflip, p: 0.5}
        - {op: background_noise, p: 0.3, alpha: [0.2, 0.5]}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthscape.augment.base import Sample
from synthscape.augment.ops_background import BACKGROUND_OPS
from synthscape.augment.ops_geometric import GEOMETRIC_OPS, KittiRefused, refusal_message
from synthscape.augment.ops_photometric import PHOTOMETRIC_OPS
from synthscape.errors import RecipeError
from synthscape.recipe.yaml_loader import load_yaml_file

ALL_OPS = PHOTOMETRIC_OPS + BACKGROUND_OPS + GEOMETRIC_OPS
OP_NAMES = tuple(cls.model_fields["op"].default for cls in ALL_OPS)
AnyOp = Annotated[Union[tuple(ALL_OPS)], Field(discriminator="op")]  # noqa: UP007


class AugmentRecipe(BaseModel):
    """The ``augment:`` section: an ordered list of ops with probabilities and ranges."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              allow_inf_nan=False)

    schema_version: Literal[1] = 1
    """Version of this section's schema."""
    min_area: int = Field(1, ge=1)
    """Instances with fewer visible pixels than this after augmentation get no annotation."""
    ops: tuple[AnyOp, ...] = ()
    """Ops in the order they are applied; each has ``op`` (its name) and ``p``."""


def _problems(error: ValidationError, data: Any) -> list[tuple[str, str]]:
    out = []
    for e in error.errors():
        loc = list(e["loc"])
        key = "augment"
        if len(loc) >= 2 and loc[0] == "ops" and isinstance(loc[1], int):
            index = loc[1]
            ops = data.get("ops") if isinstance(data, dict) else None
            name = ops[index].get("op", "?") if isinstance(ops, list) and isinstance(
                ops[index], dict) else "?"
            rest = [str(x) for x in loc[2:]]
            if rest and rest[0] == name:  # the union tag pydantic inserts
                rest = rest[1:]
            key = f"augment.ops[{index}] (op '{name}')" + (f".{'.'.join(rest)}" if rest else "")
        elif loc:
            key = "augment." + ".".join(str(x) for x in loc)
        msg = e["msg"]
        if e["type"] == "union_tag_invalid":
            msg = f"unknown op; choose one of {', '.join(OP_NAMES)}"
        out.append((key, msg))
    return out


def parse_augment(data: Any, source: str = "<augment>") -> AugmentRecipe:
    """Validate an ``augment:`` mapping; raises RecipeError naming the op and argument."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError(source, [("augment", "must be a mapping with an 'ops' list")])
    try:
        return AugmentRecipe.model_validate(data)
    except ValidationError as error:
        raise RecipeError(source, _problems(error, data)) from None


def load_augment(path: str | os.PathLike[str]) -> AugmentRecipe:
    """Read a YAML file holding either the section itself or a recipe with ``augment:``.

    The file is read by the recipe loader (:func:`synthscape.recipe.yaml_loader.load_yaml_file`):
    bounded size and nesting, no duplicate keys, UTF-8 (or UTF-16/32 with a byte-order mark).

    Raises:
        RecipeError: unreadable, not YAML, or ops that do not validate (naming the op).
    """
    p = Path(path)
    data = load_yaml_file(p)
    if isinstance(data, dict) and "augment" in data:
        data = data["augment"]
    return parse_augment(data, str(p))


class Compose:
    """Run a recipe's ops in order, each with its probability, recording what was applied."""

    def __init__(self, recipe: AugmentRecipe):
        self.recipe = recipe

    def check_kitti(self) -> None:
        """Raise KittiRefused if an op cannot keep KITTI labels valid."""
        for op in self.recipe.ops:
            if op.kitti_policy == "refused":
                raise KittiRefused(refusal_message(op))

    def __call__(self, sample: Sample, rng: np.random.Generator) -> tuple[Sample, list[dict]]:
        """Augment one sample.

        Every op consumes one ``rng.random()`` for its probability test (applied or not),
        then its own draws when applied; the same generator state gives the same output.

        Returns:
            The new sample and the record: ``[{"op": name, "params": {...}}, ...]`` of the
            ops that were applied, in order.
        """
        record = []
        for op in self.recipe.ops:
            if rng.random() >= op.p:
                continue
            params = op.draw(rng, sample)
            sample = op.apply(sample, params)
            record.append({"op": op.op, "params": params})
        return sample, record
