"""Photometric ops: change pixel values only, so every label stays valid (KITTI included)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from synthscape.augment import functional as F
from synthscape.augment.base import ImageOp, Sample, bounded, uniform


class Brightness(ImageOp):
    """Add a shift of ``limit`` x 255 to every channel."""

    op: Literal["brightness"] = "brightness"
    limit: bounded(-1.0, 1.0) = (-0.2, 0.2)
    """Range of the shift, fraction of full scale."""

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"shift": uniform(rng, self.limit)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.brightness(image, params["shift"])


class Contrast(ImageOp):
    """Scale distances from the mean grey level by a factor."""

    op: Literal["contrast"] = "contrast"
    factor: bounded(0.0, 10.0) = (0.8, 1.2)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"factor": uniform(rng, self.factor)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.contrast(image, params["factor"])


class BrightnessContrast(ImageOp):
    """Brightness and contrast in one table lookup."""

    op: Literal["brightness_contrast"] = "brightness_contrast"
    brightness: bounded(-1.0, 1.0) = (-0.2, 0.2)
    contrast: bounded(0.0, 10.0) = (0.8, 1.2)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"shift": uniform(rng, self.brightness), "factor": uniform(rng, self.contrast)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.brightness_contrast(image, params["shift"], params["factor"])


class Gamma(ImageOp):
    """``out = 255 (in / 255) ** gamma``."""

    op: Literal["gamma"] = "gamma"
    gamma: bounded(0.05, 20.0) = (0.8, 1.25)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"gamma": uniform(rng, self.gamma)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.gamma(image, params["gamma"])


class HueSaturation(ImageOp):
    """Rotate hue (degrees) and scale saturation and value (HSV)."""

    op: Literal["hue_saturation"] = "hue_saturation"
    hue: bounded(-180.0, 180.0) = (-10.0, 10.0)
    saturation: bounded(0.0, 10.0) = (0.8, 1.2)
    value: bounded(0.0, 10.0) = (1.0, 1.0)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"hue": uniform(rng, self.hue), "saturation": uniform(rng, self.saturation),
                "value": uniform(rng, self.value)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.hue_saturation(image, params["hue"], params["saturation"], params["value"])


class ColorJitter(ImageOp):
    """torchvision-style colour jitter: brightness and contrast factors, then saturation and
    hue (fixed order, so the record reproduces it)."""

    op: Literal["color_jitter"] = "color_jitter"
    brightness: bounded(0.0, 10.0) = (0.8, 1.2)
    contrast: bounded(0.0, 10.0) = (0.8, 1.2)
    saturation: bounded(0.0, 10.0) = (0.8, 1.2)
    hue: bounded(-180.0, 180.0) = (-18.0, 18.0)
    """Hue shift range, degrees."""

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {k: uniform(rng, getattr(self, k))
                for k in ("brightness", "contrast", "saturation", "hue")}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        levels = np.arange(256, dtype=np.float32) * params["brightness"]
        mean = F.mean_gray(image) * params["brightness"]
        out = F.apply_lut(image, mean + (levels - mean) * params["contrast"])
        return F.hue_saturation(out, params["hue"], params["saturation"])


class ChannelGain(ImageOp):
    """Multiply R, G and B by independent gains (white-balance error)."""

    op: Literal["channel_gain"] = "channel_gain"
    gain: bounded(0.0, 10.0) = (0.9, 1.1)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"gains": [uniform(rng, self.gain) for _ in range(3)]}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.channel_gain(image, tuple(params["gains"]))


class GaussianNoise(ImageOp):
    """Additive Gaussian sensor noise, sigma in 0..255 units, per pixel and channel."""

    op: Literal["gaussian_noise"] = "gaussian_noise"
    sigma: bounded(0.0, 255.0) = (2.0, 8.0)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"sigma": uniform(rng, self.sigma), "noise_seed": int(rng.integers(2**63))}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        noise_rng = np.random.default_rng(params["noise_seed"])
        noise = noise_rng.standard_normal(image.shape, dtype=np.float32) * params["sigma"]
        return F.gaussian_noise(image, noise)


class PoissonNoise(ImageOp):
    """Shot noise: the image is ``Poisson(in / 255 * photons) / photons``."""

    op: Literal["poisson_noise"] = "poisson_noise"
    photons: bounded(1.0, 1e6) = (50.0, 500.0)
    """Full-scale photon count range; fewer photons = more noise."""

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"photons": uniform(rng, self.photons), "noise_seed": int(rng.integers(2**63))}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        noise_rng = np.random.default_rng(params["noise_seed"])
        lam = image.astype(np.float64) * (params["photons"] / 255.0)
        return F.poisson_noise(image, noise_rng.poisson(lam), params["photons"])


class GaussianBlur(ImageOp):
    """Gaussian blur, sigma in pixels."""

    op: Literal["gaussian_blur"] = "gaussian_blur"
    sigma: bounded(0.0, 50.0) = (0.5, 1.5)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"sigma": uniform(rng, self.sigma)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.gaussian_blur(image, params["sigma"])


class MotionBlur(ImageOp):
    """Linear motion blur: an odd kernel length in pixels and a direction in degrees."""

    op: Literal["motion_blur"] = "motion_blur"
    length: bounded(1.0, 101.0) = (3.0, 9.0)
    angle: bounded(-180.0, 180.0) = (-180.0, 180.0)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        length = int(round(uniform(rng, self.length))) | 1
        return {"length": length, "angle": uniform(rng, self.angle)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.motion_blur(image, params["length"], params["angle"])


class Jpeg(ImageOp):
    """JPEG re-compression artefacts at a quality drawn from ``quality``."""

    op: Literal["jpeg"] = "jpeg"
    quality: bounded(1.0, 100.0) = (30.0, 90.0)

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"quality": int(round(uniform(rng, self.quality)))}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.jpeg(image, params["quality"])


class Vignette(ImageOp):
    """Radial darkening towards the corners."""

    op: Literal["vignette"] = "vignette"
    strength: bounded(0.0, 1.0) = (0.2, 0.5)
    """Darkening at the corners, fraction."""
    radius: bounded(0.05, 10.0) = (1.0, 1.5)
    """Radius (1 = corner distance) at which the full strength is reached."""

    def draw(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        return {"strength": uniform(rng, self.strength), "radius": uniform(rng, self.radius)}

    def apply_image(self, image: np.ndarray, params: dict[str, Any], sample: Sample) -> np.ndarray:
        return F.vignette(image, params["strength"], params["radius"])


PHOTOMETRIC_OPS = (Brightness, Contrast, BrightnessContrast, Gamma, HueSaturation, ColorJitter,
                   ChannelGain, GaussianNoise, PoissonNoise, GaussianBlur, MotionBlur, Jpeg,
                   Vignette)
