"""Crash-safe augment runs: the run record, per-copy markers and resume.

``augment_run.json`` in the output folder records what defines the augmented dataset (the
source folder, copies, seed, whether KITTI is written, the hash of the resolved augment
config); it has no timestamps, so reruns write the same bytes. A rerun with the same
parameters resumes: copies whose ``.done/NNNNNN_kK`` marker is valid are kept, the rest are
redone, temp files of the killed run are removed. A rerun with other parameters into the
folder, or any run into a non-empty folder without a record, is refused.

A copy's marker is JSON in the layout of the render's frame markers
(:mod:`synthscape.writers.layout`): every file of the copy with its size and SHA-256; a copy
counts as done when the marker parses and each file has the recorded size.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from synthscape.augment.base import AugmentError
from synthscape.dataset.lock import LOCKS_DIR, SETUP_LOCK
from synthscape.dataset.resume import clean_stale_temp_files
from synthscape.io.atomic import write_text_atomic
from synthscape.writers.layout import DONE_DIR, files_problem, read_marker_at, write_marker

RUN_FILE = "augment_run.json"
RUN_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class AugmentRun:
    """The parameters that define an augmented dataset.

    Attributes:
        source: the source dataset folder (resolved).
        copies: copies per frame.
        seed: augmentation seed.
        kitti: whether ``kitti/`` is written.
        config_sha256: SHA-256 of the canonical JSON of the resolved augment config.
    """

    source: str
    copies: int
    seed: int
    kitti: bool
    config_sha256: str


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a resolved augment config."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
        return {key: data[key] for key in AugmentRun.__dataclass_fields__}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AugmentError(f"{path}: unreadable augment record ({type(error).__name__}); delete "
                           "the output folder and rerun augment") from None


def check_output(dst: Path, run: AugmentRun) -> None:
    """Refuse ``dst`` when it holds something else than an augment run of these parameters.

    Raises:
        AugmentError: ``dst`` is not empty and holds no record, or a record of other
            parameters (naming what differs).
    """
    record = dst / RUN_FILE
    if record.is_file():
        old, new = _read_record(record), asdict(run)
        changed = [k for k in new if old[k] != new[k]]
        if changed:
            detail = ", ".join("the augment config changed" if k == "config_sha256"
                               else f"{k}: {old[k]!r} -> {new[k]!r}" for k in changed)
            raise AugmentError(f"{record}: this folder holds an augment run with other "
                               f"parameters ({detail}); use a new --out folder, or rerun with "
                               "the original options to resume it")
    elif dst.exists() and any(p.name not in (SETUP_LOCK, LOCKS_DIR) for p in dst.iterdir()):
        raise AugmentError(f"{dst}: output folder is not empty and holds no {RUN_FILE} of an "
                           "augment run to resume; choose a new folder")


def prepare_output(dst: Path, run: AugmentRun, config: dict[str, Any]) -> None:
    """Check ``dst`` against ``run`` (:func:`check_output`), write the record, remove a killed run's temp files.

    Call it while holding the folder (:func:`synthscape.dataset.lock.hold_output_lock`).
    """
    check_output(dst, run)
    data = dict(asdict(run), schema_version=RUN_SCHEMA_VERSION, config=config)
    write_text_atomic(dst / RUN_FILE, json.dumps(data, sort_keys=True, indent=2) + "\n")
    clean_stale_temp_files(dst)


def marker_path(dst: Path, stem: str) -> Path:
    """The marker ``dst/.done/<stem>`` of a copy."""
    return dst / DONE_DIR / stem


def write_copy_marker(dst: Path, stem: str, files: Sequence[Path]) -> Path:
    """Atomically write a copy's marker listing its files' paths, sizes and SHA-256; call last."""
    return write_marker(dst, marker_path(dst, stem), {"stem": stem}, files)


def copy_is_done(dst: Path, stem: str) -> bool:
    """True when the copy's marker parses, names this copy and every file has its size."""
    entries = read_marker_at(marker_path(dst, stem), {"stem": stem})
    return bool(entries) and files_problem(dst, entries) is None
