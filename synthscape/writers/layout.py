"""Dataset layout: per-frame file names and the ``.done`` completion markers.

See ``docs/architecture.md`` (Dataset layout). Every per-frame file is
``DIR/<folder>/NNNNNN.<ext>`` with ``NNNNNN`` the zero-padded 6-digit frame index.

A frame's marker ``.done/NNNNNN`` is written last, after every file of the frame has
been renamed into place. It is JSON: ``{"schema_version": 1, "frame": N, "files":
[{"path": "rgb/NNNNNN.png", "size": ..., "sha256": ...}, ...]}``. A frame counts as
complete only when its marker parses and every file it lists has the recorded size
(and, when verifying, the recorded SHA-256): a truncated or emptied file, or an
empty or unparsable marker, makes the frame unfinished, so the next run redoes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from synthscape.io.atomic import write_text_atomic

log = logging.getLogger("synthscape.writers.layout")

DONE_DIR = ".done"
CAMERAS_DIR = "cameras"
"""Folder of a rig's further cameras: ``cameras/NAME/rgb/...`` (the main camera's files are at the root)."""
MARKER_SCHEMA_VERSION = 1
HASH_BLOCK = 1 << 20


def frame_name(frame_index: int) -> str:
    """The 6-digit zero-padded stem of a frame's files, e.g. ``000042``."""
    if frame_index < 0:
        raise ValueError(f"frame index must be >= 0, got {frame_index}")
    return f"{frame_index:06d}"


def frame_file(out_dir: str | os.PathLike[str], folder: str, frame_index: int, suffix: str) -> Path:
    """``out_dir/folder/NNNNNN.suffix`` (``suffix`` without the dot, may contain folders in ``folder``)."""
    return Path(out_dir) / folder / f"{frame_name(frame_index)}.{suffix}"


def camera_dir(out_dir: str | os.PathLike[str], camera: str, main_camera: str) -> Path:
    """Where a camera's per-camera files go: ``out_dir`` for the main camera, else ``out_dir/cameras/NAME``."""
    return Path(out_dir) if camera == main_camera else Path(out_dir) / CAMERAS_DIR / camera


