"""The base of every recipe section: frozen pydantic models, unknown keys are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RecipeModel(BaseModel):
    """Base for recipe sections: frozen, unknown keys rejected, field docstrings kept."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              validate_default=True, allow_inf_nan=False)
