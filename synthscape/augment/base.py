"""The augmentation sample (all targets of one frame) and the op base classes.

An op is a frozen pydantic model holding its probability and parameter ranges. Calling it is
two steps, as in albumentations: :meth:`Op.draw` takes every random number the op needs from
the explicitly passed generator *once*, returning a JSON-able parameter dict (the record of
what was applied); :meth:`Op.apply` then applies those parameters to every target through a
target table. The maths lives in :mod:`synthscape.augment.functional`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from synthscape.errors import SynthscapeError

KittiPolicy = Literal["allowed", "updates_calib", "refused"]


class AugmentError(SynthscapeError):
    """Bad input to augment (missing or damaged source files, output folder, options)."""


@dataclass(frozen=True)
class KittiLabel:
    """One ``label_2`` row, parsed (KITTI devkit field order).

    Attributes:
        kind: object type (``Car``, ``Pedestrian``, ``DontCare``...).
        truncated: 0..1.
        occluded: 0..3.
        rect: (x1, y1, x2, y2) 2D box, pixels.
        dimensions: (h, w, l) metres.
        location: (x, y, z) bottom centre in camera coordinates, metres.
        rotation_y: radians.
        line: the source text while the row is unchanged (written back verbatim), else None.
    """

    kind: str
    truncated: float
    occluded: int
    rect: tuple[float, float, float, float]
    dimensions: tuple[float, float, float]
    location: tuple[float, float, float]
    rotation_y: float
    line: str | None = None


@dataclass(frozen=True)
class KittiFrame:
    """One frame's KITTI files, parsed.

    Attributes:
        calib: name -> matrix as in ``calib/NNNNNN.txt``; ``P0``..``P3`` (3, 4),
            ``R0_rect`` (3, 3), ``Tr_velo_to_cam`` / ``Tr_imu_to_velo`` (3, 4).
        labels: ``label_2`` rows.
        velodyne: (N, 4) float32 x y z reflectance in the LiDAR frame, or None.
    """

    calib: dict[str, np.ndarray]
    labels: list[KittiLabel]
    velodyne: np.ndarray | None = None


@dataclass(frozen=True)
class Sample:
    """Every target of one frame. Arrays are never mutated; ops return a new Sample.

    Attributes:
        image: (H, W, 3) uint8 sRGB.
        instance: (H, W) uint16 instance ids, 0 = background.
        semantic: (H, W) uint16 category ids, 0 = background.
        depth: (H, W) float32 planar depth in metres, inf = no hit; or None.
        normal: (H, W, 3) float32 world-space normals, 0 = no hit; or None.
        kitti: the frame's KITTI calib/labels when the dataset has ``kitti/``; or None.
    """

    image: np.ndarray
    instance: np.ndarray
    semantic: np.ndarray
    depth: np.ndarray | None = None
    normal: np.ndarray | None = None
    kitti: KittiFrame | None = None

    @property
    def height(self) -> int:
        """Image height, pixels."""
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        """Image width, pixels."""
        return int(self.image.shape[1])

    def replace(self, **changes: Any) -> Sample:
        """A copy with some targets replaced."""
        return dataclasses.replace(self, **changes)


def _range_validator(lo: float, hi: float) -> Callable[[tuple[float, float]], tuple[float, float]]:
    def check(value: tuple[float, float]) -> tuple[float, float]:
        a, b = value
        if a > b:
            raise ValueError(f"range [{a}, {b}] has min > max; write it as [min, max]")
        if a < lo or b > hi:
            raise ValueError(f"range [{a}, {b}] must lie within [{lo}, {hi}]")
        return (float(a), float(b))
    return check


def bounded(lo: float, hi: float) -> Any:
    """A ``[min, max]`` range field type whose values must lie within ``[lo, hi]``."""
    return Annotated[tuple[float, float], AfterValidator(_range_validator(lo, hi))]


def uniform(rng: np.random.Generator, value_range: tuple[float, float]) -> float:
    """One float from ``[min, max]``; always consumes one draw so streams stay aligned."""
    return float(rng.uniform(value_range[0], value_range[1]))


class Op(BaseModel):
    """Base of all ops: a probability, parameter ranges, draw-then-apply."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              allow_inf_nan=False)

    p: float = Field(1.0, ge=0.0, le=1.0)
    """Probability that the op is applied to a given copy."""

    kitti_policy: ClassVar[KittiPolicy] = "allowed"
    """How the op interacts with KITTI export: photometric ops are always allowed."""

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """Draw this op's parameters once; returns a JSON-able dict."""
        raise NotImplementedError

    def targets(self) -> dict[str, Callable[[Any, dict[str, Any], Sample], Any]]:
        """Target name -> ``fn(value, params, sample)``; targets not listed pass through."""
        raise NotImplementedError

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Apply drawn ``params`` to every target of ``sample`` that is present."""
        changes = {name: fn(getattr(sample, name), params, sample)
                   for name, fn in self.targets().items() if getattr(sample, name) is not None}
        return sample.replace(**changes)


class ImageOp(Op):
    """An op that changes only the image (photometric)."""

    def apply_image(self, image: np.ndarray, params: dict[str, Any],
                    sample: Sample) -> np.ndarray:
        """The op's effect on the (H, W, 3) uint8 image."""
        raise NotImplementedError

    def targets(self) -> dict[str, Callable[[Any, dict[str, Any], Sample], Any]]:
        return {"image": self.apply_image}