def relative(out_dir: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """``path`` relative to ``out_dir`` in POSIX form (``rgb/000000.png``)."""
    return Path(path).relative_to(Path(out_dir)).as_posix()


def done_marker(out_dir: str | os.PathLike[str], frame_index: int) -> Path:
    """The completion marker ``out_dir/.done/NNNNNN`` of a frame."""
    return Path(out_dir) / DONE_DIR / frame_name(frame_index)


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def marker_entry(out_dir: str | os.PathLike[str], path: str | os.PathLike[str]) -> dict[str, Any]:
    """``{"path", "size", "sha256"}`` of one frame file, as recorded in its marker."""
    return {"path": relative(out_dir, path), "size": Path(path).stat().st_size, "sha256": file_digest(path)}


def write_marker(out_dir: str | os.PathLike[str], marker: Path, identity: dict[str, Any],
                 files: Sequence[str | os.PathLike[str]]) -> Path:
    """Atomically write a completion marker: JSON of ``identity`` (e.g. ``{"frame": 3}``) and each
    file's relative path, size and SHA-256. Call it last, once every file is renamed into place."""
    entries = {relative(out_dir, f): marker_entry(out_dir, f) for f in files}
    record = {"schema_version": MARKER_SCHEMA_VERSION, **identity,
              "files": [entries[name] for name in sorted(entries)]}
    return write_text_atomic(marker, json.dumps(record, sort_keys=True) + "\n")


def read_marker_at(marker: Path, identity: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The file entries of a marker; None when it is missing, unparsable or not of ``identity``."""
    try:
        record = json.loads(marker.read_text("utf-8"))
        files = record["files"]
        if any(record[key] != value for key, value in identity.items()) or not isinstance(files, list):
            return None
        for entry in files:
            if not (isinstance(entry["path"], str) and isinstance(entry["size"], int)
                    and isinstance(entry["sha256"], str)):
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files


def write_done_marker(out_dir: str | os.PathLike[str], frame_index: int,
                      files: Sequence[str | os.PathLike[str]]) -> Path:
    """Atomically write a frame's marker (:func:`write_marker`); call it last."""
    return write_marker(out_dir, done_marker(out_dir, frame_index), {"frame": frame_index}, files)


def read_marker(out_dir: str | os.PathLike[str], frame_index: int) -> list[dict[str, Any]] | None:
    """The file entries of a frame's marker; None when it is missing, empty, unparsable or of another frame."""
    return read_marker_at(done_marker(out_dir, frame_index), {"frame": frame_index})


def files_problem(out_dir: str | os.PathLike[str], entries: list[dict[str, Any]], verify: bool = False) -> str | None:
    """Why the files a marker lists do not match it (missing, other size, other SHA-256), or None."""
    for entry in entries:
        path = Path(out_dir) / entry["path"]
        try:
            size = path.stat().st_size
        except OSError:
            return f"{entry['path']}: missing"
        if size != entry["size"]:
            return f"{entry['path']}: {size} bytes, its marker says {entry['size']}"
        if verify and file_digest(path) != entry["sha256"]:
            return f"{entry['path']}: contents differ from its marker (SHA-256)"
    return None


def marker_files(out_dir: str | os.PathLike[str], frame_index: int) -> list[str]:
    """The relative paths listed in a frame's marker ([] when there is no valid marker)."""
    return [entry["path"] for entry in read_marker(out_dir, frame_index) or []]


def frame_problem(out_dir: str | os.PathLike[str], frame_index: int, verify: bool = False) -> str | None:
    """Why a frame does not count as complete, or None when it does.

    Checks that the marker is valid and that every file it lists exists with the
    recorded size (cheap: one ``stat`` per file); with ``verify`` also the SHA-256.
    """
    entries = read_marker(out_dir, frame_index)
    if entries is None:
        marker = done_marker(out_dir, frame_index)
        return f"{relative(out_dir, marker)}: " + ("unreadable or not a valid marker" if marker.exists()
                                                   else "no marker")
    return files_problem(out_dir, entries, verify)


def frame_is_complete(out_dir: str | os.PathLike[str], frame_index: int, verify: bool = False) -> bool:
    """True when the frame's ``.done`` marker is valid and every file it lists matches it.

    Sizes are always compared; with ``verify`` the SHA-256 of every file as well.
    """
    return frame_problem(out_dir, frame_index, verify) is None


def complete_frames(out_dir: str | os.PathLike[str]) -> list[int]:
    """Sorted indices of the frames that have a ``.done`` marker (neither it nor the files re-checked).

    Cheap (one directory listing), for progress; use :func:`frame_is_complete` to trust a frame.
    """
    folder = Path(out_dir) / DONE_DIR
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit() and len(p.name) == 6)


def copy_stem(frame_index: int, copy: int) -> str:
    """Stem of copy ``copy`` of a frame in an augmented dataset: ``NNNNNN_kK``."""
    if copy < 0:
        raise ValueError(f"copy index must be >= 0, got {copy}")
    return f"{frame_name(frame_index)}_k{copy}"


def stem_file(out_dir: str | os.PathLike[str], folder: str, stem: str, suffix: str) -> Path:
    """``out_dir/folder/<stem>.suffix``: :func:`frame_file` for any file stem."""
    return Path(out_dir) / folder / f"{stem}.{suffix}"


def frames_to_render(out_dir: str | os.PathLike[str], indices: Iterable[int]) -> list[int]:
    """The frames of ``indices`` that are not complete; logs why each marked frame is redone."""
    todo = []
    for index in indices:
        problem = frame_problem(out_dir, index)
        if problem is None:
            continue
        if done_marker(out_dir, index).exists():
            log.warning("frame %d is redone: %s", index, problem)
        todo.append(index)
    return todo
