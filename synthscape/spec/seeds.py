"""Per-stage random streams: each randomizer stage draws from its own child seed.

Frame ``i`` of a dataset with seed ``S`` has the root entropy ``[S, i]``. Stage ``name``
draws from ``SeedSequence([S, i, stage_word(name)])``, a stream that depends only on the
seed, the frame and the stage's *name*, never on which other stages exist or in what
order they ran. Adding a stage or an option to one stage therefore leaves every other
stage's draws unchanged.
"""

from __future__ import annotations

import hashlib

import numpy as np

STAGES = ("camera", "objects", "materials", "lights", "world", "ground", "sensors", "textures")
"""The sampler's stages (any other name works too; these are the ones the sampler uses)."""


def stage_word(name: str) -> int:
    """A stable 32-bit word for a stage name (first 4 bytes of its SHA-256)."""
    if not name:
        raise ValueError("a stage needs a non-empty name")
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "little")


def stage_seed(dataset_seed: int, frame_index: int, stage: str, *extra: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of one stage of one frame (``extra`` words refine it, e.g. a sequence step)."""
    return np.random.SeedSequence([int(dataset_seed), int(frame_index), stage_word(stage), *map(int, extra)])


def stage_rng(dataset_seed: int, frame_index: int, stage: str, *extra: int) -> np.random.Generator:
    """The generator of one stage of one frame; see :func:`stage_seed`."""
    return np.random.default_rng(stage_seed(dataset_seed, frame_index, stage, *extra))
