"""``synthscape status``: which frames of a dataset are done, missing or failed, per shard, and merged.

"Merged" means the last merge covered exactly the frames that are done now: merge
records the count and a digest of the merged frames' ``.done`` markers (which hold
every file's SHA-256) in ``dataset.json`` (:func:`merged_frames_record`), and status
compares it with the current done frames (:func:`merge_state`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthscape.dataset.resume import FRAME_STEM, iter_temp_files, temp_frame_index
from synthscape.dataset.sharding import shard_of
from synthscape.writers.coco import ANNOTATIONS_FILE
from synthscape.writers.dataset_json import DATASET_FILE
from synthscape.writers.layout import DONE_DIR, complete_frames, done_marker, frame_problem

MERGED_KEY = "merged_frames"
"""The ``dataset.json`` key with what the last merge covered: ``{"count": N, "sha256": ...}``."""


@dataclass(frozen=True)
class ShardStatus:
    """Frame counts of one shard (``index`` of ``num_shards``)."""

    index: int
    done: int
    missing: int
    failed: int

    @property
    def total(self) -> int:
        """Frames of the shard."""
        return self.done + self.missing + self.failed


@dataclass(frozen=True)
class DatasetStatus:
    """The state of every expected frame of a dataset.

    Attributes:
        out_dir: the dataset folder.
        frames: expected frame count (from ``run.json``).
        done: frames with a complete ``.done`` marker.
        failed: frames with files (or temp files) but no complete marker: a crashed or
            interrupted frame, or a damaged one (see ``damaged``), redone by the next run.
        missing: frames with no file at all.
        extra: complete frames outside ``0..frames-1`` (another run's leftovers).
        shards: per-shard counts (``num_shards`` entries).
        damaged: failed frames that have a marker, with why it does not hold (a file
            truncated, missing or, when verifying, with other contents; a bad marker).
    """

    out_dir: Path
    frames: int
    done: list[int]
    failed: list[int]
    missing: list[int]
    extra: list[int] = field(default_factory=list)
    shards: list[ShardStatus] = field(default_factory=list)
    damaged: dict[int, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every expected frame is done."""
        return not self.failed and not self.missing


def frames_with_files(out_dir: str | os.PathLike[str]) -> set[int]:
    """Frame indices that have any per-frame file or temp file (markers excluded)."""
    found = set()
    root = Path(out_dir)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (Path(folder) == root and d == DONE_DIR)]
        for name in files:
            stem = name.split(".", 1)[0]
            if FRAME_STEM.match(stem):
                found.add(int(stem))
    found.update(i for _path, stem in iter_temp_files(root) if (i := temp_frame_index(stem)) is not None)
    return found


def _per_shard(frames: int, num_shards: int, done: set[int], failed: set[int]) -> list[ShardStatus]:
    counts = [[0, 0, 0] for _ in range(num_shards)]
    for i in range(frames):
        slot = 0 if i in done else 2 if i in failed else 1
        counts[shard_of(i, num_shards)][slot] += 1
    return [ShardStatus(k, *c) for k, c in enumerate(counts)]


def dataset_status(out_dir: str | os.PathLike[str], frames: int, num_shards: int = 1,
                   verify: bool = False) -> DatasetStatus:
    """Classify every frame ``0..frames-1`` of ``out_dir`` as done, failed or missing.

    Args:
        out_dir: the dataset folder.
        frames: expected frame count.
        num_shards: how to group the counts (``i mod num_shards``).
        verify: compare every file's SHA-256 with its marker (reads the whole dataset);
            otherwise only sizes are compared.
    """
    marked = set(complete_frames(out_dir))
    problems = {i: frame_problem(out_dir, i, verify) for i in marked if i < frames}
    done = {i for i, problem in problems.items() if problem is None}
    damaged = {i: problem for i, problem in sorted(problems.items()) if problem is not None}
    touched = frames_with_files(out_dir) | marked
    failed = {i for i in touched if i < frames and i not in done}
    missing = sorted(set(range(frames)) - done - failed)
    return DatasetStatus(out_dir=Path(out_dir), frames=frames, done=sorted(done), failed=sorted(failed),
                         missing=missing, extra=sorted(i for i in marked if i >= frames),
                         shards=_per_shard(frames, max(1, num_shards), done, failed), damaged=damaged)


def merged_frames_record(out_dir: str | os.PathLike[str], frames: Iterable[int]) -> dict[str, Any]:
    """What a merge of ``frames`` covers: their count and a SHA-256 over their ``.done`` markers."""
    digest = hashlib.sha256()
    indices = sorted(frames)
    for index in indices:
        digest.update(f"{index}\n".encode("ascii"))
        digest.update(done_marker(out_dir, index).read_bytes())
    return {"count": len(indices), "sha256": digest.hexdigest()}


def recorded_merge(out_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``merged_frames`` record of ``dataset.json`` (None: never merged, or unreadable)."""
    try:
        record = json.loads((Path(out_dir) / DATASET_FILE).read_text("utf-8")).get(MERGED_KEY)
    except (OSError, ValueError, AttributeError):
        return None
    return record if isinstance(record, dict) else None


def merge_state(state: DatasetStatus) -> str:
    """``"yes"`` when the last merge covered exactly the done frames, ``"stale"`` when it covered
    others (or its annotations are gone), ``"no"`` when the dataset was never merged."""
    recorded = recorded_merge(state.out_dir)
    if recorded is None:
        return "no"
    if not (state.out_dir / ANNOTATIONS_FILE).is_file():
        return "stale"
    try:
        current = merged_frames_record(state.out_dir, state.done)
    except OSError:  # a marker vanished meanwhile (a frame being redone)
        return "stale"
    return "yes" if recorded == current else "stale"


def format_ranges(indices: Iterable[int], limit: int = 12) -> str:
    """``0-4,7,9-10`` for [0,1,2,3,4,7,9,10]; at most ``limit`` ranges then ``...``."""
    ranges: list[list[int]] = []
    for i in sorted(indices):
        if ranges and i == ranges[-1][1] + 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    text = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:limit]]
    return ",".join(text) + (",..." if len(ranges) > limit else "")


class MarkerWatcher:
    """Reports progress from the ``.done`` markers other processes write (workers, Ray tasks).

    Args:
        out_dir: the dataset folder (shared with the workers).
        todo: frames still to render when the watch starts.
        progress: called once per newly completed frame with (done, todo, frame index).
    """

    def __init__(self, out_dir: str | os.PathLike[str], todo: int, progress: Callable[[int, int, int], None] | None):
        self.out_dir, self.todo, self.progress = out_dir, todo, progress
        self.seen = set(complete_frames(out_dir))
        self.new = 0

    def poll(self) -> int:
        """Look for new markers, report them; returns the frames completed since the start."""
        for index in sorted(set(complete_frames(self.out_dir)) - self.seen):
            self.seen.add(index)
            self.new += 1
            if self.progress is not None:
                self.progress(min(self.new, self.todo), self.todo, index)
        return self.new
