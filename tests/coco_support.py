"""Shared test helper: pycocotools' keypoint evaluation of a COCO keypoints file against itself."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def keypoint_ap_of_ground_truth(path: Path, sigma: float = 0.05) -> tuple[float, COCO]:
    """AP of ``COCOeval(iouType='keypoints')`` with the ground truth of ``path`` as detections.

    Returns:
        (AP at OKS 0.50:0.95, the loaded ground truth).
    """
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(path))
        detections = [{"image_id": a["image_id"], "category_id": a["category_id"], "keypoints": a["keypoints"],
                       "score": 1.0} for a in gt.dataset["annotations"]]
        evaluation = COCOeval(gt, gt.loadRes(detections), iouType="keypoints")
        evaluation.params.kpt_oks_sigmas = np.full(len(gt.dataset["annotations"][0]["keypoints"]) // 3, sigma)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(evaluation.stats[0]), gt
