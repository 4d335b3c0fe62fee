"""The ``objects[i].orientation`` recipe key: how each object of a group is rotated.

``upright`` keeps today's rotation about the vertical axis by the group's ``yaw``; ``uniform``
draws a rotation uniformly over all of SO(3) (every orientation equally likely, as for objects
tumbled into a bin); ``euler`` draws one angle per axis (XYZ Euler, degrees, Blender's order:
the object turns about world x, then y, then z).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from synthscape.recipe.fields import Number

OrientationMode = Literal["upright", "uniform", "euler"]


class OrientationRecipe(BaseModel):
    """How each object is rotated: ``upright`` (yaw only), ``uniform`` over SO(3), or per-axis ``euler`` ranges.

    ``orientation: uniform`` is short for ``orientation: {mode: uniform}``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    mode: OrientationMode = "upright"
    """``upright``: standing, turned about the vertical axis by the group's ``yaw`` (the default);
    ``uniform``: any orientation, uniformly distributed over all 3D rotations; ``euler``: the angles
    ``x``, ``y``, ``z`` below."""
    x: Number() | None = None
    """``euler`` only: rotation about the world x axis, degrees, a number or a distribution (default 0)."""
    y: Number() | None = None
    """``euler`` only: rotation about the world y axis, degrees (default 0)."""
    z: Number() | None = None
    """``euler`` only: rotation about the world z axis (vertical), degrees (default 0)."""

    @model_validator(mode="before")
    @classmethod
    def _mode_shorthand(cls, value: Any) -> Any:
        return {"mode": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _axes_only_for_euler(self) -> OrientationRecipe:
        axes = [name for name in ("x", "y", "z") if getattr(self, name) is not None]
        if axes and self.mode != "euler":
            raise ValueError(f"{', '.join(axes)}: per-axis angles belong to mode: euler (mode is {self.mode!r}); "
                             "set mode: euler, or remove them")
        return self
