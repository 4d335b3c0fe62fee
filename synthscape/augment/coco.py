"""COCO annotations of an augmented copy, regenerated from its instance map."""

from __future__ import annotations

from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

ANNOTATION_STRIDE = 65536
"""annotation id = image index * 65536 + instance id."""


def copy_index(frame: int, copy: int, copies: int) -> int:
    """Index of copy ``copy`` of frame ``frame`` among all copies: ``frame * copies + copy``.

    The copy's COCO ``image_id`` is this + 1 and its annotation ids are this * 65536 +
    instance id, so ids are unique and deterministic for a given ``copies``.
    """
    return frame * copies + copy


def copy_name(frame: int, copy: int) -> str:
    """Base name of copy ``copy`` of frame ``frame``: ``NNNNNN_kK`` (rgb, instance, meta...)."""
    return f"{frame:06d}_k{copy}"


def _category(inst: int, mask: np.ndarray, semantic: np.ndarray,
              categories: dict[int, int]) -> int:
    if inst in categories:
        return categories[inst]
    values = semantic[mask]
    return int(np.bincount(values).argmax()) if values.size else 0


def annotations(instance: np.ndarray, semantic: np.ndarray, image_index: int,
                categories: dict[int, int], min_area: int) -> tuple[list[dict], list[int]]:
    """COCO annotations of every instance left in an (H, W) uint16 instance map.

    Args:
        instance: (H, W) uint16 instance ids after augmentation.
        semantic: (H, W) uint16 category ids, used when ``categories`` lacks an instance.
        image_index: :func:`copy_index` of the copy.
        categories: instance id -> category id of the source frame.
        min_area: instances with fewer pixels are dropped.

    Returns:
        The annotations (RLE segmentation, tight bbox, area from pycocotools) and the ids
        of dropped instances.
    """
    out, dropped = [], []
    for inst in np.unique(instance):
        inst = int(inst)
        if inst == 0:
            continue
        mask = instance == inst
        category = _category(inst, mask, semantic, categories)
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        area = int(mask_utils.area(rle))
        if area < min_area or category == 0:
            dropped.append(inst)
            continue
        out.append({"id": image_index * ANNOTATION_STRIDE + inst, "image_id": image_index + 1,
                    "category_id": category, "iscrowd": 0, "area": area,
                    "bbox": [float(v) for v in mask_utils.toBbox(rle)],
                    "segmentation": {"size": [int(s) for s in rle["size"]],
                                     "counts": rle["counts"].decode("ascii")}})
    return out, dropped


def image_entry(source_image: dict[str, Any] | None, frame: int, copy: int, copies: int,
                width: int, height: int) -> dict[str, Any]:
    """The COCO ``images`` entry of a copy; its file name keeps the source's folder style."""
    name = copy_name(frame, copy)
    file_name = f"rgb/{name}.png"
    if source_image and "file_name" in source_image:
        file_name = str(source_image["file_name"]).replace(f"{frame:06d}", name, 1)
    return {"id": copy_index(frame, copy, copies) + 1, "file_name": file_name,
            "width": width, "height": height, "source_image_id": frame + 1,
            "source_frame": frame, "copy": copy}
