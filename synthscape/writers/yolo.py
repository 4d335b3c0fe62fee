"""YOLO (Ultralytics) export: detection boxes (``yolo``) or segmentation polygons (``yolo_seg``).

Layout (Ultralytics' dataset format), for ``yolo`` in ``yolo/`` and ``yolo_seg`` in ``yolo_seg/``::

    yolo/data.yaml            path (this folder, absolute), train: train.txt, val: val.txt, names
    yolo/train.txt, val.txt   ./images/NNNNNN.png per line (the KITTI split of the dataset seed)
    yolo/images/NNNNNN.png    hard link to rgb/NNNNNN.png (a copy where links fail)
    yolo/labels/NNNNNN.txt    one row per object: "class cx cy w h" (yolo), or
                              "class x1 y1 x2 y2 ..." (yolo_seg), all normalized to [0, 1]

``class`` is the index into ``names`` (categories sorted by id). Objects are exactly COCO's
(:func:`synthscape.writers.coco.annotated_instances`): boxes are COCO's boxes, polygons trace
the outline of the mask's largest connected part (boundary pixel indices / image size, as
Ultralytics' mask converter). Ultralytics finds each
label by replacing ``/images/`` with ``/labels/`` in the image path; the ``./`` lines of the
split files are relative to the folder. ``path`` is written at merge time; rerun
``synthscape merge`` after moving the dataset.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from synthscape.buffers import FrameBuffers
from synthscape.io.atomic import write_atomic, write_text_atomic
from synthscape.io.images import linear_to_srgb8, write_png
from synthscape.spec.scene_spec import CategorySpec, SceneSpec
from synthscape.writers.coco import annotated_instances
from synthscape.writers.layout import frame_file
from synthscape.writers.registry import FinalizeContext, OutputFormat, register_output
from synthscape.writers.splits import split_train_val

DETECT_DIR, SEGMENT_DIR = "yolo", "yolo_seg"


def class_names(categories: Sequence[CategorySpec]) -> list[str]:
    """YOLO ``names``: category names sorted by category id (class = index in this list)."""
    return [c.name for c in sorted(categories, key=lambda c: c.id)]


def class_index(categories: Sequence[CategorySpec]) -> dict[int, int]:
    """Category id -> YOLO class index."""
    return {c.id: k for k, c in enumerate(sorted(categories, key=lambda c: c.id))}


def box_row(cls: int, mask: np.ndarray) -> str:
    """``class cx cy w h`` of a mask's COCO box (whole pixels from the corner), normalized."""
    h, w = mask.shape
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    x0, y0, x1, y1 = cols[0], rows[0], cols[-1] + 1, rows[-1] + 1
    return f"{cls} {(x0 + x1) / 2 / w:.6f} {(y0 + y1) / 2 / h:.6f} {(x1 - x0) / w:.6f} {(y1 - y0) / h:.6f}"


def polygon_row(cls: int, mask: np.ndarray) -> str | None:
    """``class x1 y1 x2 y2 ...``: the outline of the mask's largest part, normalized; None when
    the outline has fewer than 3 points.

    The vertices are the boundary pixels' indices (``cv2.findContours``) divided by the image
    size, as Ultralytics' own ``convert_segment_masks_to_yolo_seg`` writes them, so that
    rasterizing the polygon (``cv2.fillPoly``) gives back the mask's pixels.
    """
    import cv2  # only segmentation needs OpenCV (keeps it out of every other run's start-up)

    h, w = mask.shape
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
    if len(outline) < 3:
        return None
    coords = (outline / np.array([w, h])).ravel()
    return f"{cls} " + " ".join(f"{v:.6f}" for v in coords)


def label_rows(spec: SceneSpec, buffers: FrameBuffers, segment: bool) -> list[str]:
    """The label file rows of a frame, objects by instance id."""
    index = class_index(spec.categories)
    category = spec.instance_to_category()
    rows = []
    for instance_id, mask in annotated_instances(spec, buffers):
        cls = index[category[instance_id]]
        row = polygon_row(cls, mask) if segment else box_row(cls, mask)
        if row is not None:
            rows.append(row)
    return rows


def _link_or_copy(source: Path, tmp: Path) -> None:
    """Replace the (empty) temporary file with a hard link to ``source``, or a copy where the
    file system refuses links (another device, FAT, some network volumes)."""
    tmp.unlink()
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)


def _write_image(out_dir: Path, folder: str, spec: SceneSpec, buffers: FrameBuffers) -> Path:
    """``images/NNNNNN.png``: a hard link to ``rgb/NNNNNN.png`` (or a copy; or an encode of
    ``buffers.rgb`` when no ``rgb`` output was written)."""
    target = frame_file(out_dir, f"{folder}/images", spec.frame_index, "png")
    rgb = frame_file(out_dir, "rgb", spec.frame_index, "png")
    if rgb.is_file():
        return write_atomic(target, lambda tmp: _link_or_copy(rgb, tmp))
    return write_png(target, linear_to_srgb8(buffers.rgb))


def _writer(folder: str, segment: bool):
    def write(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
              **ctx: Any) -> list[Path]:
        rows = label_rows(spec, buffers, segment)
        label = frame_file(out_dir, f"{folder}/labels", spec.frame_index, "txt")
        return [_write_image(Path(out_dir), folder, spec, buffers),
                write_text_atomic(label, "".join(f"{row}\n" for row in rows))]

    write.__name__ = f"write_{folder}"
    write.__doc__ = f"``{folder}/images`` and ``{folder}/labels`` of one frame."
    return write


def data_yaml(root: Path, names: Sequence[str]) -> str:
    """The Ultralytics dataset YAML text: ``path``, ``train``, ``val``, ``names`` (index: name)."""
    data = {"path": str(Path(root).resolve()), "train": "train.txt", "val": "val.txt",
            "names": dict(enumerate(names))}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _finalizer(folder: str):
    def finalize(ctx: FinalizeContext) -> list[Path]:
        root = Path(ctx.out_dir) / folder
        if not root.is_dir():
            return []
        train, val = split_train_val(ctx.frames, seed=ctx.dataset_seed)
        val = val or train  # too few frames to hold one out: validate on the training frames
        lines = {"train": train, "val": val}
        written = [write_text_atomic(root / f"{split}.txt", "".join(f"./images/{i:06d}.png\n" for i in frames))
                   for split, frames in lines.items()]
        return [*written, write_text_atomic(root / "data.yaml", data_yaml(root, class_names(ctx.categories)))]

    finalize.__name__ = f"finalize_{folder}"
    return finalize


register_output(OutputFormat(
    "yolo", _writer(DETECT_DIR, False), _finalizer(DETECT_DIR),
    description="YOLO detection (Ultralytics): yolo/images, yolo/labels (class cx cy w h), yolo/data.yaml"))
register_output(OutputFormat(
    "yolo_seg", _writer(SEGMENT_DIR, True), _finalizer(SEGMENT_DIR),
    description="YOLO segmentation (Ultralytics): yolo_seg/images, yolo_seg/labels (class + polygon), data.yaml"))
