"""Images/s of synthscape.augment vs albumentations 2.0.8 on the same ops, at 640x480.

Pipeline: brightness/contrast, colour jitter, Gaussian blur, perspective warp, background
noise blend; targets: the RGB image plus instance and semantic maps (uint16) and depth
(float32), all warped by the perspective op (nearest for the maps and depth).

albumentations has no "blend noise into the background only" transform; its pipeline uses
``GaussNoise`` over the whole image as the closest built-in, so the script also reports the
four ops both libraries share. albumentations (MIT, 2.0.8) is needed only here:
``pip install albumentations==2.0.8``.

Usage: python bench/bench_augment.py [--images 200] [--threads 1]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import cv2
import numpy as np

from synthscape.augment import Compose, Sample, parse_augment

WIDTH, HEIGHT = 640, 480
OURS = [
    {"op": "brightness_contrast", "brightness": [-0.2, 0.2], "contrast": [0.8, 1.2]},
    {"op": "color_jitter", "brightness": [0.8, 1.2], "contrast": [0.8, 1.2],
     "saturation": [0.8, 1.2], "hue": [-18, 18]},
    {"op": "gaussian_blur", "sigma": [0.5, 1.5]},
    {"op": "perspective", "scale": [0.02, 0.08]},
    {"op": "background_noise", "alpha": [0.2, 0.6]},
]


def make_sample(seed: int = 0) -> Sample:
    """A 640x480 frame with ten elliptical instances, semantic map and depth."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    image = cv2.GaussianBlur(image, (9, 9), 3)
    inst = np.zeros((HEIGHT, WIDTH), np.uint16)
    for i in range(1, 11):
        center = (int(rng.integers(WIDTH)), int(rng.integers(HEIGHT)))
        axes = (int(rng.integers(20, 90)), int(rng.integers(20, 90)))
        cv2.ellipse(inst, center, axes, 0, 0, 360, int(i), -1)
    depth = np.where(inst > 0, 2.0 + inst, np.inf).astype(np.float32)
    return Sample(image, inst, (inst % 3 + (inst > 0)).astype(np.uint16), depth)


def ours(ops: list[dict]) -> Callable[[Sample, np.random.Generator], object]:
    """The synthscape pipeline as a callable."""
    compose = Compose(parse_augment({"ops": ops}))
    return lambda sample, rng: compose(sample, rng)


def albumentations(with_noise: bool) -> Callable[[Sample, np.random.Generator], object]:
    """The same ops in albumentations 2.0.8 (GaussNoise stands in for the background blend)."""
    import albumentations as A

    ops = [A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=1.0),
           A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.05, p=1.0),
           A.GaussianBlur(sigma_limit=(0.5, 1.5), blur_limit=0, p=1.0),
           A.Perspective(scale=(0.02, 0.08), keep_size=True, p=1.0)]
    if with_noise:
        ops.append(A.GaussNoise(std_range=(0.05, 0.15), p=1.0))
    compose = A.Compose(ops, seed=0)
    return lambda s, rng: compose(image=s.image, masks=[s.instance, s.semantic, s.depth])


def images_per_second(fn: Callable, sample: Sample, n: int) -> float:
    """Run ``fn`` ``n`` times (after 5 warm-up calls); returns images per second."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        fn(sample, rng)
    start = time.perf_counter()
    for _ in range(n):
        fn(sample, rng)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="cv2.setNumThreads for both")
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    sample = make_sample()
    try:
        import albumentations as A
        version = A.__version__
    except ImportError:
        version = None
    print(f"{WIDTH}x{HEIGHT}, {args.images} images, cv2 threads={args.threads}, "
          f"albumentations={version}")
    rows = [("5 ops (background noise blend)", ours(OURS), lambda: albumentations(True)),
            ("4 shared ops (no noise)", ours(OURS[:4]), lambda: albumentations(False))]
    for label, mine, theirs in rows:
        ours_ips = images_per_second(mine, sample, args.images)
        line = f"{label:34s} synthscape {ours_ips:7.1f} img/s"
        if version is not None:
            theirs_ips = images_per_second(theirs(), sample, args.images)
            line += f" | albumentations {theirs_ips:7.1f} img/s | ratio {ours_ips / theirs_ips:.2f}"
        print(line)


if __name__ == "__main__":
    main()
