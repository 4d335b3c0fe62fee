"""MOT Challenge export (``mot``): ``gt/gt.txt``, ``seqinfo.ini`` and ``img1/`` per sequence.

Layout (MOT17's, the one TrackEval's MOT Challenge loader expects: ``--GT_FOLDER DIR/mot
--BENCHMARK synthscape --SPLIT_TO_EVAL train``)::

    mot/synthscape-train/SSSS/gt/gt.txt        frame,id,bb_left,bb_top,bb_width,bb_height,conf,class,visibility
    mot/synthscape-train/SSSS/seqinfo.ini      name, imDir, frameRate, seqLength, imWidth, imHeight, imExt
    mot/synthscape-train/SSSS/img1/FFFFFF.png  hard links of rgb/ (copies where links fail), FFFFFF from 1
    mot/seqmaps/synthscape-train.txt           "name" then one sequence per line (TrackEval's seqmap)
    mot/frames/NNNNNN.json                     the frame's rows (merge reads these)

``frame`` counts from 1 (step + 1); ``id`` is the object's instance id (constant over the
sequence, checked at merge). The box is the object's whole amodal silhouette, as MOT annotates
occluded and truncated people in full: it may reach beyond the image border. Coordinates are
MOT's 1-based pixels (our pixel column 0 is ``bb_left = 1``), in whole pixels. ``visibility`` is
the visible pixels (instance map) over the pixels of the whole unoccluded silhouette, the part
outside the image included, from the sensors stage's amodal masks (MOT: "due to occlusion and
due to image border cropping"). Every object whose silhouette reaches into the image gets a
row; ``conf`` is 1, or 0 ("ignore", as MOT marks such boxes) when fewer than
``render.min_pixel_area`` pixels of it are visible. ``class`` is the category id (TrackEval's
MOT17 setting scores only class 1, pedestrian, and refuses ids above 13). Rows are in frame
order. ``frameRate`` is the sequence's fps rounded (MOT's field is an integer; 1 for stills).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synthscape.buffers import FrameBuffers, ObjectVisibility
from synthscape.io.atomic import atomic_path, write_text_atomic
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.registry import FinalizeContext, OutputFormat, register_output
from synthscape.writers.tracks import frame_record, link_rgb, sequence_name, sequences, write_record

FOLDER = "mot"
BENCHMARK = "synthscape"
SPLIT = "train"
IMAGE_EXT = ".png"


def split_dir(out_dir: str | os.PathLike[str]) -> Path:
    """``mot/synthscape-train``: the folder holding one folder per sequence."""
    return Path(out_dir) / FOLDER / f"{BENCHMARK}-{SPLIT}"


def mot_row(frame: int, obj_id: int, category_id: int, seen: ObjectVisibility, min_area: int) -> str | None:
    """One ``gt.txt`` row (``frame`` from 1), or None when the silhouette misses the image."""
    if not seen.amodal_px or seen.silhouette_box is None or not seen.silhouette_px:
        return None
    x0, y0, x1, y1 = seen.silhouette_box
    conf = 1 if seen.visible_px >= min_area else 0
    visibility = min(seen.visible_px / seen.silhouette_px, 1.0)
    return f"{frame},{obj_id},{x0 + 1},{y0 + 1},{x1 - x0 + 1},{y1 - y0 + 1},{conf},{category_id},{visibility:.6f}"


def mot_rows(spec: SceneSpec, buffers: FrameBuffers) -> list[str]:
    """The ``gt.txt`` rows of one frame, objects in spec order.

    Raises:
        ValueError: the sensors stage gave no amodal masks (no ``visibility``, or a renderer
            that exported no scene mesh while an object is visible).
    """
    if buffers.visibility is None:
        raise ValueError(f"frame {spec.frame_index}: mot needs the sensors stage's per-object visibility "
                         "(FrameBuffers.visibility); run the frame through synthscape.sensors.run_sensors")
    frame, rows = spec.frame_clock().step + 1, []
    for obj in spec.objects:
        seen = buffers.visibility.get(obj.instance_id)
        if seen is None:
            continue
        if seen.amodal_px is None and seen.visible_px:
            raise ValueError(f"frame {spec.frame_index}: object {obj.instance_id} has no amodal mask (the "
                             "renderer exported no scene mesh); mot's boxes and visibility need it")
        row = mot_row(frame, obj.instance_id, obj.category_id, seen, spec.render.min_pixel_area)
        if row is not None:
            rows.append(row)
    return rows


def write_mot(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers, **ctx: Any) -> list[Path]:
    """The frame's ``img1/FFFFFF.png`` and its record (rows) for the merge."""
    clock = spec.frame_clock()
    image = split_dir(out_dir) / sequence_name(clock.sequence) / "img1" / f"{clock.step + 1:06d}{IMAGE_EXT}"
    record = frame_record(spec, rows=mot_rows(spec, buffers))
    return [link_rgb(out_dir, image, spec, buffers), write_record(out_dir, FOLDER, spec, record)]


def seqinfo(name: str, fps: float, length: int, width: int, height: int) -> str:
    """A ``seqinfo.ini`` text."""
    rate = max(round(fps), 1)
    return (f"[Sequence]\nname={name}\nimDir=img1\nframeRate={rate}\nseqLength={length}\n"
            f"imWidth={width}\nimHeight={height}\nimExt={IMAGE_EXT}\n")


def _write_sequence(out_dir: Path, sequence: int, frames: Any) -> list[Path]:
    """``gt/gt.txt`` streamed from the sequence's records, then ``seqinfo.ini``."""
    name = sequence_name(sequence)
    folder = split_dir(out_dir) / name
    last: dict[str, Any] = {}
    with atomic_path(folder / "gt" / "gt.txt") as tmp, open(tmp, "w", encoding="utf-8") as out:
        for record in frames:
            out.writelines(f"{row}\n" for row in record["rows"])
            last = record
    info = seqinfo(name, float(last["fps"]), int(last["step"]) + 1, int(last["width"]), int(last["height"]))
    return [folder / "gt" / "gt.txt", write_text_atomic(folder / "seqinfo.ini", info)]


def finalize_mot(ctx: FinalizeContext) -> list[Path]:
    """Every sequence's ``gt/gt.txt`` and ``seqinfo.ini``, and the seqmap (none without records)."""
    out = Path(ctx.out_dir)
    if not (out / FOLDER / "frames").is_dir():
        return []
    written, names = [], []
    for sequence, frames in sequences(out, FOLDER, ctx.frames):
        written += _write_sequence(out, sequence, frames)
        names.append(sequence_name(sequence))
    seqmap = out / FOLDER / "seqmaps" / f"{BENCHMARK}-{SPLIT}.txt"
    return [*written, write_text_atomic(seqmap, "".join(f"{n}\n" for n in ["name", *names]))]


register_output(OutputFormat(
    FOLDER, write_mot, finalize_mot, needs=frozenset({"mesh", "visibility"}), scope="camera",
    description="MOT Challenge: mot/synthscape-train/SSSS/{gt/gt.txt,seqinfo.ini,img1/} per sequence, "
                "amodal boxes, visibility from the amodal masks"))
