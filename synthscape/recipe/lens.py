"""The ``camera.distortion:`` recipe section: lens distortion of the main camera (fixed or sampled).

Each coefficient is a number or a distribution, drawn per frame by the sampler's ``lens``
stage. The images and every label are distorted (rendered undistorted with a margin, then
remapped); the calibration is written in OpenCV form (``outputs: [..., calibration]`` and meta).
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from synthscape.errors import SynthscapeError
from synthscape.recipe.fields import Number

log = logging.getLogger("synthscape.recipe")

BROWN_CONRADY = ("k1", "k2", "p1", "p2", "k3")
RATIONAL = ("k4", "k5", "k6")
FISHEYE = ("k1", "k2", "k3", "k4")


class DistortionRecipe(BaseModel):
    """OpenCV lens distortion: Brown-Conrady (``k1 k2 p1 p2 k3``, rational with ``k4 k5 k6``) or fisheye
    (Kannala-Brandt ``k1 k2 k3 k4``). Coefficients are in OpenCV's units (normalized image coordinates)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    model: Literal["brown_conrady", "fisheye"] = "brown_conrady"
    """``brown_conrady`` (``cv2.projectPoints``; written as ``plumb_bob``, or ``rational_polynomial`` when
    ``k4``..``k6`` are set) or ``fisheye`` (``cv2.fisheye.projectPoints``; written as ``equidistant``)."""
    k1: Number() = 0.0
    """First radial coefficient (negative: barrel)."""
    k2: Number() = 0.0
    """Second radial coefficient."""
    k3: Number() = 0.0
    """Third radial coefficient."""
    k4: Number() = 0.0
    """Fourth radial (fisheye) or first denominator coefficient (rational Brown-Conrady)."""
    k5: Number() = 0.0
    """Rational Brown-Conrady only: second denominator coefficient."""
    k6: Number() = 0.0
    """Rational Brown-Conrady only: third denominator coefficient."""
    p1: Number() = 0.0
    """Brown-Conrady only: first tangential coefficient."""
    p2: Number() = 0.0
    """Brown-Conrady only: second tangential coefficient."""

    @model_validator(mode="after")
    def _coefficients_of_the_model(self) -> DistortionRecipe:
        if self.model == "fisheye":
            extra = [name for name in ("k5", "k6", "p1", "p2") if self._can_be_nonzero(name)]
            if extra:
                raise ValueError(f"{', '.join(extra)} are not coefficients of the fisheye model (k1..k4); "
                                 "remove them or use model: brown_conrady")
        return self

    def _can_be_nonzero(self, name: str) -> bool:
        return getattr(self, name).bounds() != (0.0, 0.0)

    def opencv_model(self) -> str:
        """The OpenCV / ROS model name the frames get: ``plumb_bob``, ``rational_polynomial`` or ``equidistant``."""
        if self.model == "fisheye":
            return "equidistant"
        return "rational_polynomial" if any(self._can_be_nonzero(n) for n in RATIONAL) else "plumb_bob"

    def coefficient_names(self) -> tuple[str, ...]:
        """The coefficients of :meth:`opencv_model`, in OpenCV ``distCoeffs`` order."""
        model = self.opencv_model()
        return FISHEYE if model == "equidistant" else BROWN_CONRADY + (RATIONAL if model == "rational_polynomial"
                                                                        else ())

    def can_distort(self) -> bool:
        """True when some frame may get a non-zero coefficient."""
        return any(self._can_be_nonzero(name) for name in self.coefficient_names())


PINHOLE_ONLY_OUTPUTS = ("kitti", "bop", "disparity", "flow_fw", "flow_bw", "kitti_flow")
"""Formats whose camera model is a pinhole ``K`` alone (KITTI ``P2``, BOP ``cam_K``, rectified stereo disparity),
and optical flow (rendered as a pinhole's vector pass, not remapped through the lens)."""
PINHOLE_ONLY_PER_CAMERA = ("bop", "flow_fw", "flow_bw", "kitti_flow")
"""Of those, the ones written for every camera of the rig (KITTI and disparity use the main camera only)."""


def check_lens_outputs(distortion: DistortionRecipe | None, outputs: tuple[str, ...], source: str,
                       recipe_path: str, defaulted: bool, key: str = "camera.distortion",
                       pinhole_only: tuple[str, ...] = PINHOLE_ONLY_OUTPUTS) -> tuple[str, ...]:
    """Keep pinhole-only formats (:data:`PINHOLE_ONLY_OUTPUTS`) away from a distorted camera.

    With the default output set, ``kitti`` is left out (with a warning); asked for explicitly,
    ``kitti``, ``bop`` or ``disparity`` is refused.

    Raises:
        SynthscapeError: a pinhole-only format is among the requested outputs and ``camera.distortion``
            can be non-zero.
    """
    clashing = [name for name in outputs if name in pinhole_only]
    if distortion is None or not distortion.can_distort() or not clashing:
        return outputs
    if defaulted:
        log.warning("%s: %s is set, so the default outputs leave out %s (it assumes a rectified "
                    "pinhole camera)", recipe_path, key, ", ".join(clashing))
        return tuple(name for name in outputs if name not in clashing)
    name = clashing[0]
    raise SynthscapeError(f"{source}[{outputs.index(name)}]: {name!r} assumes a rectified pinhole camera, but "
                          f"{recipe_path}: {key} distorts the images; drop {name!r} from the outputs "
                          f"or remove {key}")


__all__ = ["PINHOLE_ONLY_OUTPUTS", "PINHOLE_ONLY_PER_CAMERA", "DistortionRecipe", "check_lens_outputs"]
