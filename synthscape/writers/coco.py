"""COCO instance annotations: one fragment per frame, merged into ``coco/annotations.json``.

Ids (docs/architecture.md): ``image_id = frame_index + 1`` and
``annotation id = frame_index * 65536 + instance_id``. Masks are RLE-encoded with
``pycocotools.mask``; ``bbox`` and ``area`` are computed from the same RLE.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from synthscape.buffers import FrameBuffers
from synthscape.io.atomic import write_text_atomic
from synthscape.spec.scene_spec import CategorySpec, SceneSpec
from synthscape.writers.layout import complete_frames, frame_file, relative

INSTANCE_STRIDE = 65536
FRAGMENT_DIR = "coco/frames"
ANNOTATIONS_FILE = "coco/annotations.json"


def image_id(frame_index: int) -> int:
    """COCO image id of a frame."""
    return frame_index + 1


def annotation_id(frame_index: int, instance_id: int) -> int:
    """COCO annotation id of an instance in a frame."""
    return frame_index * INSTANCE_STRIDE + instance_id


def encode_mask(mask: np.ndarray) -> dict[str, Any]:
    """RLE of an (H, W) boolean mask, with ``counts`` as str so it serializes to JSON."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")}


def decode_mask(rle: Mapping[str, Any]) -> np.ndarray:
    """(H, W) bool mask from an RLE whose ``counts`` is str or bytes."""
    counts = rle["counts"]
    encoded = {"size": list(rle["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    return mask_utils.decode(encoded).astype(bool)


def instance_annotation(spec: SceneSpec, instance_id: int, mask: np.ndarray) -> dict[str, Any]:
    """One COCO annotation for the pixels ``mask`` (H, W bool) of an object instance."""
    rle = encode_mask(mask)
    coded = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
    return {
        "id": annotation_id(spec.frame_index, instance_id),
        "image_id": image_id(spec.frame_index),
        "category_id": _category_id(spec, instance_id),
        "segmentation": rle,
        "area": int(mask_utils.area(coded)),
        "bbox": [float(v) for v in mask_utils.toBbox(coded)],
        "iscrowd": 0,
    }


def _category_id(spec: SceneSpec, instance_id: int) -> int:
    mapping = spec.instance_to_category()
    if instance_id not in mapping:
        raise ValueError(f"frame {spec.frame_index}: instance id {instance_id} is in the instance map "
                         f"but not in spec.objects (ids {sorted(mapping)[1:]}); the renderer's object "
                         "pass indices must match ObjectSpec.instance_id")
    return mapping[instance_id]


def coco_frame_fragment(spec: SceneSpec, buffers: FrameBuffers, rgb_file: str) -> dict[str, Any]:
    """This frame's COCO ``images`` (one entry) and ``annotations``.

    Instances absent from ``buffers.instance`` (fully occluded, outside the view) get no
    annotation; instances with fewer than ``spec.render.min_pixel_area`` visible pixels
    are dropped.

    Args:
        spec: the frame's scene spec.
        buffers: the frame's passes; ``instance`` is (H, W) integer ids.
        rgb_file: the image path relative to the dataset folder, e.g. ``rgb/000000.png``.
    """
    instance = np.asarray(buffers.instance)
    height, width = instance.shape
    ids, counts = np.unique(instance, return_counts=True)
    annotations = [instance_annotation(spec, int(i), instance == i)
                   for i, n in zip(ids.tolist(), counts.tolist())
                   if i != 0 and n >= spec.render.min_pixel_area]
    image = {"id": image_id(spec.frame_index), "file_name": rgb_file, "width": int(width), "height": int(height)}
    return {"images": [image], "annotations": annotations}


def write_coco_fragment(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                        **ctx: Any) -> list[Path]:
    """``coco/frames/NNNNNN.json``: the frame's COCO fragment (image file ``rgb/NNNNNN.png``)."""
    rgb_file = relative(out_dir, frame_file(out_dir, "rgb", spec.frame_index, "png"))
    fragment = coco_frame_fragment(spec, buffers, rgb_file)
    return [write_text_atomic(frame_file(out_dir, FRAGMENT_DIR, spec.frame_index, "json"), _dumps(fragment))]


def _dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


def _unique_sorted(items: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    ordered = sorted(items, key=lambda item: item["id"])
    ids = [item["id"] for item in ordered]
    duplicates = sorted({a for a, b in zip(ids, ids[1:]) if a == b})
    if duplicates:
        raise ValueError(f"COCO {kind} ids are not unique: {duplicates[:10]} (the same frame was written "
                         "twice under different folders, or fragments from two datasets were mixed)")
    return ordered


def coco_categories(categories: Sequence[CategorySpec]) -> list[dict[str, Any]]:
    """COCO ``categories`` entries (``supercategory`` = the category name) sorted by id."""
    entries = [{"id": int(c.id), "name": c.name, "supercategory": c.name} for c in categories]
    return _unique_sorted(entries, "category")


def merge_coco(fragments: Iterable[Mapping[str, Any]], categories: Sequence[CategorySpec],
               info: Mapping[str, Any]) -> dict[str, Any]:
    """Assemble a COCO instances dict from per-frame fragments.

    Raises:
        ValueError: duplicate image/annotation/category ids, or an annotation whose
            category or image is unknown.
    """
    fragments = list(fragments)
    images = _unique_sorted((i for f in fragments for i in f["images"]), "image")
    annotations = _unique_sorted((a for f in fragments for a in f["annotations"]), "annotation")
    cats = coco_categories(categories)
    known_cats, known_images = {c["id"] for c in cats}, {i["id"] for i in images}
    for a in annotations:
        if a["category_id"] not in known_cats:
            raise ValueError(f"COCO annotation {a['id']} has category_id {a['category_id']}, which is not "
                             f"among the recipe categories {sorted(known_cats)}")
        if a["image_id"] not in known_images:
            raise ValueError(f"COCO annotation {a['id']} refers to image {a['image_id']}, which has no fragment")
    return {"info": dict(info), "licenses": [], "images": images, "annotations": annotations,
            "categories": cats}


def read_fragments(out_dir: str | os.PathLike[str], only_complete: bool = True) -> list[dict[str, Any]]:
    """Load ``coco/frames/*.json`` in frame order; with ``only_complete`` only frames with a ``.done`` marker."""
    folder = Path(out_dir) / FRAGMENT_DIR
    paths = sorted(folder.glob("[0-9][0-9][0-9][0-9][0-9][0-9].json")) if folder.is_dir() else []
    if only_complete:
        done = set(complete_frames(out_dir))
        paths = [p for p in paths if int(p.stem) in done]
    return [json.loads(p.read_text("utf-8")) for p in paths]


def write_coco_annotations(out_dir: str | os.PathLike[str], categories: Sequence[CategorySpec],
                           info: Mapping[str, Any], only_complete: bool = True) -> dict[str, Any]:
    """Merge the fragments of ``out_dir`` into ``coco/annotations.json`` and return the dict.

    The file is deterministic (sorted keys, no timestamps): identical fragments give
    identical bytes.
    """
    coco = merge_coco(read_fragments(out_dir, only_complete), categories, info)
    write_text_atomic(Path(out_dir) / ANNOTATIONS_FILE, _dumps(coco))
    return coco


def category_counts(coco: Mapping[str, Any]) -> dict[str, int]:
    """Annotated instances per category name (every category listed, 0 when none)."""
    names = {c["id"]: c["name"] for c in coco["categories"]}
    counts = {name: 0 for name in names.values()}
    for a in coco["annotations"]:
        counts[names[a["category_id"]]] += 1
    return counts
