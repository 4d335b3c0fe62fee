"""Small, self-contained readers of the dataset layout (see docs/architecture.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.augment.base import KittiFrame, Sample
from synthscape.augment.kitti import parse_calib, parse_labels
from synthscape.io.images import read_exr, read_png

FRAME_NAME = re.compile(r"^\d{6}$")
KITTI_TRAINING = Path("kitti") / "training"


def list_frames(root: Path) -> list[int]:
    """Indices of complete frames: ``rgb/NNNNNN.png`` present and, when ``.done/`` exists,
    its marker too."""
    done = root / ".done"
    frames = []
    for path in sorted((root / "rgb").glob("*.png")):
        if FRAME_NAME.match(path.stem) and (not done.is_dir() or (done / path.stem).exists()):
            frames.append(int(path.stem))
    return frames


def has_kitti(root: Path) -> bool:
    """Whether the dataset has a KITTI export (``kitti/training/calib``)."""
    return (root / KITTI_TRAINING / "calib").is_dir()


def _depth(root: Path, name: str) -> np.ndarray | None:
    exr, png = root / "depth" / f"{name}.exr", root / "depth" / f"{name}.png"
    if exr.exists():
        channels = read_exr(exr)
        z = channels.get("Z", next(iter(channels.values())))
        return np.asarray(z, dtype=np.float32)
    if png.exists():
        raw = read_png(png).astype(np.float32)
        return np.where(raw == 0, np.inf, raw / 256.0).astype(np.float32)
    return None


def _normal(root: Path, name: str) -> np.ndarray | None:
    path = root / "normal" / f"{name}.exr"
    if not path.exists():
        return None
    channels = read_exr(path)
    if all(k in channels for k in "XYZ"):
        return np.stack([channels[k] for k in "XYZ"], axis=-1).astype(np.float32)
    return np.asarray(next(iter(channels.values())), dtype=np.float32)


def _kitti(root: Path, name: str) -> KittiFrame | None:
    base = root / KITTI_TRAINING
    calib = base / "calib" / f"{name}.txt"
    if not calib.exists():
        return None
    label = base / "label_2" / f"{name}.txt"
    velo = base / "velodyne" / f"{name}.bin"
    points = np.fromfile(velo, dtype=np.float32).reshape(-1, 4) if velo.exists() else None
    labels = parse_labels(label.read_text()) if label.exists() else []
    return KittiFrame(parse_calib(calib.read_text()), labels, points)


def read_sample(root: Path, frame: int, with_kitti: bool) -> Sample:
    """All targets of frame ``frame``; semantic defaults to zeros when absent."""
    name = f"{frame:06d}"
    image = read_png(root / "rgb" / f"{name}.png")
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    instance = read_png(root / "instance" / f"{name}.png").astype(np.uint16)
    sem_path = root / "semantic" / f"{name}.png"
    semantic = (read_png(sem_path).astype(np.uint16) if sem_path.exists()
                else np.zeros_like(instance))
    return Sample(np.ascontiguousarray(image[..., :3]), instance, semantic, _depth(root, name),
                  _normal(root, name), _kitti(root, name) if with_kitti else None)


def read_json(path: Path) -> Any:
    """A JSON file, or None when it does not exist."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def read_coco(root: Path) -> dict[str, Any]:
    """The dataset's COCO: ``coco/annotations.json``, else the merged ``coco/frames/*.json``."""
    merged = read_json(root / "coco" / "annotations.json")
    if merged is not None:
        return merged
    out: dict[str, Any] = {"images": [], "annotations": [], "categories": []}
    for path in sorted((root / "coco" / "frames").glob("*.json")):
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
        frame, inst = divmod(int(ann["id"]), 65536)
        out.setdefault(frame, {})[inst] = int(ann["category_id"])
    return out


def kitti_splits(root: Path) -> dict[str, set[int]]:
    """``{'train': {...}, 'val': {...}}`` frame indices from ``kitti/ImageSets`` (may be empty)."""
    out = {}
    for split in ("train", "val"):
        path = root / "kitti" / "ImageSets" / f"{split}.txt"
        out[split] = ({int(x) for x in path.read_text().split()} if path.exists() else set())
    return out
