"""Geometric ops: one pixel transform applied to every target.

Each op draws its parameters, then :meth:`GeometricOp.transform` turns them into a 3x3
source-to-destination matrix (OpenCV pixel convention) and an output size. The image is
warped bilinearly (fill 0), instance/semantic maps and depth with nearest neighbour (fill 0,
0 and inf: no interpolation across object edges), normals nearest (fill 0), and the KITTI
calib/labels through :func:`synthscape.augment.kitti.transform_kitti`. COCO boxes and areas are
recomputed from the warped instance map by the dataset writer, not transformed here.
Normals are world-space vectors: they move with their pixels but are not rotated (after a
flip they still describe the unmirrored world).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from synthscape.augment import functional as F
from synthscape.augment.base import KittiPolicy, Op, Sample, bounded, uniform
from synthscape.augment.kitti import transform_kitti
from synthscape.spec.projection import grid_scale_matrix, hflip_matrix, translation_matrix

Transform = tuple[np.ndarray, tuple[int, int], bool]
"""(3x3 matrix, (out_width, out_height), mirrors_x)."""


class KittiRefused(ValueError):
    """A geometric op that cannot keep KITTI calib/labels valid was used with KITTI data."""


class GeometricOp(Op):
    """Base of ops that move pixels."""

    kitti_policy: ClassVar[KittiPolicy] = "updates_calib"

    def transform(self, params: dict[str, Any], width: int, height: int) -> Transform:
        """The op's matrix, output size and whether it mirrors x."""
        raise NotImplementedError

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        if sample.kitti is not None and self.kitti_policy == "refused":
            raise KittiRefused(refusal_message(self))
        m, size, mirror = self.transform(params, sample.width, sample.height)
        table = {
            "image": lambda a: F.warp(a, m, size, nearest=False, fill=0.0),
            "instance": lambda a: F.warp(a, m, size, nearest=True, fill=0.0),
            "semantic": lambda a: F.warp(a, m, size, nearest=True, fill=0.0),
            "depth": lambda a: F.warp(a, m, size, nearest=True, fill=float("inf")),
            "normal": lambda a: F.warp(a, m, size, nearest=True, fill=0.0),
            "kitti": lambda k: transform_kitti(k, m, mirror, *size),
        }
        return sample.replace(**{name: fn(getattr(sample, name)) for name, fn in table.items()
                                 if getattr(sample, name) is not None})


def refusal_message(op: Op) -> str:
    """Why ``op`` cannot run on a dataset with KITTI export."""
    name = getattr(op, "op", type(op).__name__)
    return (f"augment op '{name}' is refused for datasets with KITTI export: it is not an "
            f"axis-aligned image transform, so no pinhole P2 can describe the new image and the "
            f"3D labels would no longer project onto it. Use hflip, crop or scale, or remove "
            f"'{name}' from the augment config (or augment a dataset rendered without kitti/).")


class HorizontalFlip(GeometricOp):
    """Mirror left-right. For KITTI the world is mirrored as well (see augment.kitti)."""

    op: Literal["hflip"] = "hflip"

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {}

    def transform(self, params: dict[str, Any], width: int, height: int) -> Transform:
        return hflip_matrix(width), (width, height), True


class Scale(GeometricOp):
    """Zoom about the image centre, keeping the image size (fill outside)."""

    op: Literal["scale"] = "scale"
    scale: bounded(0.05, 20.0) = (0.8, 1.2)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"scale": uniform(rng, self.scale)}

    def transform(self, params: dict[str, Any], width: int, height: int) -> Transform:
        return F.affine_matrix(width, height, scale=params["scale"]), (width, height), False


class Crop(GeometricOp):
    """Random crop of a fraction of each side, optionally resized back to the input size."""

    op: Literal["crop"] = "crop"
    size: bounded(0.01, 1.0) = (0.6, 0.9)
    """Crop width and height as a fraction of the input's (one draw: aspect kept)."""
    resize: bool = False
    """Resize the crop back to the input size (bilinear image, nearest labels)."""

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        frac = uniform(rng, self.size)
        cw = max(1, int(round(frac * sample.width)))
        ch = max(1, int(round(frac * sample.height)))
        return {"x0": int(rng.integers(sample.width - cw + 1)),
                "y0": int(rng.integers(sample.height - ch + 1)), "width": cw, "height": ch}

    def transform(self, params: dict[str, Any], width: int, height: int) -> Transform:
        m = translation_matrix(-params["x0"], -params["y0"])
        if not self.resize:
            return m, (params["width"], params["height"]), False
        zoom = grid_scale_matrix(width / params["width"], height / params["height"])
        return zoom @ m, (width, height), False


