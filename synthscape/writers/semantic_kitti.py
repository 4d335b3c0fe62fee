"""A SemanticKITTI class config for the dataset's ``lidar/*.label`` files.

Our ``.label`` files pack *our* category ids (lower 16 bits) and instance ids (upper 16), so
semantic-kitti-api's stock ``config/semantic-kitti.yaml`` maps every point to "unlabeled".
``lidar/semantic-kitti.yaml`` has the same keys as that file, built from the dataset's
categories: ``labels`` (raw id -> name), ``color_map`` (raw id -> BGR), ``content`` (raw id
-> fraction of the merged points), ``learning_map`` (raw id -> dense training class),
``learning_map_inv`` and ``learning_ignore`` (class 0, unlabeled, ignored). Pass it to the
api's scripts instead of the stock file (``visualize.py --config``, ``evaluate_semantics.py
--datacfg``). Categories whose names are SemanticKITTI classes
(``car``, ``person``/``pedestrian``, ``bicyclist``/``cyclist``, ``building``, ...) take
that class's colour, and ``semantic_kitti_ids`` maps them to SemanticKITTI's own raw label
ids, to compare with models trained on SemanticKITTI.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from synthscape.io.atomic import write_text_atomic
from synthscape.spec.scene_spec import CategorySpec
from synthscape.writers.registry import FinalizeContext

CONFIG_FILE = "lidar/semantic-kitti.yaml"
SEMANTIC_KITTI_CLASSES: dict[str, tuple[int, tuple[int, int, int]]] = {
    "car": (10, (245, 150, 100)), "bicycle": (11, (245, 230, 100)), "bus": (13, (250, 80, 100)),
    "motorcycle": (15, (150, 60, 30)), "truck": (18, (180, 30, 80)), "other-vehicle": (20, (255, 0, 0)),
    "person": (30, (30, 30, 255)), "bicyclist": (31, (200, 40, 255)), "motorcyclist": (32, (90, 30, 150)),
    "road": (40, (255, 0, 255)), "parking": (44, (255, 150, 255)), "sidewalk": (48, (75, 0, 75)),
    "other-ground": (49, (75, 0, 175)), "building": (50, (0, 200, 255)), "fence": (51, (50, 120, 255)),
    "vegetation": (70, (0, 175, 0)), "trunk": (71, (0, 60, 135)), "terrain": (72, (80, 240, 150)),
    "pole": (80, (150, 240, 255)), "traffic-sign": (81, (0, 0, 255)),
}
"""SemanticKITTI raw label id and BGR colour (config/semantic-kitti.yaml) of each class name."""
ALIASES = {"pedestrian": "person", "cyclist": "bicyclist", "bike": "bicycle", "van": "other-vehicle",
           "tree": "vegetation", "grass": "terrain", "sign": "traffic-sign"}
"""Category names (KITTI's and common ones) that mean a SemanticKITTI class."""


def semantic_kitti_class(name: str) -> str | None:
    """The SemanticKITTI class a category name means (``Traffic_Sign`` -> ``traffic-sign``), or None."""
    key = re.sub(r"[\s_]+", "-", name.strip().lower())
    key = ALIASES.get(key, key)
    return key if key in SEMANTIC_KITTI_CLASSES else None


def _palette_bgr(index: int) -> list[int]:
    """A distinct, deterministic BGR colour for a category without a SemanticKITTI class."""
    r, g, b = colorsys.hsv_to_rgb((index * 0.618033988749895) % 1.0, 0.65, 0.95)
    return [int(round(b * 255)), int(round(g * 255)), int(round(r * 255))]


def point_content(label_files: Sequence[Path], raw_ids: Sequence[int]) -> dict[int, float]:
    """Fraction of all points of ``label_files`` that carry each raw id (SemanticKITTI's ``content``)."""
    counts = np.zeros(max(raw_ids, default=0) + 1, dtype=np.int64)
    for path in label_files:
        semantic = np.fromfile(path, dtype="<u4") & 0xFFFF
        counts += np.bincount(semantic[semantic < counts.size], minlength=counts.size)
    total = int(counts.sum())
    return {i: (float(counts[i]) / total if total else 0.0) for i in raw_ids}


def semantic_kitti_config(categories: Sequence[CategorySpec],
                          label_files: Sequence[Path] = ()) -> dict[str, Any]:
    """The config dict (keys as semantic-kitti-api's ``config/semantic-kitti.yaml``).

    Raw id 0 is "unlabeled" (background, ground); category ``c`` is raw id ``c.id``. Training
    classes are dense: 0 unlabeled (ignored), then 1..K in category-id order.
    """
    cats = sorted(categories, key=lambda c: c.id)
    raw_ids = [0, *[c.id for c in cats]]
    matched = {c.id: semantic_kitti_class(c.name) for c in cats}
    colors = {0: [0, 0, 0]}
    colors.update({c.id: list(SEMANTIC_KITTI_CLASSES[m][1]) if (m := matched[c.id]) else _palette_bgr(k)
                   for k, c in enumerate(cats, start=1)})
    return {
        "name": "synthscape",
        "labels": {0: "unlabeled", **{c.id: c.name for c in cats}},
        "color_map": colors,
        "content": point_content(label_files, raw_ids),
        "learning_map": {raw: k for k, raw in enumerate(raw_ids)},
        "learning_map_inv": {k: raw for k, raw in enumerate(raw_ids)},
        "learning_ignore": {k: k == 0 for k in range(len(raw_ids))},
        "semantic_kitti_ids": {c.id: SEMANTIC_KITTI_CLASSES[m][0] for c in cats if (m := matched[c.id])},
    }


def finalize_semantic_kitti(ctx: FinalizeContext) -> list[Path]:
    """Write ``lidar/semantic-kitti.yaml`` when the dataset has ``lidar/`` files (else nothing)."""
    folder = Path(ctx.out_dir) / "lidar"
    if not folder.is_dir():
        return []
    labels = [p for p in (folder / f"{i:06d}.label" for i in ctx.frames) if p.is_file()]
    config = semantic_kitti_config(ctx.categories, labels)
    text = yaml.safe_dump(config, sort_keys=False, default_flow_style=None)
    return [write_text_atomic(Path(ctx.out_dir) / CONFIG_FILE, text)]
