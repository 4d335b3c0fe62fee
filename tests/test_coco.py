"""COCO writer checked with pycocotools itself (no Blender)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from synthscape.io.images import read_png
from synthscape.writers import write_frame
from synthscape.writers.coco import (annotation_id, category_counts, coco_frame_fragment, merge_coco,
                                     write_coco_annotations)
from tests.test_writers_common import CATEGORIES, MIN_AREA, make_buffers, make_spec

INFO = {"description": "test", "version": "1.0"}


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    for frame in (0, 1, 2):
        write_frame(tmp_path, make_spec(frame), make_buffers(frame), "5.0.1")
    write_coco_annotations(tmp_path, CATEGORIES, INFO)
    return tmp_path


def tight_box(mask: np.ndarray) -> list[float]:
    rows, cols = np.nonzero(mask)
    return [float(cols.min()), float(rows.min()), float(cols.max() - cols.min() + 1),
            float(rows.max() - rows.min() + 1)]


def _evaluate(gt: COCO, iou_type: str) -> float:
    detections = [{**a, "score": 1.0} for a in gt.dataset["annotations"]]
    for d in detections:
        d.pop("id")
        d.pop("area")
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(detections)
        ev = COCOeval(gt, dt, iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0])


@pytest.mark.parametrize("iou_type", ["segm", "bbox"])
def test_ground_truth_as_detections_scores_ap_one(dataset: Path, iou_type: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(dataset / "coco" / "annotations.json"))
    assert len(gt.getImgIds()) == 3 and len(gt.getAnnIds()) == 6
    assert _evaluate(gt, iou_type) == pytest.approx(1.0)


def test_rle_bbox_area_match_instance_png(dataset: Path) -> None:
    coco = json.loads((dataset / "coco" / "annotations.json").read_text())
    images = {i["id"]: i for i in coco["images"]}
    for a in coco["annotations"]:
        image = images[a["image_id"]]
        instance = read_png(dataset / image["file_name"].replace("rgb/", "instance/"))
        instance_id = a["id"] - (a["image_id"] - 1) * 65536
        expected = instance == instance_id
        rle = {"size": a["segmentation"]["size"], "counts": a["segmentation"]["counts"].encode()}
        assert np.array_equal(mask_utils.decode(rle).astype(bool), expected)
        assert a["bbox"] == tight_box(expected)
        assert a["area"] == int(expected.sum())
        assert a["iscrowd"] == 0
        assert (image["width"], image["height"]) == (instance.shape[1], instance.shape[0])


def test_small_and_absent_instances_get_no_annotation() -> None:
    spec, buffers = make_spec(5), make_buffers()
    fragment = coco_frame_fragment(spec, buffers, "rgb/000005.png")
    ids = sorted(a["id"] for a in fragment["annotations"])
    assert ids == [annotation_id(5, 1), annotation_id(5, 2)]
    assert 0 < int((buffers.instance == 3).sum()) < MIN_AREA
    assert fragment["images"] == [{"id": 6, "file_name": "rgb/000005.png", "width": 64, "height": 48}]
    assert [a["category_id"] for a in sorted(fragment["annotations"], key=lambda a: a["id"])] == [1, 2]


def test_unknown_instance_id_is_an_error() -> None:
    buffers = make_buffers()
    instance = buffers.instance.copy()
    instance[:5, :5] = 9
    with pytest.raises(ValueError, match="instance id 9"):
        coco_frame_fragment(make_spec(), type(buffers)(buffers.rgb, buffers.depth, buffers.normal, instance), "x")


def test_merge_rejects_duplicates_and_sorts() -> None:
    a = coco_frame_fragment(make_spec(3), make_buffers(), "rgb/000003.png")
    b = coco_frame_fragment(make_spec(1), make_buffers(), "rgb/000001.png")
    merged = merge_coco([a, b], CATEGORIES, INFO)
    assert [i["id"] for i in merged["images"]] == [2, 4]
    assert [c["supercategory"] for c in merged["categories"]] == ["box", "ball"]
    assert category_counts(merged) == {"box": 2, "ball": 2}
    with pytest.raises(ValueError, match="not unique"):
        merge_coco([a, a], CATEGORIES, INFO)
    with pytest.raises(ValueError, match="category_id 2"):
        merge_coco([a], CATEGORIES[:1], INFO)


def test_annotations_are_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        for frame in (1, 0):
            write_frame(tmp_path / run, make_spec(frame), make_buffers(frame), "5.0.1")
        write_coco_annotations(tmp_path / run, CATEGORIES, INFO)
        outputs.append((tmp_path / run / "coco" / "annotations.json").read_bytes())
    assert outputs[0] == outputs[1]


def test_frames_without_marker_are_not_merged(dataset: Path) -> None:
    (dataset / ".done" / "000001").unlink()
    coco = write_coco_annotations(dataset, CATEGORIES, INFO)
    assert [i["id"] for i in coco["images"]] == [1, 3]