class Rotate(GeometricOp):
    """Rotation about the image centre, degrees counter-clockwise. Refused for KITTI."""

    op: Literal["rotate"] = "rotate"
    kitti_policy: ClassVar[KittiPolicy] = "refused"
    angle: bounded(-180.0, 180.0) = (-15.0, 15.0)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"angle": uniform(rng, self.angle)}

    def transform(self, params: dict[str, Any], width: int, height: int) -> Transform:
        return F.affine_matrix(width, height, angle_deg=params["angle"]), (width, height), False


class Affine(GeometricOp):
    """Rotation, scale, translation and shear about the centre. Refused for KITTI."""

    op: Literal["affine"] = "affine"
    kitti_policy: ClassVar[KittiPolicy] = "refused"
    angle: bounded(-180.0, 180.0) = (-10.0, 10.0)
    scale: bounded(0.05, 20.0) = (0.9, 1.1)
    translate: bounded(-1.0, 1.0) = (-0.05, 0.05)
    """Shift as a fraction of width (x) and height (y), drawn independently."""
    shear: bounded(-60.0, 60.0) = (-5.0, 5.0)
    """Shear angles (x and y drawn independently), degrees."""

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"angle": uniform(rng, self.angle), "scale": uniform(rng, self.scale),
                "translate": [uniform(rng, self.translate) * sample.width,
                              uniform(rng, self.translate) * sample.height],
                "shear": [uniform(rng, self.shear), uniform(rng, self.shear)]}

    def transform(self, params: dict[str, Any], width: int, height: int) -> Transform:
        m = F.affine_matrix(width, height, params["angle"], params["scale"],
                            tuple(params["translate"]), tuple(params["shear"]))
        return m, (width, height), False


class Perspective(GeometricOp):
    """Move each image corner by up to ``scale`` x image size. Refused for KITTI."""

    op: Literal["perspective"] = "perspective"
    kitti_policy: ClassVar[KittiPolicy] = "refused"
    scale: bounded(0.0, 0.5) = (0.02, 0.08)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        s = uniform(rng, self.scale)
        jitter = rng.uniform(-s, s, size=(4, 2)) * [sample.width, sample.height]
        return {"offsets": np.round(jitter, 4).tolist()}

    def transform(self, params: dict[str, Any], width: int, height: int) -> Transform:
        m = F.perspective_matrix(width, height, np.asarray(params["offsets"]))
        return m, (width, height), False


class Cutout(GeometricOp):
    """Paste opaque rectangles (random colour or noise) that occlude the scene.

    Covered pixels become background in the instance and semantic maps (0), no-hit in depth
    (inf) and 0 in normals, so masks, boxes and areas reflect the occlusion. KITTI images
    get the same occluders; KITTI boxes and occlusion flags are left as rendered.
    """

    op: Literal["cutout"] = "cutout"
    kitti_policy: ClassVar[KittiPolicy] = "allowed"
    count: bounded(0.0, 100.0) = (1.0, 3.0)
    size: bounded(0.0, 1.0) = (0.05, 0.2)
    """Side lengths as a fraction of the image's width / height."""
    fill: Literal["color", "noise"] = "color"

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        n = int(round(uniform(rng, self.count)))
        rects = []
        for _ in range(n):
            w = max(1, int(round(uniform(rng, self.size) * sample.width)))
            h = max(1, int(round(uniform(rng, self.size) * sample.height)))
            x0 = int(rng.integers(sample.width - w + 1))
            y0 = int(rng.integers(sample.height - h + 1))
            rects.append({"box": [x0, y0, x0 + w, y0 + h],
                          "color": rng.integers(0, 256, 3).tolist(),
                          "noise_seed": int(rng.integers(2**63))})
        return {"rects": rects}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        fills = {"instance": 0, "semantic": 0, "depth": np.inf, "normal": 0.0}
        out = {name: getattr(sample, name).copy() for name in ("image", *fills)
               if getattr(sample, name) is not None}
        for rect in params["rects"]:
            x0, y0, x1, y1 = rect["box"]
            out["image"][y0:y1, x0:x1] = self._patch(rect, y1 - y0, x1 - x0)
            for name, value in fills.items():
                if name in out:
                    out[name][y0:y1, x0:x1] = value
        return sample.replace(**out)

    def _patch(self, rect: dict[str, Any], h: int, w: int) -> np.ndarray:
        if self.fill == "color":
            return np.asarray(rect["color"], dtype=np.uint8)
        return np.random.default_rng(rect["noise_seed"]).integers(0, 256, (h, w, 3), dtype=np.uint8)


GEOMETRIC_OPS = (HorizontalFlip, Scale, Crop, Rotate, Affine, Perspective, Cutout)
