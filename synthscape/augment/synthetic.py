"""A small synthetic dataset in the render layout, for tests and benchmarks (no Blender)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from synthscape.io.atomic import write_text_atomic
from synthscape.spec.projection import (image_extent, label_box_corners, mask_rect, projected_rect,
                                        projection_from_k, rect_pixel_span, truncation)
from synthscape.writers.coco import annotation_id, image_id, mask_annotation
from synthscape.writers.images import write_image_passes
from synthscape.writers.kitti import KittiBox, format_calib, label_line

CATEGORIES = [{"id": 1, "name": "car"}, {"id": 2, "name": "box"}]


def _rgb(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / max(w - 1, 1), y * 255 / max(h - 1, 1),
                     np.full((h, w), 128.0)], axis=-1)
    return np.clip(base + rng.normal(0, 10, (h, w, 3)), 0, 255).astype(np.uint8)


def _instances(rng: np.random.Generator, h: int, w: int, n: int) -> np.ndarray:
    inst = np.zeros((h, w), np.uint16)
    y, x = np.mgrid[0:h, 0:w]
    for i in range(1, n + 1):
        cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h
        rx, ry = rng.uniform(0.06, 0.2) * w, rng.uniform(0.06, 0.2) * h
        inst[((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1] = i
    return inst


def _coco(frame: int, inst: np.ndarray, cats: dict[int, int]) -> dict:
    anns = [mask_annotation(annotation_id(frame, i), image_id(frame), cats[i], inst == i)
            for i in (int(v) for v in np.unique(inst) if v)]
    h, w = inst.shape
    return {"images": [{"id": image_id(frame), "file_name": f"rgb/{frame:06d}.png", "width": w,
                        "height": h}], "annotations": anns, "categories": CATEGORIES}


def _kitti(root: Path, frame: int, h: int, w: int) -> np.ndarray:
    """A KITTI frame with one car; returns its instance map (the pixels whose centres lie in
    the car's projected box)."""
    k = np.array([[0.6 * w, 0, 0.42 * w], [0, 0.6 * w, 0.55 * h], [0, 0, 1]])  # off-centre
    p2 = projection_from_k(k)
    loc, dims, ry = np.array([0.8, 1.0, 8.0 + frame]), (1.5, 1.6, 3.9), 0.4
    corners = label_box_corners(*dims, loc, ry)
    rect = projected_rect(corners, p2)
    x0, y0, x1, y1 = image_extent(w, h)
    c1, r1, c2, r2 = rect_pixel_span(np.clip(rect, [x0, y0, x0, y0], [x1, y1, x1, y1]))
    inst = np.zeros((h, w), np.uint16)
    inst[r1:r2 + 1, c1:c2 + 1] = 1
    tr = np.array([[0.0, -1, 0, 0], [0, 0, -1, -0.08], [1, 0, 0, -0.27]])
    calib = {"P0": p2, "P1": p2, "P2": p2, "P3": p2, "R0_rect": np.eye(3),
             "Tr_velo_to_cam": tr, "Tr_imu_to_velo": tr}
    base, name = root / "kitti" / "training", f"{frame:06d}"
    write_text_atomic(base / "calib" / f"{name}.txt", format_calib(calib))
    label = label_line("Car", truncation(rect, w, h), 0, KittiBox(corners, dims, loc, ry),
                       mask_rect(inst == 1))
    write_text_atomic(base / "label_2" / f"{name}.txt", label + "\n")
    pts = np.random.default_rng(frame).normal(0, 5, (100, 4)).astype(np.float32)
    (base / "velodyne").mkdir(parents=True, exist_ok=True)
    pts.tofile(base / "velodyne" / f"{name}.bin")
    return inst


def make_synthetic_dataset(root: str | Path, frames: int = 2, width: int = 64, height: int = 48,
                           seed: int = 0, n_instances: int = 4, kitti: bool = False) -> Path:
    """Write a dataset with rgb, instance, semantic, depth (.exr + .png), normal, meta,
    COCO (pycocotools RLE), dataset.json and .done markers; with ``kitti`` one car per frame
    and ``kitti/training/{calib,label_2,velodyne}``."""
    root = Path(root)
    merged = {"images": [], "annotations": [], "categories": CATEGORIES}
    for f in range(frames):
        rng = np.random.default_rng([seed, f])
        name = f"{f:06d}"
        inst = _kitti(root, f, height, width) if kitti else _instances(rng, height, width,
                                                                          n_instances)
        cats = {i: 1 + (i % 2) for i in range(1, n_instances + 1)}
        lut = np.array([0] + [cats[i] for i in range(1, n_instances + 1)], np.uint16)
        sem = lut[inst]
        depth = np.where(inst > 0, 2.0 + inst.astype(np.float32), np.inf).astype(np.float32)
        normal = rng.normal(size=(height, width, 3)).astype(np.float32)
        write_image_passes(root, name, _rgb(rng, height, width), inst, sem, depth, normal)
        write_text_atomic(root / "meta" / f"{name}.json", json.dumps({"frame_index": f}))
        part = _coco(f, inst, cats)
        write_text_atomic(root / "coco" / "frames" / f"{name}.json", json.dumps(part))
        merged["images"] += part["images"]
        merged["annotations"] += part["annotations"]
        write_text_atomic(root / ".done" / name, "")
    write_text_atomic(root / "coco" / "annotations.json", json.dumps(merged))
    write_text_atomic(root / "dataset.json", json.dumps({"seed": seed, "frames": frames}))
    return root
