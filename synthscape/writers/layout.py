"""Dataset layout: per-frame file names and the ``.done`` completion markers.

See ``docs/architecture.md`` (Dataset layout). Every per-frame file is
``DIR/<folder>/NNNNNN.<ext>`` with ``NNNNNN`` the zero-padded 6-digit frame index.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from synthscape.io.atomic import write_text_atomic

DONE_DIR = ".done"


def frame_name(frame_index: int) -> str:
    """The 6-digit zero-padded stem of a frame's files, e.g. ``000042``."""
    if frame_index < 0:
        raise ValueError(f"frame index must be >= 0, got {frame_index}")
    return f"{frame_index:06d}"


def frame_file(out_dir: str | os.PathLike[str], folder: str, frame_index: int, suffix: str) -> Path:
    """``out_dir/folder/NNNNNN.suffix`` (``suffix`` without the dot, may contain folders in ``folder``)."""
    return Path(out_dir) / folder / f"{frame_name(frame_index)}.{suffix}"


def relative(out_dir: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """``path`` relative to ``out_dir`` in POSIX form (``rgb/000000.png``)."""
    return Path(path).relative_to(Path(out_dir)).as_posix()


def done_marker(out_dir: str | os.PathLike[str], frame_index: int) -> Path:
    """The completion marker ``out_dir/.done/NNNNNN`` of a frame."""
    return Path(out_dir) / DONE_DIR / frame_name(frame_index)


def write_done_marker(out_dir: str | os.PathLike[str], frame_index: int,
                      files: Sequence[str | os.PathLike[str]]) -> Path:
    """Atomically write a frame's marker: the sorted relative paths of its files, one per line."""
    lines = sorted({relative(out_dir, f) for f in files})
    return write_text_atomic(done_marker(out_dir, frame_index), "".join(f"{line}\n" for line in lines))


def marker_files(out_dir: str | os.PathLike[str], frame_index: int) -> list[str]:
    """The relative paths listed in a frame's marker ([] when there is no marker)."""
    marker = done_marker(out_dir, frame_index)
    if not marker.is_file():
        return []
    return [line for line in marker.read_text("utf-8").splitlines() if line]


def frame_is_complete(out_dir: str | os.PathLike[str], frame_index: int) -> bool:
    """True when the frame's ``.done`` marker exists and every file it lists exists."""
    marker = done_marker(out_dir, frame_index)
    if not marker.is_file():
        return False
    return all((Path(out_dir) / name).is_file() for name in marker_files(out_dir, frame_index))


def complete_frames(out_dir: str | os.PathLike[str]) -> list[int]:
    """Sorted indices of the frames that have a ``.done`` marker (files not re-checked)."""
    folder = Path(out_dir) / DONE_DIR
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit() and len(p.name) == 6)
