"""The ``bop:`` recipe section: options of the BOP output (``outputs: [..., bop]``).

The resolved options travel to the writer in the scene spec (``spec.output_options["bop"]``,
filled by the sampler with :func:`bop_options`), so the writer stays a pure function of
(spec, buffers).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

BOP_SPLIT_PATTERN = r"^[A-Za-z0-9_]{1,64}$"


class BopRecipe(BaseModel):
    """How the ``bop/`` dataset is laid out (BOP toolkit ``docs/bop_datasets_format.md``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    scene_size: int = Field(default=1000, ge=1, le=1_000_000)
    """Frames per BOP scene folder: frame i goes to scene ``i // scene_size`` as image ``i % scene_size``."""
    image_format: Literal["jpg", "png"] = "jpg"
    """``rgb/IIIIII.jpg`` (as the BOP Challenge's ``train_pbr`` data) or lossless ``.png``."""
    jpg_quality: int = Field(default=95, ge=1, le=100)
    """JPEG quality of ``rgb/*.jpg``."""
    depth_scale: float = Field(default=0.1, gt=0, le=100)
    """Millimetres per unit of ``depth/*.png`` (uint16): 0.1 stores depth in 0.1 mm, up to 6.5 m."""
    split: str = "train_pbr"
    """The split folder under ``bop/`` (``train_pbr``, ``val``, ``test``...)."""

    @field_validator("split")
    @classmethod
    def _split_is_a_folder_name(cls, value: str) -> str:
        if not re.match(BOP_SPLIT_PATTERN, value):
            raise ValueError(f"split {value[:40]!r} must be 1-64 letters, digits or '_' (it names the folder "
                             "bop/SPLIT/), e.g. train_pbr")
        return value


def bop_options(section: BopRecipe | None) -> dict[str, Any]:
    """The resolved options as plain JSON data (the recipe's section, or the defaults)."""
    return (section if section is not None else BopRecipe()).model_dump()


__all__ = ["BopRecipe", "bop_options"]
