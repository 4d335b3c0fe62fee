"""A small synthetic dataset in the render layout, for tests and benchmarks (no Blender)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

from synthscape.augment.kitti import box_corners, format_calib, project_rect
from synthscape.io.atomic import write_text_atomic
from synthscape.io.images import write_exr, write_png

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
    anns = []
    for i in (int(v) for v in np.unique(inst) if v):
        rle = mask_utils.encode(np.asfortranarray((inst == i).astype(np.uint8)))
        anns.append({"id": frame * 65536 + i, "image_id": frame + 1, "category_id": cats[i],
                     "iscrowd": 0, "area": int(mask_utils.area(rle)),
                     "bbox": mask_utils.toBbox(rle).tolist(),
                     "segmentation": {"size": rle["size"], "counts": rle["counts"].decode()}})
    h, w = inst.shape
    return {"images": [{"id": frame + 1, "file_name": f"rgb/{frame:06d}.png", "width": w,
                        "height": h}], "annotations": anns, "categories": CATEGORIES}


def _kitti(root: Path, frame: int, h: int, w: int) -> np.ndarray:
    """A KITTI frame with one car; returns its instance map (the car's projected box)."""
    k = np.array([[0.6 * w, 0, 0.42 * w], [0, 0.6 * w, 0.55 * h], [0, 0, 1]])  # off-centre
    p2 = np.hstack([k, np.zeros((3, 1))])
    loc, dims, ry = np.array([0.8, 1.0, 8.0 + frame]), (1.5, 1.6, 3.9), 0.4
    rect = project_rect(box_corners(*dims, loc, ry), p2)
    x1, y1 = np.floor(np.clip(rect[:2], 0, [w, h])).astype(int)
    x2, y2 = np.ceil(np.clip(rect[2:], 0, [w, h])).astype(int)
    inst = np.zeros((h, w), np.uint16)
    inst[y1:y2, x1:x2] = 1
    tr = np.array([[0.0, -1, 0, 0], [0, 0, -1, -0.08], [1, 0, 0, -0.27]])
    calib = {"P0": p2, "P1": p2, "P2": p2, "P3": p2, "R0_rect": np.eye(3),
             "Tr_velo_to_cam": tr, "Tr_imu_to_velo": tr}
    base, name = root / "kitti" / "training", f"{frame:06d}"
    write_text_atomic(base / "calib" / f"{name}.txt", format_calib(calib))
    alpha = ry - np.arctan2(loc[0], loc[2])
    label = (f"Car 0.00 0 {alpha:.2f} {x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} {dims[0]:.2f} "
             f"{dims[1]:.2f} {dims[2]:.2f} {loc[0]:.2f} {loc[1]:.2f} {loc[2]:.2f} {ry:.2f}\n")
    write_text_atomic(base / "label_2" / f"{name}.txt", label)
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
        write_png(root / "rgb" / f"{name}.png", _rgb(rng, height, width))
        write_png(root / "instance" / f"{name}.png", inst)
        write_png(root / "semantic" / f"{name}.png", sem)
        write_exr(root / "depth" / f"{name}.exr", {"Z": depth})
        write_png(root / "depth" / f"{name}.png",
                  np.where(np.isfinite(depth), depth * 256, 0).astype(np.uint16))
        write_exr(root / "normal" / f"{name}.exr", {c: normal[..., i] for i, c in enumerate("XYZ")})
        write_text_atomic(root / "meta" / f"{name}.json", json.dumps({"frame_index": f}))
        part = _coco(f, inst, cats)
        write_text_atomic(root / "coco" / "frames" / f"{name}.json", json.dumps(part))
        merged["images"] += part["images"]
        merged["annotations"] += part["annotations"]
        write_text_atomic(root / ".done" / name, "")
    write_text_atomic(root / "coco" / "annotations.json", json.dumps(merged))
    write_text_atomic(root / "dataset.json", json.dumps({"seed": seed, "frames": frames}))
    return root
