"""The ``rig:`` section: cameras besides the main ``camera:``, mounted rigidly on it."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from synthscape.recipe.fields import Number, Vector

CAMERA_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def check_camera_name(name: str) -> str:
    """A camera name is also a folder name (``cameras/NAME/``): letters, digits, ``_ . -``."""
    if not CAMERA_NAME.match(name):
        raise ValueError(f"camera name {name[:80]!r} must be 1-64 letters, digits, '_', '.' or '-' "
                         "(it names the folder cameras/NAME/)")
    return name


class RigCameraRecipe(BaseModel):
    """A further camera, placed relative to the main camera (its frame: x right, y down, z forward)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    name: str
    """Camera name; its images go to ``cameras/NAME/`` with their own COCO."""
    offset: Vector(3) = [0.0, 0.0, 0.0]
    """Position in the main camera's frame, metres (``[0.54, 0, 0]``: 0.54 m to the right)."""
    rotation: Vector(3) = [0.0, 0.0, 0.0]
    """XYZ Euler rotation relative to the main camera, degrees (about its x right, y down, z forward)."""
    resolution: tuple[int, int] | None = None
    """Width and height in pixels (default: the main camera's, after ``--resolution``)."""
    focal_length: Number(gt=0) | None = None
    """Focal length in millimetres (default: the main camera's focal length of the frame)."""
    sensor_width: float | None = Field(default=None, gt=0)
    """Sensor width in millimetres (default: the main camera's)."""

    _name = field_validator("name")(classmethod(lambda cls, v: check_camera_name(v)))

    @model_validator(mode="after")
    def _resolution(self) -> RigCameraRecipe:
        if self.resolution is not None and (min(self.resolution) < 1 or max(self.resolution) > 16384):
            raise ValueError("resolution must be two integers in [1, 16384]")
        return self


class RigRecipe(BaseModel):
    """Sensors mounted with the main camera. The main camera's frame is the rig frame."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    cameras: list[RigCameraRecipe] = []
    """Further cameras; each renders every frame (one Cycles render per camera)."""
