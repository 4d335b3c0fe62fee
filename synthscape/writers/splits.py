"""Deterministic train/val splits of frame indices, shared by the KITTI and YOLO exports."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SPLIT_SEED_KEY = 0x4B17
"""Second word of the split's ``SeedSequence`` (after the dataset seed)."""


def split_train_val(frame_indices: Sequence[int], val_fraction: float = 0.2,
                    seed: int = 0) -> tuple[list[int], list[int]]:
    """Deterministic train/val split of frame indices (sorted lists).

    ``round(val_fraction * n)`` frames go to val, chosen by a permutation seeded with
    ``SeedSequence([seed, 0x4B17])``: the split depends only on the frames and the seed.
    """
    if not 0.0 <= val_fraction <= 1.0:
        raise ValueError(f"val_fraction must be in [0, 1], got {val_fraction}")
    frames = np.array(sorted(set(int(i) for i in frame_indices)), dtype=np.int64)
    n_val = int(round(val_fraction * len(frames)))
    perm = np.random.default_rng(np.random.SeedSequence([seed, SPLIT_SEED_KEY])).permutation(len(frames))
    val = sorted(frames[perm[:n_val]].tolist())
    return sorted(set(frames.tolist()) - set(val)), val
