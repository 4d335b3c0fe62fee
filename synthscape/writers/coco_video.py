"""COCO video export (``coco_video``): YouTube-VIS style instance tracks, one JSON per dataset.

``coco_video/annotations.json`` holds (keys sorted)::

    videos       [{id, file_names, length, width, height}]   one per sequence, id = sequence + 1
    annotations  [{id, video_id, category_id, iscrowd, width, height,
                   segmentations, bboxes, areas}]             one per object (track) of a sequence
    categories   [{id, name, supercategory}]
    info, licenses

``file_names`` are the sequence's ``rgb/`` images in step order, relative to the dataset folder
(pass it as the image root, as for COCO). ``segmentations[k]``, ``bboxes[k]`` and ``areas[k]``
belong to ``file_names[k]``: a compressed RLE (``pycocotools.mask``, ``counts`` a string), the
``[x, y, w, h]`` box and the area of the visible mask, exactly COCO's
(:func:`synthscape.writers.coco.annotated_instances`: at least ``render.min_pixel_area``
pixels), or ``null`` in frames where the object is not labelled. An annotation's ``id`` is
``sequence * 65536 + track_id``, the track id being the object's instance id (constant over the
sequence, checked at merge). Each frame writes ``coco_video/frames/NNNNNN.json``; the merge
streams them into the file one frame at a time through spill files, so its memory does not grow
with the sequence length, and the bytes do not depend on how the frames were sharded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from synthscape.buffers import FrameBuffers
from synthscape.io.atomic import atomic_path
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.coco import (INSTANCE_STRIDE, annotated_instances, coco_categories, coco_info,
                                     instance_annotation)
from synthscape.writers.layout import frame_file, relative
from synthscape.writers.registry import FinalizeContext, OutputFormat, register_output
from synthscape.writers.tracks import frame_record, sequences, write_record

FOLDER = "coco_video"
ANNOTATIONS_FILE = f"{FOLDER}/annotations.json"
PER_FRAME_KEYS = ("segmentation", "bbox", "area")
WRITE_BATCH = 256
COPY_CHUNK = 16 * 1024


def _dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def video_objects(spec: SceneSpec, buffers: FrameBuffers) -> list[dict[str, Any]]:
    """The frame's labelled objects: ``track_id``, ``category_id`` and COCO's ``segmentation``,
    ``bbox`` and ``area`` of the visible mask, by track id."""
    objects = []
    for instance_id, mask in annotated_instances(spec, buffers):
        annotation = instance_annotation(spec, instance_id, mask)
        objects.append({"track_id": instance_id, "category_id": annotation["category_id"],
                        **{key: annotation[key] for key in PER_FRAME_KEYS}})
    return objects


def write_coco_video(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                     **ctx: Any) -> list[Path]:
    """``coco_video/frames/NNNNNN.json``: the frame's image file and labelled objects."""
    file_name = relative(out_dir, frame_file(out_dir, "rgb", spec.frame_index, "png"))
    record = frame_record(spec, file_name=file_name, objects=video_objects(spec, buffers))
    return [write_record(out_dir, FOLDER, spec, record)]


def _stream_array(out: TextIO, spill: str, length: int, key: str) -> None:
    """Write ``[v0, ..., v(length-1)]``: the spill's ``[k, entry]`` lines' ``entry[key]``, null elsewhere."""
    pieces = ["["]
    with open(spill, encoding="utf-8") as lines:
        entries = (json.loads(line) for line in lines)
        entry = next(entries, None)
        for k in range(length):
            pieces.append("," if k else "")
            if entry is not None and entry[0] == k:
                pieces.append(_dumps(entry[1][key]))
                entry = next(entries, None)
            else:
                pieces.append("null")
            if len(pieces) >= WRITE_BATCH:  # a few large writes: TextIO keeps small ones pending one by one
                out.write("".join(pieces))
                pieces.clear()
    out.write("".join(pieces) + "]")


class _Spill:
    """The finalize step's scratch files: the videos, the annotations and one file per track."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.videos = open(folder / "videos.json", "w", encoding="utf-8")
        self.annotations = open(folder / "annotations.json", "w", encoding="utf-8")

    def close(self) -> None:
        self.videos.close()
        self.annotations.close()

    def track_file(self, track: int) -> str:
        return os.path.join(self.folder, f"track_{track}.jsonl")  # a str: pathlib interns every name

    def add_sequence(self, sequence: int, frames: Iterable[dict[str, Any]]) -> None:
        """Spill one sequence: its video entry now, its tracks' entries through their track files."""
        out = self.videos
        out.write("," if out.tell() else "")
        out.write('{"file_names":[')
        tracks: dict[int, int] = {}
        count, last = 0, {}
        for count, record in enumerate(frames, start=1):
            out.write(("," if count > 1 else "") + _dumps(record["file_name"]))
            for obj in record["objects"]:
                tracks.setdefault(int(obj["track_id"]), int(obj["category_id"]))
                with open(self.track_file(int(obj["track_id"])), "a", encoding="utf-8") as spill:
                    spill.write(_dumps([count - 1, {k: obj[k] for k in PER_FRAME_KEYS}]) + "\n")
            last = record
        width, height = int(last["width"]), int(last["height"])
        out.write(f'],"height":{height},"id":{sequence + 1},"length":{count},"width":{width}}}')
        for track in sorted(tracks):
            self._add_track(sequence, track, tracks[track], count, width, height)

    def _add_track(self, sequence: int, track: int, category: int, length: int, width: int, height: int) -> None:
        out, spill = self.annotations, self.track_file(track)
        out.write("," if out.tell() else "")
        out.write('{"areas":')
        _stream_array(out, spill, length, "area")
        out.write(',"bboxes":')
        _stream_array(out, spill, length, "bbox")
        out.write(f',"category_id":{category},"height":{height},"id":{sequence * INSTANCE_STRIDE + track},'
                  f'"iscrowd":0,"segmentations":')
        _stream_array(out, spill, length, "segmentation")
        out.write(f',"video_id":{sequence + 1},"width":{width}}}')
        os.unlink(spill)


def _copy(source: Path, out: BinaryIO) -> None:
    with open(source, "rb") as handle:
        shutil.copyfileobj(handle, out, COPY_CHUNK)


def finalize_coco_video(ctx: FinalizeContext) -> list[Path]:
    """``coco_video/annotations.json`` from the merged frames' records (none without records)."""
    out_dir = Path(ctx.out_dir)
    if not (out_dir / FOLDER / "frames").is_dir():
        return []
    target = out_dir / ANNOTATIONS_FILE
    with tempfile.TemporaryDirectory(prefix=".spill-", dir=out_dir / FOLDER) as scratch:
        spill = _Spill(Path(scratch))
        try:
            for sequence, frames in sequences(out_dir, FOLDER, ctx.frames):
                spill.add_sequence(sequence, frames)
        finally:
            spill.close()
        with atomic_path(target) as tmp, open(tmp, "wb") as out:
            out.write(b'{"annotations":[')
            _copy(Path(scratch) / "annotations.json", out)
            out.write(f'],"categories":{_dumps(coco_categories(ctx.categories))},'
                      f'"info":{_dumps(coco_info(ctx.name))},"licenses":[],"videos":['.encode())
            _copy(Path(scratch) / "videos.json", out)
            out.write(b"]}\n")
    return [target]


register_output(OutputFormat(
    FOLDER, write_coco_video, finalize_coco_video, scope="camera",
    description="COCO video (YouTube-VIS style): coco_video/annotations.json, videos with file_names and "
                "per-object tracks with an RLE per frame"))
