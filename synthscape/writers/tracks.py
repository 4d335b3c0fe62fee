"""What the tracking formats share: track ids, per-frame records and reading a dataset by sequence.

Track id = the object's instance id (``ObjectSpec.instance_id``): the sequence sampler keeps an
object's id over its whole sequence. The tracking formats (``kitti_tracking``, ``mot``,
``coco_video``) do not take that on trust: every frame's record holds each object's *identity*
(category, shape, mesh file, scale, bounds: what a rigid object never changes), and the
sequence-level step (``finalize``, run by ``synthscape merge``) refuses a sequence in which one
id names two different objects.

Per-frame records are small JSON files written with the frame (listed in its ``.done``
marker); the finalize steps stream them one frame at a time, sequence by sequence, so a
resumed, sharded or merged run gives the same files and memory stays flat however long the
sequences are. A frame ``g`` is step ``spec.clock.step`` of sequence ``spec.clock.sequence``
(a still is a sequence of one frame).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from synthscape.buffers import FrameBuffers
from synthscape.errors import SynthscapeError
from synthscape.io.atomic import write_atomic, write_text_atomic
from synthscape.io.images import linear_to_srgb8, write_png
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec
from synthscape.writers.coco import dumps_coco
from synthscape.writers.layout import frame_file

IDENTITY_DIGITS = 6


class TrackError(SynthscapeError):
    """The per-frame records of a sequence contradict each other (exit 2 from the CLI)."""


def object_identity(obj: ObjectSpec) -> str:
    """What stays the same for one rigid object over a sequence, as a short stable string."""
    def numbers(values: Iterable[float]) -> str:
        return ",".join(f"{float(v):.{IDENTITY_DIGITS}g}" for v in values)

    return (f"category={obj.category_id} shape={obj.shape} mesh={obj.mesh_path or '-'} "
            f"scale={numbers(obj.scale)} bbox={numbers(obj.bbox_min)}/{numbers(obj.bbox_max)}")


def frame_record(spec: SceneSpec, **fields: Any) -> dict[str, Any]:
    """The common part of a tracking format's per-frame record.

    Keys: ``frame`` (global index), ``sequence``, ``step``, ``fps`` (from the frame's clock),
    ``width``, ``height`` and ``identities`` (``{str(track_id): identity}`` of every object of
    the frame), plus ``fields``.
    """
    clock = spec.frame_clock()
    return {"frame": int(spec.frame_index), "sequence": int(clock.sequence), "step": int(clock.step),
            "fps": float(clock.fps), "width": int(spec.camera.width), "height": int(spec.camera.height),
            "identities": {str(o.instance_id): object_identity(o) for o in spec.objects}, **fields}


def write_record(out_dir: str | os.PathLike[str], folder: str, spec: SceneSpec, record: dict[str, Any]) -> Path:
    """``FOLDER/frames/NNNNNN.json``: a frame's record (sorted keys, compact, deterministic)."""
    return write_text_atomic(frame_file(out_dir, f"{folder}/frames", spec.frame_index, "json"), dumps_coco(record))


def record_path(out_dir: str | os.PathLike[str], folder: str, frame_index: int) -> Path:
    """Where :func:`write_record` puts frame ``frame_index``'s record."""
    return frame_file(out_dir, f"{folder}/frames", frame_index, "json")


def _link_or_copy(source: Path, tmp: Path) -> None:
    tmp.unlink()
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)


def link_rgb(out_dir: str | os.PathLike[str], target: Path, spec: SceneSpec, buffers: FrameBuffers) -> Path:
    """``target``: a hard link to the frame's ``rgb/NNNNNN.png`` (a copy where links fail), or an
    encode of ``buffers.rgb`` when no ``rgb`` output was written."""
    rgb = frame_file(out_dir, "rgb", spec.frame_index, "png")
    if rgb.is_file():
        return write_atomic(target, lambda tmp: _link_or_copy(rgb, tmp))
    return write_png(target, linear_to_srgb8(buffers.rgb))


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise TrackError(f"{path}: missing, but its frame is done; the frame was written without this output: "
                         "delete its .done marker and rerun `synthscape render` to redo it") from None
    except (OSError, ValueError) as error:
        raise TrackError(f"{path}: cannot read ({error}); delete the frame's .done marker and rerun "
                         "`synthscape render` to redo it") from None


class _SequenceChecker:
    """Checks the records of one folder, in frame order, as they stream past."""

    def __init__(self) -> None:
        self.finished: set[int] = set()
        self.sequence: int | None = None
        self.step = -1
        self.fps = 0.0
        self.identities: dict[str, tuple[str, str]] = {}

    def check(self, path: str, record: dict[str, Any]) -> None:
        sequence, step = int(record["sequence"]), int(record["step"])
        if sequence != self.sequence:
            if sequence in self.finished:
                raise TrackError(f"{path}: frame {record['frame']} belongs to sequence {sequence}, whose frames "
                                 "came earlier; a sequence's frames must be consecutive (frame = sequence * "
                                 "sequence.frames + step): the folder mixes frames of two runs, use a new --out")
            if self.sequence is not None:
                self.finished.add(self.sequence)
            self.sequence, self.step, self.fps, self.identities = sequence, -1, float(record["fps"]), {}
        if step <= self.step:
            raise TrackError(f"{path}: step {step} of sequence {sequence} comes after step {self.step}; "
                             "the folder mixes frames of two runs: render into a new --out")
        self.step = step
        self._check_identities(path, record)

    def _check_identities(self, path: str, record: dict[str, Any]) -> None:
        for track, identity in record["identities"].items():
            seen = self.identities.setdefault(track, (identity, path))
            if seen[0] != identity:
                raise TrackError(f"{path}: track id {track} (instance id) of sequence {self.sequence} is "
                                 f"'{identity}' here but '{seen[0]}' in {os.path.basename(seen[1])}: an "
                                 "instance id must name one object over its whole sequence; the frames come "
                                 "from different runs or recipes: render the sequence again into a new --out")


def records(out_dir: str | os.PathLike[str], folder: str, frames: Iterable[int]) -> Iterator[dict[str, Any]]:
    """The records of ``frames`` in frame order, one file read at a time, checked on the way.

    Raises:
        TrackError: a record is missing or unreadable, a sequence's frames are not consecutive
            or its steps do not increase, or a track id names two objects within a sequence.
    """
    checker = _SequenceChecker()
    base = os.fspath(record_path(out_dir, folder, 0).parent)
    for frame in sorted(frames):
        path = os.path.join(base, f"{frame:06d}.json")  # a str: pathlib would intern every file name
        record = _load(path)
        checker.check(path, record)
        yield record


def sequences(out_dir: str | os.PathLike[str], folder: str,
              frames: Iterable[int]) -> Iterator[tuple[int, Iterator[dict[str, Any]]]]:
    """``(sequence, its records in step order)`` for the records of ``frames`` (see :func:`records`).

    Consume each sequence's records before asking for the next sequence (``itertools.groupby``).
    """
    yield from itertools.groupby(records(out_dir, folder, frames), key=lambda r: int(r["sequence"]))


def sequence_name(sequence: int) -> str:
    """The 4-digit folder / file name of a sequence (KITTI tracking's ``SSSS``)."""
    return f"{sequence:04d}"


__all__ = ["TrackError", "frame_record", "link_rgb", "object_identity", "record_path", "records",
           "sequence_name", "sequences", "write_record"]
