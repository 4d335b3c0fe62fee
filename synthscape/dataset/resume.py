"""Crash-safe resume: find and remove the temporary files a killed run left behind.

Every file of a frame is written to ``.<stem>.<random>.tmp<suffix>`` next to its
final name and renamed into place (:mod:`synthscape.io.atomic`); a frame's ``.done``
marker is written last. A process killed with SIGKILL can therefore leave temp
files, and frame files without a marker, but never a half-written final file. The
next run removes the temp files of its own frames and redoes every frame without a
complete marker.

Shards of one dataset may run at the same time on a shared volume, so a shard only
removes temp files of *its own* frames; temp files of dataset-level files
(``run.json``, ``coco/annotations.json``...) are removed only by an unsharded run or
by merge, when no other process writes.

A frame also counts as unfinished when a file listed in its marker was truncated or
emptied since (:func:`synthscape.writers.layout.frame_problem`): the rerun logs which
file and redoes the frame (:func:`synthscape.writers.layout.frames_to_render`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from synthscape.writers.layout import DONE_DIR

TEMP_NAME = re.compile(r"^\.(?P<stem>.+)\.[A-Za-z0-9_]{8}\.tmp(?:\.[^/]*)?$")
"""Names made by ``tempfile.mkstemp(prefix=".<stem>.", suffix=".tmp<suffix>")``."""
FRAME_STEM = re.compile(r"^\d{6}$")
MERGED_FILES = ("coco/annotations.json", "dataset.json", "kitti/ImageSets")
"""Dataset-level files a merge writes (a folder: every ``.txt`` in it)."""
KEPT_NAMES = frozenset({"run.json", ".lock", ".locks"})


def temp_stem(name: str) -> str | None:
    """The final file's stem of a temp file name (``.000012.ab_cd123.tmp.png`` -> ``000012``), else None."""
    match = TEMP_NAME.match(name)
    return match.group("stem") if match else None


def iter_temp_files(out_dir: str | os.PathLike[str]) -> Iterator[tuple[Path, str]]:
    """Every temp file under ``out_dir`` with the stem of the file it was to become."""
    for root, _dirs, files in os.walk(out_dir):
        for name in files:
            stem = temp_stem(name)
            if stem is not None:
                yield Path(root) / name, stem


def temp_frame_index(stem: str) -> int | None:
    """The frame index of a per-frame temp file's stem, None for dataset-level files."""
    return int(stem) if FRAME_STEM.match(stem) else None


def clean_stale_temp_files(out_dir: str | os.PathLike[str],
                           owns: Callable[[int | None], bool] | None = None) -> list[Path]:
    """Remove temp files left by a killed run.

    Args:
        out_dir: the dataset folder.
        owns: which temp files this process may remove, called with the frame index
            (None for dataset-level files); see :func:`shard_owns`. None: this process
            is the only writer, so every temp file goes.

    Returns:
        The removed paths, sorted.
    """
    removed = []
    for path, stem in iter_temp_files(out_dir):
        index = temp_frame_index(stem)
        if owns is None or owns(index):
            try:
                path.unlink()
            except FileNotFoundError:  # renamed by its writer meanwhile
                continue
            removed.append(path)
    return sorted(removed)


def shard_owns(shard_index: int, num_shards: int) -> Callable[[int | None], bool]:
    """The ``owns`` predicate of a shard: its own frames' temp files only."""
    return lambda index: index is not None and index % num_shards == shard_index


def dataset_level_only(index: int | None) -> bool:
    """The ``owns`` predicate of merge: temp files of dataset-level files only."""
    return index is None


def _is_frame_file(name: str) -> bool:
    return bool(FRAME_STEM.match(name.split(".", 1)[0])) or temp_stem(name) is not None


def clean_failed_attempt(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Remove what a run that finished no frame left: unfinished frame files, markers, temp files, merges.

    Only names of the dataset layout go (``NNNNNN.*`` frame files, temp files,
    ``.done/*``, merged files); ``run.json`` and the locks stay. Call it only when no
    frame of ``out_dir`` is complete and no other run writes into it.

    Returns:
        The removed paths, sorted.
    """
    root = Path(out_dir)
    removed = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if here == root:
            dirs[:] = [d for d in dirs if d not in KEPT_NAMES]
        for name in files:
            if (here == root and name in KEPT_NAMES) or not (_is_frame_file(name) or here == root / DONE_DIR):
                continue
            removed.append(here / name)
    for name in MERGED_FILES:
        path = root / name
        removed.extend(sorted(path.glob("*.txt")) if path.is_dir() else [path] if path.is_file() else [])
    for path in removed:
        path.unlink(missing_ok=True)
    return sorted(removed)
