"""COCO instance annotations: one fragment per frame, merged into ``coco/annotations.json``.

Ids (docs/architecture.md): ``image_id = frame_index + 1`` and
``annotation id = frame_index * 65536 + instance_id``. Masks are RLE-encoded with
``pycocotools.mask``; ``bbox`` and ``area`` are computed from the same RLE. When the frame has
amodal masks (an output that needs them is chosen too: ``kitti``, ``bop`` or
``coco_keypoints``), each annotation also has ``bbox_amodal`` and ``visib_fract``
(:func:`visibility_extras`).
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
from synthscape.spec.projection import COCO_PIXEL_CENTER, PIXEL_CENTER
from synthscape.spec.scene_spec import CategorySpec, SceneSpec
from synthscape.writers.layout import complete_frames, frame_file, frame_is_complete, relative
from synthscape.writers.registry import FinalizeContext, OutputFormat, register_output

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
    return mask_annotation(annotation_id(spec.frame_index, instance_id), image_id(spec.frame_index),
                           _category_id(spec, instance_id), mask)


def _category_id(spec: SceneSpec, instance_id: int) -> int:
    mapping = spec.instance_to_category()
    if instance_id not in mapping:
        raise ValueError(f"frame {spec.frame_index}: instance id {instance_id} is in the instance map "
                         f"but not in spec.objects (ids {sorted(mapping)[1:]}); the renderer's object "
                         "pass indices must match ObjectSpec.instance_id")
    return mapping[instance_id]


def annotated_instances(spec: SceneSpec, buffers: FrameBuffers) -> list[tuple[int, np.ndarray]]:
    """``(instance_id, (H, W) bool mask)`` of every instance that gets a label, by instance id.

    Instances absent from ``buffers.instance`` (fully occluded, outside the view) and those
    with fewer than ``spec.render.min_pixel_area`` visible pixels are left out. COCO and
    YOLO label exactly these.
    """
    instance = np.asarray(buffers.instance)
    ids, counts = np.unique(instance, return_counts=True)
    return [(int(i), instance == i) for i, n in zip(ids.tolist(), counts.tolist())
            if i != 0 and n >= spec.render.min_pixel_area]


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
    height, width = np.asarray(buffers.instance).shape
    annotations = [instance_annotation(spec, i, mask) for i, mask in annotated_instances(spec, buffers)]
    for annotation in annotations:
        annotation.update(visibility_extras(buffers, annotation["id"] % INSTANCE_STRIDE))
    image = {"id": image_id(spec.frame_index), "file_name": rgb_file, "width": int(width), "height": int(height)}
    return {"images": [image], "annotations": annotations}


def visibility_extras(buffers: FrameBuffers, instance_id: int) -> dict[str, Any]:
    """The extra keys of an annotation when the frame has amodal masks (the scene mesh was exported).

    ``bbox_amodal``: ``[x, y, w, h]`` (COCO convention) of the unoccluded footprint inside the
    image; ``visib_fract``: visible pixels / pixels of the whole unoccluded silhouette, the part
    outside the image included (the BOP toolkit's ``visib_fract``). Empty without them.
    """
    seen = (buffers.visibility or {}).get(instance_id)
    if seen is None or seen.amodal_box is None or not seen.silhouette_px:
        return {}
    x1, y1, x2, y2 = seen.amodal_box
    shift = COCO_PIXEL_CENTER - PIXEL_CENTER
    return {"bbox_amodal": [float(x1 + shift), float(y1 + shift), float(x2 - x1), float(y2 - y1)],
            "visib_fract": round(seen.visible_px / seen.silhouette_px, 6)}


def write_coco_fragment(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                        **ctx: Any) -> list[Path]:
    """``coco/frames/NNNNNN.json``: the frame's COCO fragment (image file ``rgb/NNNNNN.png``)."""
    rgb_file = relative(out_dir, frame_file(out_dir, "rgb", spec.frame_index, "png"))
    fragment = coco_frame_fragment(spec, buffers, rgb_file)
    return [write_text_atomic(frame_file(out_dir, FRAGMENT_DIR, spec.frame_index, "json"), dumps_coco(fragment))]


def dumps_coco(data: Any) -> str:
    """The deterministic JSON text of COCO fragments and ``annotations.json`` (sorted keys)."""
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


def read_fragments(out_dir: str | os.PathLike[str], only_complete: bool = True,
                   frames: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Load ``coco/frames/*.json`` in frame order.

    Args:
        out_dir: the folder holding ``coco/frames``.
        only_complete: keep only frames with a complete ``.done`` marker in ``out_dir``.
        frames: keep only these frames instead (the caller checked them; a camera folder
            has no markers of its own).
    """
    folder = Path(out_dir) / FRAGMENT_DIR
    paths = sorted(folder.glob("[0-9][0-9][0-9][0-9][0-9][0-9].json")) if folder.is_dir() else []
    if frames is not None:
        keep = set(frames)
        paths = [p for p in paths if int(p.stem) in keep]
    elif only_complete:
        done = {i for i in complete_frames(out_dir) if frame_is_complete(out_dir, i)}
        paths = [p for p in paths if int(p.stem) in done]
    return [json.loads(p.read_text("utf-8")) for p in paths]


def write_coco_annotations(out_dir: str | os.PathLike[str], categories: Sequence[CategorySpec],
                           info: Mapping[str, Any], only_complete: bool = True,
                           frames: Iterable[int] | None = None) -> dict[str, Any]:
    """Merge the fragments of ``out_dir`` into ``coco/annotations.json`` and return the dict.

    The file is deterministic (sorted keys, no timestamps): identical fragments give
    identical bytes. ``frames`` limits it to those frames (see :func:`read_fragments`).
    """
    coco = merge_coco(read_fragments(out_dir, only_complete, frames), categories, info)
    write_text_atomic(Path(out_dir) / ANNOTATIONS_FILE, dumps_coco(coco))
    return coco


def category_counts(coco: Mapping[str, Any]) -> dict[str, int]:
    """Annotated instances per category name (every category listed, 0 when none)."""
    names = {c["id"]: c["name"] for c in coco["categories"]}
    counts = {name: 0 for name in names.values()}
    for a in coco["annotations"]:
        counts[names[a["category_id"]]] += 1
    return counts


def mask_annotation(annotation_id_: int, image_id_: int, category_id: int,
                    mask: np.ndarray) -> dict[str, Any]:
    """One COCO annotation of an (H, W) bool mask with given ids: RLE, area and tight bbox from
    the same RLE (as :func:`instance_annotation`, for data that has no scene spec)."""
    rle = encode_mask(mask)
    coded = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
    return {"id": int(annotation_id_), "image_id": int(image_id_), "category_id": int(category_id),
            "segmentation": rle, "area": int(mask_utils.area(coded)),
            "bbox": [float(v) for v in mask_utils.toBbox(coded)], "iscrowd": 0}


def coco_info(name: str) -> dict[str, Any]:
    """The COCO ``info`` block (no timestamps: the file must be reproducible)."""
    return {"description": name, "version": "1.0"}


def finalize_coco(ctx: FinalizeContext) -> list[Path]:
    """``coco/annotations.json`` from the fragments of the merged frames."""
    write_coco_annotations(ctx.out_dir, ctx.categories, coco_info(ctx.name), frames=ctx.frames)
    return [Path(ctx.out_dir) / ANNOTATIONS_FILE]


register_output(OutputFormat(
    "coco", write_coco_fragment, finalize_coco, scope="camera",
    description="COCO instances: coco/frames/NNNNNN.json per frame, coco/annotations.json at merge"))
