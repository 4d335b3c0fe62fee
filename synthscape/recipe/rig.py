"""The ``rig:`` section: cameras besides the main ``camera:``, mounted rigidly on it.

``rig.stereo`` (or ``rig.preset: kitti_stereo``) adds a rectified right camera: the main
camera's intrinsics and orientation, offset along the main camera's +x axis by the baseline,
so a point's rows agree in both images and its disparity is ``fx * B / Z``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from synthscape.recipe.lens import DistortionRecipe
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
    distortion: DistortionRecipe | None = None
    """This camera's own OpenCV lens (as ``camera.distortion``; default: a pinhole)."""

    _name = field_validator("name")(classmethod(lambda cls, v: check_camera_name(v)))

    @model_validator(mode="after")
    def _resolution(self) -> RigCameraRecipe:
        if self.resolution is not None and (min(self.resolution) < 1 or max(self.resolution) > 16384):
            raise ValueError("resolution must be two integers in [1, 16384]")
        return self


KITTI_BASELINE_M = 0.54
"""KITTI's colour stereo baseline (cameras 2 and 3), metres."""


class StereoRecipe(BaseModel):
    """A rectified stereo partner of the main camera (the left camera), rendered every frame."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    baseline: float = Field(default=KITTI_BASELINE_M, gt=0, le=100)
    """Distance from the main (left) camera to the right camera along the main camera's +x axis, metres
    (KITTI: 0.54)."""
    name: str = "right"
    """The right camera's name: its images go to ``cameras/NAME/``; KITTI ``image_3`` is its image."""

    _name = field_validator("name")(classmethod(lambda cls, v: check_camera_name(v)))

    def camera(self) -> RigCameraRecipe:
        """The right camera as a rig camera: offset ``[baseline, 0, 0]``, the main camera's intrinsics."""
        return RigCameraRecipe(name=self.name, offset=[self.baseline, 0.0, 0.0])


STEREO_PRESETS: dict[str, StereoRecipe] = {"kitti_stereo": StereoRecipe(baseline=KITTI_BASELINE_M, name="right")}
"""Named stereo rigs for ``rig: {preset: NAME}``."""


class RigRecipe(BaseModel):
    """Sensors mounted with the main camera. The main camera's frame is the rig frame."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    cameras: list[RigCameraRecipe] = []
    """Further cameras; each renders every frame (one Cycles render per camera)."""
    preset: Literal["kitti_stereo"] | None = None
    """A named stereo rig: ``kitti_stereo`` is ``stereo: {baseline: 0.54, name: right}``."""
    stereo: StereoRecipe | None = None
    """A rectified right camera (``{baseline: 0.54, name: right}``): KITTI ``image_3``/``P3`` and the
    ``disparity`` output. Give this or ``preset``, not both."""

    @model_validator(mode="after")
    def _one_stereo(self) -> RigRecipe:
        if self.preset is not None and self.stereo is not None:
            raise ValueError("give rig.preset or rig.stereo, not both (the preset is a stereo rig; "
                             "drop preset to set your own baseline)")
        pair = self.stereo_pair()
        if pair is not None and pair.name in {c.name for c in self.cameras}:
            raise ValueError(f"the stereo camera {pair.name!r} has the name of a camera in rig.cameras; "
                             "set rig.stereo.name to another name")
        return self

    def stereo_pair(self) -> StereoRecipe | None:
        """The stereo right camera's settings (``stereo``, else the ``preset``'s), or None."""
        return self.stereo if self.stereo is not None else STEREO_PRESETS.get(self.preset or "")

    def all_cameras(self) -> list[RigCameraRecipe]:
        """Every further camera: ``cameras``, then the stereo right camera when there is one."""
        pair = self.stereo_pair()
        return [*self.cameras, *([pair.camera()] if pair is not None else [])]
