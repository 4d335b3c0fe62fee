"""Background ops: use the instance map (background = instance 0) to change only the
background pixels; labels, depth and KITTI files stay valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal



class _LazyCv2:
    """OpenCV imported on first use: Blender ships no cv2, and recipes only need the op tables."""

    def __getattr__(self, name: str) -> object:
        import cv2

        return getattr(cv2, name)


cv2 = _LazyCv2()
import numpy as np
from pydantic import field_validator

from synthscape.augment import functional as F
from synthscape.augment.base import ImageOp, Sample, bounded, uniform

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


class BackgroundNoise(ImageOp):
    """Blend a smooth random colour-noise texture into the background only."""

    op: Literal["background_noise"] = "background_noise"
    alpha: bounded(0.0, 1.0) = (0.2, 0.6)
    """Blend weight of the noise over background pixels."""
    grid: bounded(2.0, 256.0) = (4.0, 16.0)
    """Cells of the random grid across the shorter side (smaller = blotchier)."""

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"alpha": uniform(rng, self.alpha), "grid": int(round(uniform(rng, self.grid))),
                "noise_seed": int(rng.integers(2**63))}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        h, w = image.shape[:2]
        cells = params["grid"]
        gh = max(2, int(round(cells * h / min(h, w))))
        gw = max(2, int(round(cells * w / min(h, w))))
        grid = np.random.default_rng(params["noise_seed"]).integers(0, 256, (gh, gw, 3),
                                                                     dtype=np.uint8)
        texture = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        return F.blend_background(image, texture, params["alpha"], sample.instance)


class BackgroundImage(ImageOp):
    """Replace the background with an image from a folder (cut-and-paste compositing).

    The object layer's alpha is the object mask (instance != 0) softened by a Gaussian of
    ``feather`` pixels, so object edges blend into the new background.
    """

    op: Literal["background_image"] = "background_image"
    folder: str
    """Folder of background images (png/jpg/...), picked uniformly; sorted for determinism."""
    feather: bounded(0.0, 50.0) = (0.5, 1.5)
    """Edge-softening sigma, pixels (0 = hard cut)."""

    @field_validator("folder")
    @classmethod
    def _folder_has_images(cls, value: str) -> str:
        folder = Path(value).expanduser()
        if not folder.is_dir():
            raise ValueError(f"folder {value!r} does not exist; give a folder of images")
        if not _list_images(folder):
            raise ValueError(f"folder {value!r} has no {'/'.join(IMAGE_SUFFIXES)} images")
        return str(folder.resolve())

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        files = _list_images(Path(self.folder))
        return {"file": files[int(rng.integers(len(files)))].name,
                "feather": uniform(rng, self.feather)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        h, w = image.shape[:2]
        back = cv2.imread(str(Path(self.folder) / params["file"]), cv2.IMREAD_COLOR)
        if back is None:
            raise ValueError(f"background_image: cannot read {params['file']} in {self.folder}")
        back = F.cover_resize(cv2.cvtColor(back, cv2.COLOR_BGR2RGB), h, w)
        obj = (sample.instance != 0).astype(np.float32)
        if params["feather"] > 0:
            obj = F.gaussian_blur(obj, params["feather"])
        return F.blend_where(back, image, obj)


def _list_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


BACKGROUND_OPS = (BackgroundNoise, BackgroundImage)
