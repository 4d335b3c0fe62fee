"""Augment a rendered dataset into a new one with the same layout; the source is read-only.

Copy ``k`` of frame ``NNNNNN`` is written as ``rgb/NNNNNN_kK.png``, ``instance/NNNNNN_kK.png``,
``semantic/``, ``depth/`` (.exr and/or .png as in the source), ``normal/``, ``meta/`` (the
source meta plus an ``augment`` key), ``augment/NNNNNN_kK.json`` (the applied ops and
parameters), ``coco/frames/NNNNNN_kK.json`` and finally ``.done/NNNNNN_kK``. KITTI copies use
numeric ids ``frame * copies + k`` (KITTI tools need integer ids). Copy ``k`` of frame ``f``
is drawn from ``default_rng(SeedSequence([seed, f, k, AUGMENT_STREAM]))``.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.augment import coco, layout
from synthscape.augment.base import Sample
from synthscape.augment.kitti import format_calib, format_labels
from synthscape.augment.pipeline import Compose
from synthscape.errors import SynthscapeError
from synthscape.io.atomic import write_bytes_atomic, write_text_atomic
from synthscape.io.images import write_exr, write_png

AUGMENT_STREAM = 0xA06
"""Last SeedSequence word, keeping augment draws apart from render draws."""


class AugmentError(SynthscapeError):
    """Bad input to :func:`augment_dataset` (missing dataset, output folder, KITTI refusal)."""


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _check_paths(src: Path, dst: Path) -> None:
    if not (src / "rgb").is_dir() or not (src / "instance").is_dir():
        raise AugmentError(f"{src}: not a synthscape dataset (needs rgb/ and instance/); "
                           f"pass the --out folder of a render")
    if dst == src or src in dst.parents or dst in src.parents:
        raise AugmentError(f"{dst}: the output must be a separate folder, not the source "
                           f"dataset {src} or a folder inside/around it")
    if dst.exists() and any(dst.iterdir()):
        raise AugmentError(f"{dst}: output folder is not empty; choose a new folder")


def _write_targets(dst: Path, name: str, sample: Sample, src_files: dict[str, bool]) -> None:
    write_png(dst / "rgb" / f"{name}.png", sample.image)
    write_png(dst / "instance" / f"{name}.png", sample.instance)
    write_png(dst / "semantic" / f"{name}.png", sample.semantic)
    if sample.depth is not None and src_files["depth_exr"]:
        write_exr(dst / "depth" / f"{name}.exr", {"Z": sample.depth})
    if sample.depth is not None and src_files["depth_png"]:
        scaled = np.nan_to_num(sample.depth * 256.0, posinf=0.0)
        png = np.where(np.isfinite(sample.depth), np.clip(scaled, 0, 65535), 0)
        write_png(dst / "depth" / f"{name}.png", np.rint(png).astype(np.uint16))
    if sample.normal is not None:
        write_exr(dst / "normal" / f"{name}.exr",
                  {c: sample.normal[..., i] for i, c in enumerate("XYZ")})


def _write_kitti(dst: Path, kid: int, sample: Sample) -> None:
    base, name = dst / layout.KITTI_TRAINING, f"{kid:06d}"
    write_png(base / "image_2" / f"{name}.png", sample.image)
    write_text_atomic(base / "calib" / f"{name}.txt", format_calib(sample.kitti.calib))
    write_text_atomic(base / "label_2" / f"{name}.txt", format_labels(sample.kitti.labels))
    if sample.kitti.velodyne is not None:
        write_bytes_atomic(base / "velodyne" / f"{name}.bin",
                           np.ascontiguousarray(sample.kitti.velodyne, np.float32).tobytes())


class _Job:
    """Everything shared by the copies of one augment run."""

    def __init__(self, src: Path, dst: Path, copies: int, seed: int, pipeline: Compose,
                 kitti: bool):
        self.src, self.dst, self.copies, self.seed = src, dst, copies, seed
        self.pipeline, self.kitti = pipeline, kitti
        self.coco = layout.read_coco(src)
        self.categories = layout.instance_categories(self.coco)
        self.images = {int(im["id"]): im for im in self.coco.get("images", [])}
        self.ops: Counter[str] = Counter()
        self.dropped = 0

    def src_files(self, frame: int) -> dict[str, bool]:
        name = f"{frame:06d}"
        return {"depth_exr": (self.src / "depth" / f"{name}.exr").exists(),
                "depth_png": (self.src / "depth" / f"{name}.png").exists()}

    def run_copy(self, frame: int, k: int, source: Sample) -> dict[str, Any]:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, frame, k, AUGMENT_STREAM]))
        sample, record = self.pipeline(source, rng)
        name, index = coco.copy_name(frame, k), coco.copy_index(frame, k, self.copies)
        self.ops.update(r["op"] for r in record)
        _write_targets(self.dst, name, sample, self.src_files(frame))
        anns, dropped = coco.annotations(sample.instance, sample.semantic, index,
                                         self.categories.get(frame, {}),
                                         self.pipeline.recipe.min_area)
        self.dropped += len(dropped)
        image = coco.image_entry(self.images.get(frame + 1), frame, k, self.copies,
                                 sample.width, sample.height)
        info = {"source_frame": frame, "copy": k, "seed": self.seed, "ops": record,
                "dropped_instances": dropped}
        write_text_atomic(self.dst / "augment" / f"{name}.json", _dumps(info))
        self._write_meta(frame, name, info)
        fragment = {"images": [image], "annotations": anns,
                    "categories": self.coco.get("categories", [])}
        write_text_atomic(self.dst / "coco" / "frames" / f"{name}.json", _dumps(fragment))
        if self.kitti and sample.kitti is not None:
            _write_kitti(self.dst, index, sample)
        write_text_atomic(self.dst / ".done" / name, "")
        return fragment

    def _write_meta(self, frame: int, name: str, info: dict[str, Any]) -> None:
        meta = layout.read_json(self.src / "meta" / f"{frame:06d}.json")
        if meta is not None:
            meta = dict(meta, augment=info)
            write_text_atomic(self.dst / "meta" / f"{name}.json", _dumps(meta))


def _write_kitti_imagesets(job: _Job, frames: list[int]) -> None:
    splits = layout.kitti_splits(job.src)
    sets: dict[str, list[int]] = {"train": [], "val": [], "trainval": []}
    for f in frames:
        ids = [coco.copy_index(f, k, job.copies) for k in range(job.copies)]
        sets["val" if f in splits["val"] else "train"] += ids
        sets["trainval"] += ids
    for split, ids in sets.items():
        write_text_atomic(job.dst / "kitti" / "ImageSets" / f"{split}.txt",
                          "".join(f"{i:06d}\n" for i in sorted(ids)))


def augment_dataset(src: str | os.PathLike[str], dst: str | os.PathLike[str], copies: int,
                    seed: int, pipeline: Compose, kitti: bool | None = None) -> dict[str, Any]:
    """Write ``copies`` augmented copies of every frame of ``src`` into the new dataset ``dst``.

    Args:
        src: a rendered dataset (never modified).
        dst: an empty or missing folder.
        copies: copies per frame, >= 1.
        seed: augmentation seed; same seed and pipeline give the same bytes.
        pipeline: the ops to apply.
        kitti: write ``kitti/`` copies; None = when the source has KITTI. Ops refused for
            KITTI (rotate, affine, perspective) raise AugmentError when this is on.

    Returns:
        A summary: counts of frames, images, annotations, dropped instances, applied ops.
    """
    src_p, dst_p = Path(src).resolve(), Path(dst).resolve()
    _check_paths(src_p, dst_p)
    if copies < 1:
        raise AugmentError(f"copies must be >= 1, got {copies}")
    kitti = layout.has_kitti(src_p) if kitti is None else kitti
    if kitti:
        try:
            pipeline.check_kitti()
        except ValueError as error:
            raise AugmentError(f"{src_p}: {error} (or pass kitti=False / --no-kitti)") from None
    start = time.perf_counter()
    job = _Job(src_p, dst_p, copies, seed, pipeline, kitti)
    frames = layout.list_frames(src_p)
    merged: dict[str, Any] = {"images": [], "annotations": [],
                              "categories": job.coco.get("categories", [])}
    for frame in frames:
        source = layout.read_sample(src_p, frame, kitti)
        for k in range(copies):
            fragment = job.run_copy(frame, k, source)
            merged["images"] += fragment["images"]
            merged["annotations"] += fragment["annotations"]
    write_text_atomic(dst_p / "coco" / "annotations.json", json.dumps(merged) + "\n")
    if kitti:
        _write_kitti_imagesets(job, frames)
    summary = {"source": str(src_p), "out": str(dst_p), "copies": copies, "seed": seed,
               "frames": len(frames), "images": len(merged["images"]),
               "annotations": len(merged["annotations"]), "dropped_instances": job.dropped,
               "ops_applied": dict(sorted(job.ops.items())), "kitti": bool(kitti),
               "seconds": round(time.perf_counter() - start, 3)}
    _write_dataset_json(src_p, dst_p, pipeline, summary)
    return summary


def _write_dataset_json(src: Path, dst: Path, pipeline: Compose, summary: dict) -> None:
    base = layout.read_json(src / "dataset.json") or {}
    record = {k: v for k, v in summary.items() if k not in ("seconds", "out")}
    record["recipe"] = pipeline.recipe.model_dump(mode="json")
    write_text_atomic(dst / "dataset.json", _dumps(dict(base, augment=record)))
