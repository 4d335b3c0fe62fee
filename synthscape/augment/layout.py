"""Readers of a source dataset's files (layout: docs/architecture.md), with readable errors.

Every file is decoded here before any copy of its frame is written; a damaged or truncated
file raises :class:`~synthscape.augment.base.AugmentError` naming it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from synthscape.augment.base import AugmentError, KittiFrame, Sample
from synthscape.augment.kitti import parse_calib, parse_labels
from synthscape.io.images import read_exr, read_png
from synthscape.writers.coco import ANNOTATIONS_FILE, FRAGMENT_DIR, INSTANCE_STRIDE
from synthscape.writers.images import png16_to_depth
from synthscape.writers.layout import DONE_DIR, frame_file, frame_name

FRAME_NAME = re.compile(r"^\d{6}$")
KITTI_TRAINING = Path("kitti") / "training"
T = TypeVar("T")


def read_source_file(path: Path, read: Callable[[Path], T]) -> T:
    """``read(path)``, turning any decoding failure into an AugmentError naming the file."""
    try:
        return read(path)
    except Exception as error:  # noqa: BLE001 - any failure to decode a user file is bad input
        raise AugmentError(f"{path}: cannot read this source file ({type(error).__name__}: "
                           f"{str(error)[:200]}); it is damaged or truncated: re-render the "
                           "source dataset (`synthscape render` redoes damaged frames) or "
                           "remove the frame, then rerun augment") from None


def list_frames(root: Path) -> list[int]:
    """Indices of complete frames: ``rgb/NNNNNN.png`` present and, when ``.done/`` exists,
    its marker too."""
    done = root / DONE_DIR
    frames = []
    for path in sorted((root / "rgb").glob("*.png")):
        if FRAME_NAME.match(path.stem) and (not done.is_dir() or (done / path.stem).exists()):
            frames.append(int(path.stem))
    return frames


def has_kitti(root: Path) -> bool:
    """Whether the dataset has a KITTI export (``kitti/training/calib``)."""
    return (root / KITTI_TRAINING / "calib").is_dir()


def _exr_depth(path: Path) -> np.ndarray:
    channels = read_exr(path)
    return np.asarray(channels.get("Z", next(iter(channels.values()))), dtype=np.float32)


def _depth(root: Path, frame: int) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """The depth map (EXR preferred) and which depth files the source has."""
    exr, png = frame_file(root, "depth", frame, "exr"), frame_file(root, "depth", frame, "png")
    formats = tuple(f for f, p in (("exr", exr), ("png", png)) if p.exists())
    if exr.exists():
        depth = read_source_file(exr, _exr_depth)
        if png.exists():
            read_source_file(png, read_png)
        return depth, formats
    if png.exists():
        return read_source_file(png, lambda p: png16_to_depth(read_png(p))), formats
    return None, formats


def _exr_normal(path: Path) -> np.ndarray:
    channels = read_exr(path)
    if all(k in channels for k in "XYZ"):
        return np.stack([channels[k] for k in "XYZ"], axis=-1).astype(np.float32)
    return np.asarray(next(iter(channels.values())), dtype=np.float32)


def _normal(root: Path, frame: int) -> np.ndarray | None:
    path = frame_file(root, "normal", frame, "exr")
    return read_source_file(path, _exr_normal) if path.exists() else None


def _kitti(root: Path, frame: int) -> KittiFrame | None:
    base, name = root / KITTI_TRAINING, frame_name(frame)
    calib = base / "calib" / f"{name}.txt"
    if not calib.exists():
        return None
    label = base / "label_2" / f"{name}.txt"
    velo = base / "velodyne" / f"{name}.bin"
    points = (read_source_file(velo, lambda p: np.fromfile(p, dtype=np.float32).reshape(-1, 4))
              if velo.exists() else None)
    labels = (read_source_file(label, lambda p: parse_labels(p.read_text("utf-8")))
              if label.exists() else [])
    matrices = read_source_file(calib, lambda p: parse_calib(p.read_text("utf-8")))
    if "P2" not in matrices:
        raise AugmentError(f"{calib}: no P2 row; re-render the source dataset")
    return KittiFrame(matrices, labels, points)


def _check_shape(path: Path, array: np.ndarray | None, shape: tuple[int, int]) -> None:
    if array is not None and array.shape[:2] != shape:
        raise AugmentError(f"{path}: size {array.shape[1]}x{array.shape[0]} differs from the "
                           f"frame's instance map ({shape[1]}x{shape[0]}); re-render the frame")


def read_sample(root: Path, frame: int, with_kitti: bool) -> tuple[Sample, tuple[str, ...]]:
    """All targets of frame ``frame`` and the depth formats it has; semantic defaults to
    zeros when absent.

    Raises:
        AugmentError: a file is damaged, truncated or of the wrong size.
    """
    rgb_path = frame_file(root, "rgb", frame, "png")
    image = read_source_file(rgb_path, read_png)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    inst_path = frame_file(root, "instance", frame, "png")
    instance = read_source_file(inst_path, read_png).astype(np.uint16)
    sem_path = frame_file(root, "semantic", frame, "png")
    semantic = (read_source_file(sem_path, read_png).astype(np.uint16) if sem_path.exists()
                else np.zeros_like(instance))
    depth, formats = _depth(root, frame)
    normal = _normal(root, frame)
    for path, array in ((rgb_path, image), (sem_path, semantic),
                        (frame_file(root, "depth", frame, "exr"), depth),
                        (frame_file(root, "normal", frame, "exr"), normal)):
        _check_shape(path, array, instance.shape)
    sample = Sample(np.ascontiguousarray(image[..., :3]), instance, semantic, depth, normal,
                    _kitti(root, frame) if with_kitti else None)
    return sample, formats


def read_json(path: Path) -> Any:
    """A JSON file, or None when it does not exist.

    Raises:
        AugmentError: it exists but is not UTF-8 JSON.
    """
    if not path.exists():
        return None
    return read_source_file(path, lambda p: json.loads(p.read_text(encoding="utf-8")))


def read_coco(root: Path) -> dict[str, Any]:
    """The dataset's COCO: ``coco/annotations.json``, else the merged ``coco/frames/*.json``."""
    merged = read_json(root / ANNOTATIONS_FILE)
    if merged is not None:
        return merged
    out: dict[str, Any] = {"images": [], "annotations": [], "categories": []}
    for path in sorted((root / FRAGMENT_DIR).glob("*.json")):
        part = read_json(path)
        out["images"] += part.get("images", [])
        out["annotations"] += part.get("annotations", [])
        out["categories"] = part.get("categories", out["categories"])
    return out


def instance_categories(coco: dict[str, Any]) -> dict[int, dict[int, int]]:
    """``{frame_index: {instance_id: category_id}}`` from the COCO id scheme
    (annotation id = frame_index * 65536 + instance_id)."""
    out: dict[int, dict[int, int]] = {}
    for ann in coco.get("annotations", []):
        frame, inst = divmod(int(ann["id"]), INSTANCE_STRIDE)
        out.setdefault(frame, {})[inst] = int(ann["category_id"])
    return out


def kitti_splits(root: Path) -> dict[str, set[int]]:
    """``{'train': {...}, 'val': {...}}`` frame indices from ``kitti/ImageSets`` (may be empty)."""
    out = {}
    for split in ("train", "val"):
        path = root / "kitti" / "ImageSets" / f"{split}.txt"
        out[split] = (read_source_file(path, lambda p: {int(x) for x in p.read_text().split()})
                      if path.exists() else set())
    return out
