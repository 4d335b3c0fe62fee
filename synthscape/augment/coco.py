"""COCO annotations of an augmented copy, regenerated from its instance map.

Annotations are built by the COCO writer (:func:`synthscape.writers.coco.mask_annotation`)
with the writer's id scheme applied to the copy's index: ``image_id = index + 1`` and
``annotation id = index * 65536 + instance id``, ``index = frame * copies + copy``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthscape.writers.coco import annotation_id, image_id, mask_annotation
from synthscape.writers.layout import copy_stem, frame_name


def copy_index(frame: int, copy: int, copies: int) -> int:
    """Index of copy ``copy`` of frame ``frame`` among all copies: ``frame * copies + copy``.

    The copy's COCO ids are the writer's ids of a frame with this index, so ids are unique
    and deterministic for a given ``copies``; KITTI copies use it as their numeric id.
    """
    return frame * copies + copy


def _category(inst: int, mask: np.ndarray, semantic: np.ndarray,
              categories: dict[int, int]) -> int:
    if inst in categories:
        return categories[inst]
    values = semantic[mask]
    return int(np.bincount(values).argmax()) if values.size else 0


def annotations(instance: np.ndarray, semantic: np.ndarray, index: int,
                categories: dict[int, int], min_area: int) -> tuple[list[dict], list[int]]:
    """COCO annotations of every instance left in an (H, W) uint16 instance map.

    Args:
        instance: (H, W) uint16 instance ids after augmentation.
        semantic: (H, W) uint16 category ids, used when ``categories`` lacks an instance.
        index: :func:`copy_index` of the copy.
        categories: instance id -> category id of the source frame.
        min_area: instances with fewer pixels are dropped.

    Returns:
        The annotations (RLE segmentation, tight bbox, area, as the COCO writer makes them)
        and the ids of dropped instances.
    """
    out, dropped = [], []
    ids, counts = np.unique(instance, return_counts=True)
    for inst, area in zip(ids.tolist(), counts.tolist()):
        if inst == 0:
            continue
        mask = instance == inst
        category = _category(inst, mask, semantic, categories)
        if area < min_area or category == 0:
            dropped.append(inst)
            continue
        out.append(mask_annotation(annotation_id(index, inst), image_id(index), category, mask))
    return out, dropped


def image_entry(source_image: dict[str, Any] | None, frame: int, copy: int, copies: int,
                width: int, height: int) -> dict[str, Any]:
    """The COCO ``images`` entry of a copy; its file name keeps the source's folder style."""
    name = copy_stem(frame, copy)
    file_name = f"rgb/{name}.png"
    if source_image and "file_name" in source_image:
        file_name = str(source_image["file_name"]).replace(frame_name(frame), name, 1)
    return {"id": image_id(copy_index(frame, copy, copies)), "file_name": file_name,
            "width": width, "height": height, "source_image_id": image_id(frame),
            "source_frame": frame, "copy": copy}
