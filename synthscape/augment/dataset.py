"""Augment a rendered dataset into a new one with the same layout; the source is read-only.

Copy ``k`` of frame ``NNNNNN`` is written as ``rgb/NNNNNN_kK.png``, ``instance/NNNNNN_kK.png``,
``semantic/``, ``depth/`` (.exr and/or .png as in the source), ``normal/``, ``meta/`` (the
source meta plus an ``augment`` key), ``augment/NNNNNN_kK.json`` (the applied ops and
parameters), ``coco/frames/NNNNNN_kK.json`` and finally ``.done/NNNNNN_kK``, all encoded by
the dataset writers (:mod:`synthscape.writers`). KITTI copies use numeric ids
``frame * copies + k`` (KITTI tools need integer ids). Copy ``k`` of frame ``f`` is drawn
from ``default_rng(SeedSequence([seed, f, k, AUGMENT_STREAM]))``. A killed run resumes
(:mod:`synthscape.augment.resume`); ``coco/annotations.json``, ``kitti/ImageSets`` and
``dataset.json`` are written once every copy is done.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.augment import coco, layout
from synthscape.augment.base import AugmentError, KittiLabel, Sample
from synthscape.augment.pipeline import Compose
from synthscape.dataset.lock import hold_output_lock
from synthscape.augment.resume import (AugmentRun, check_output, config_hash, copy_is_done, marker_path,
                                       prepare_output, write_copy_marker)
from synthscape.io.atomic import write_atomic, write_bytes_atomic, write_text_atomic
from synthscape.spec.scene_spec import CategorySpec
from synthscape.writers.coco import ANNOTATIONS_FILE, FRAGMENT_DIR, dumps_coco, merge_coco
from synthscape.writers.images import write_image_passes
from synthscape.spec.projection import label_box_corners
from synthscape.writers.kitti import (KittiBox, dontcare_line, format_calib, label_file_text, label_line,
                                      write_imagesets)
from synthscape.writers.layout import copy_stem, frame_file, frame_name, stem_file
from synthscape.writers.meta import meta_to_json

__all__ = ["AUGMENT_STREAM", "AugmentError", "augment_dataset"]

AUGMENT_STREAM = 0xA06
"""Last SeedSequence word, keeping augment draws apart from render draws."""


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _check_inputs(src: Path, dst: Path, copies: int, seed: int) -> None:
    if not (src / "rgb").is_dir() or not (src / "instance").is_dir():
        raise AugmentError(f"{src}: not a synthscape dataset (needs rgb/ and instance/); "
                           f"pass the --out folder of a render")
    if dst == src or src in dst.parents or dst in src.parents:
        raise AugmentError(f"{dst}: the output must be a separate folder, not the source "
                           f"dataset {src} or a folder inside/around it")
    if dst.exists() and not dst.is_dir():
        raise AugmentError(f"{dst}: --out is a file; pass a new folder")
    if copies < 1:
        raise AugmentError(f"copies must be >= 1, got {copies}; pass --copies 1 or more")
    if seed < 0:
        raise AugmentError(f"seed must be >= 0, got {seed}; pass --seed 0 or more")


def _label_text(label: KittiLabel) -> str:
    """The row as the KITTI writer formats it (the source line while unchanged)."""
    if label.line is not None:
        return label.line
    if label.kind == "DontCare":
        return dontcare_line(label.rect)
    corners = label_box_corners(*label.dimensions, np.array(label.location), label.rotation_y)
    box = KittiBox(corners, label.dimensions, np.array(label.location), label.rotation_y)
    return label_line(label.kind, label.truncated, label.occluded, box, label.rect)


def _write_kitti(dst: Path, kid: int, sample: Sample, rgb: Path) -> list[Path]:
    base, name = dst / layout.KITTI_TRAINING, frame_name(kid)
    paths = [write_atomic(base / "image_2" / f"{name}.png", lambda tmp: shutil.copyfile(rgb, tmp)),
             write_text_atomic(base / "calib" / f"{name}.txt", format_calib(sample.kitti.calib)),
             write_text_atomic(base / "label_2" / f"{name}.txt",
                               label_file_text([_label_text(r) for r in sample.kitti.labels]))]
    if sample.kitti.velodyne is not None:
        paths.append(write_bytes_atomic(base / "velodyne" / f"{name}.bin",
                     np.ascontiguousarray(sample.kitti.velodyne, np.float32).tobytes()))
    return paths


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

    def run_frame(self, frame: int) -> list[dict[str, Any]]:
        """The COCO fragments of every copy of ``frame``: kept when done, else (re)written."""
        stems = [copy_stem(frame, k) for k in range(self.copies)]
        done = {k: self._load_done(stem) for k, stem in enumerate(stems)
                if copy_is_done(self.dst, stem)}
        done = {k: v for k, v in done.items() if v is not None}
        if len(done) < self.copies:
            source, formats = layout.read_sample(self.src, frame, self.kitti)
            meta = layout.read_json(frame_file(self.src, "meta", frame, "json"))
            for k in range(self.copies):
                if k not in done:
                    done[k] = self._run_copy(frame, k, source, formats, meta)
        fragments = []
        for k in range(self.copies):
            info, fragment = done[k]
            self.ops.update(r["op"] for r in info["ops"])
            self.dropped += len(info["dropped_instances"])
            fragments.append(fragment)
        return fragments

    def _load_done(self, stem: str) -> tuple[dict, dict] | None:
        try:
            info = json.loads(stem_file(self.dst, "augment", stem, "json").read_text("utf-8"))
            fragment = json.loads(stem_file(self.dst, FRAGMENT_DIR, stem, "json").read_text("utf-8"))
            return info, fragment
        except (OSError, ValueError):
            return None

    def _run_copy(self, frame: int, k: int, source: Sample, formats: tuple[str, ...],
                  meta: Any) -> tuple[dict, dict]:
        stem, index = copy_stem(frame, k), coco.copy_index(frame, k, self.copies)
        marker_path(self.dst, stem).unlink(missing_ok=True)
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, frame, k, AUGMENT_STREAM]))
        sample, record = self.pipeline(source, rng)
        paths = write_image_passes(self.dst, stem, sample.image, sample.instance, sample.semantic,
                                   sample.depth, sample.normal, formats)
        anns, dropped = coco.annotations(sample.instance, sample.semantic, index,
                                         self.categories.get(frame, {}),
                                         self.pipeline.recipe.min_area)
        image = coco.image_entry(self.images.get(frame + 1), frame, k, self.copies,
                                 sample.width, sample.height)
        info = {"source_frame": frame, "copy": k, "seed": self.seed, "ops": record,
                "dropped_instances": dropped}
        paths.append(write_text_atomic(stem_file(self.dst, "augment", stem, "json"), _dumps(info)))
        if isinstance(meta, dict):
            paths.append(write_text_atomic(stem_file(self.dst, "meta", stem, "json"),
                                           meta_to_json(dict(meta, augment=info))))
        fragment = {"images": [image], "annotations": anns}
        paths.append(write_text_atomic(stem_file(self.dst, FRAGMENT_DIR, stem, "json"),
                                       dumps_coco(fragment)))
        if self.kitti and sample.kitti is not None:
            paths += _write_kitti(self.dst, index, sample, paths[0])
        write_copy_marker(self.dst, stem, paths)
        return info, fragment


def _write_kitti_imagesets(job: _Job, frames: list[int]) -> None:
    splits = layout.kitti_splits(job.src)
    sets: dict[str, list[int]] = {"train": [], "val": [], "trainval": []}
    for f in frames:
        ids = [coco.copy_index(f, k, job.copies) for k in range(job.copies)]
        sets["val" if f in splits["val"] else "train"] += ids
        sets["trainval"] += ids
    write_imagesets(job.dst, sets)


def _merged_coco(job: _Job, fragments: list[dict[str, Any]]) -> dict[str, Any]:
    cats = [CategorySpec(int(c["id"]), str(c["name"])) for c in job.coco.get("categories", [])]
    info = dict(job.coco.get("info") or {}, augment={"copies": job.copies, "seed": job.seed})
    try:
        return merge_coco(fragments, cats, info)
    except ValueError as error:
        raise AugmentError(f"{job.src / ANNOTATIONS_FILE}: {error}") from None


def augment_dataset(src: str | os.PathLike[str], dst: str | os.PathLike[str], copies: int,
                    seed: int, pipeline: Compose, kitti: bool | None = None) -> dict[str, Any]:
    """Write ``copies`` augmented copies of every frame of ``src`` into the new dataset ``dst``.

    Rerunning with the same arguments after a crash resumes: finished copies are kept.

    Args:
        src: a rendered dataset (never modified).
        dst: an empty or missing folder, or the folder of an interrupted run with the same
            arguments.
        copies: copies per frame, >= 1.
        seed: augmentation seed, >= 0; same seed and pipeline give the same bytes.
        pipeline: the ops to apply.
        kitti: write ``kitti/`` copies; None = when the source has KITTI. Ops refused for
            KITTI (rotate, affine, perspective) raise AugmentError when this is on.

    Returns:
        A summary: counts of frames, images, annotations, dropped instances, applied ops.

    Raises:
        AugmentError: bad arguments, a damaged source file, or an output folder holding
            something else.
    """
    src_p, dst_p = Path(src).resolve(), Path(dst).resolve()
    _check_inputs(src_p, dst_p, copies, seed)
    kitti = layout.has_kitti(src_p) if kitti is None else kitti
    if kitti:
        try:
            pipeline.check_kitti()
        except ValueError as error:
            raise AugmentError(f"{src_p}: {error} (or pass kitti=False / --no-kitti)") from None
    start = time.perf_counter()
    config = pipeline.recipe.model_dump(mode="json")
    frames = layout.list_frames(src_p)
    if not frames:
        raise AugmentError(f"{src_p / 'rgb'}: no finished frames (rgb/NNNNNN.png with a .done "
                           "marker) to augment; render the dataset first")
    job = _Job(src_p, dst_p, copies, seed, pipeline, kitti)
    run = AugmentRun(str(src_p), copies, seed, bool(kitti), config_hash(config))
    check_output(dst_p, run)  # refuse a folder of something else before any lock file is made there
    with hold_output_lock(dst_p):  # one augment run per output folder at a time
        prepare_output(dst_p, run, config)
        merged = _write_copies(job, frames)
    summary = {"source": str(src_p), "out": str(dst_p), "copies": copies, "seed": seed,
               "frames": len(frames), "images": len(merged["images"]),
               "annotations": len(merged["annotations"]), "dropped_instances": job.dropped,
               "ops_applied": dict(sorted(job.ops.items())), "kitti": bool(kitti),
               "seconds": round(time.perf_counter() - start, 3)}
    _write_dataset_json(src_p, dst_p, config, summary)
    return summary


def _write_copies(job: _Job, frames: list) -> dict[str, Any]:
    """Every copy of every frame (finished ones are kept), then the merged COCO and KITTI sets."""
    fragments = [f for frame in frames for f in job.run_frame(frame)]
    merged = _merged_coco(job, fragments)
    write_text_atomic(job.dst / ANNOTATIONS_FILE, dumps_coco(merged))
    if job.kitti:
        _write_kitti_imagesets(job, frames)
    return merged


def _write_dataset_json(src: Path, dst: Path, config: dict[str, Any], summary: dict) -> None:
    base = layout.read_json(src / "dataset.json") or {}
    record = {k: v for k, v in summary.items() if k not in ("seconds", "out")}
    record["recipe"] = config
    write_text_atomic(dst / "dataset.json", _dumps(dict(base, augment=record)))
