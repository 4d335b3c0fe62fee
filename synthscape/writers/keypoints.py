"""COCO keypoints (``outputs: [..., coco_keypoints]``): the 8 corners and the centre of each
object's 3D box, ``coco/keypoint_frames/NNNNNN.json`` per frame, ``coco/keypoints.json`` at merge.

The file is a complete COCO instances file (the same annotations, ids, masks and boxes as
``coco/annotations.json``) whose annotations add ``keypoints`` (``[x, y, v] * 9``, COCO
pixel coordinates: pixel ``i`` spans ``[i, i + 1)``, so a pixel centre is at ``i + 0.5``) and
``num_keypoints`` (keypoints with ``v > 0``), and whose categories add ``keypoints`` (names)
and ``skeleton`` (the box's 12 edges, 1-based). ``v``: 2 visible, 1 occluded (ray cast against
the scene mesh), 0 outside the image (then ``x = y = 0``). pycocotools' ``COCOeval`` needs
``params.kpt_oks_sigmas`` of length 9 for these (its default is the 17 person keypoints).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.buffers import BOX_KEYPOINT_NAMES, FrameBuffers, ObjectKeypoints
from synthscape.io.atomic import write_text_atomic
from synthscape.spec.projection import BOX_EDGES, COCO_PIXEL_CENTER, PIXEL_CENTER
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.coco import INSTANCE_STRIDE, coco_frame_fragment, coco_info, dumps_coco, merge_coco
from synthscape.writers.layout import frame_file, relative
from synthscape.writers.registry import FinalizeContext, OutputFormat, register_output

KEYPOINT_FRAGMENT_DIR = "coco/keypoint_frames"
KEYPOINTS_FILE = "coco/keypoints.json"
BOX_SKELETON: list[list[int]] = [[a + 1, b + 1] for a, b in BOX_EDGES]
"""The box's edges as COCO ``skeleton`` (1-based keypoint indices)."""


def coco_keypoints(points: ObjectKeypoints) -> tuple[list[float], int]:
    """COCO ``keypoints`` ``[x1, y1, v1, ...]`` and ``num_keypoints`` of one object."""
    shift = COCO_PIXEL_CENTER - PIXEL_CENTER
    flat: list[float] = []
    for (u, v), flag in zip(np.asarray(points.uv, float), np.asarray(points.visibility).tolist()):
        flat += [round(float(u) + shift, 3), round(float(v) + shift, 3), int(flag)] if flag else [0, 0, 0]
    return flat, int(np.count_nonzero(points.visibility))


def keypoint_fragment(spec: SceneSpec, buffers: FrameBuffers, rgb_file: str) -> dict[str, Any]:
    """The frame's COCO fragment with ``keypoints`` and ``num_keypoints`` on every annotation.

    Raises:
        ValueError: the sensors stage did not fill ``buffers.keypoints``.
    """
    if buffers.keypoints is None:
        raise ValueError(f"frame {spec.frame_index}: coco_keypoints needs the keypoints sensor "
                         "(run the sensors stage with the 'keypoints' need first)")
    fragment = coco_frame_fragment(spec, buffers, rgb_file)
    for annotation in fragment["annotations"]:
        points = buffers.keypoints[annotation["id"] % INSTANCE_STRIDE]
        annotation["keypoints"], annotation["num_keypoints"] = coco_keypoints(points)
    return fragment


def write_keypoint_fragment(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                            **ctx: Any) -> list[Path]:
    """``coco/keypoint_frames/NNNNNN.json`` (image file ``rgb/NNNNNN.png``)."""
    rgb_file = relative(out_dir, frame_file(out_dir, "rgb", spec.frame_index, "png"))
    fragment = keypoint_fragment(spec, buffers, rgb_file)
    return [write_text_atomic(frame_file(out_dir, KEYPOINT_FRAGMENT_DIR, spec.frame_index, "json"),
                              dumps_coco(fragment))]


def finalize_keypoints(ctx: FinalizeContext) -> list[Path]:
    """``coco/keypoints.json`` from the keypoint fragments of the merged frames."""
    base = Path(ctx.out_dir) / KEYPOINT_FRAGMENT_DIR
    paths = [base / f"{i:06d}.json" for i in sorted(ctx.frames)]
    fragments = [json.loads(p.read_text("utf-8")) for p in paths if p.is_file()]
    coco = merge_coco(fragments, ctx.categories, coco_info(ctx.name))
    for category in coco["categories"]:
        category["keypoints"], category["skeleton"] = list(BOX_KEYPOINT_NAMES), BOX_SKELETON
    return [write_text_atomic(Path(ctx.out_dir) / KEYPOINTS_FILE, dumps_coco(coco))]


register_output(OutputFormat(
    "coco_keypoints", write_keypoint_fragment, finalize_keypoints,
    needs=frozenset({"mesh", "visibility", "keypoints"}), scope="camera",
    description="COCO keypoints of each object's 3D box (8 corners, centre): coco/keypoints.json at merge"))

__all__ = ["BOX_SKELETON", "KEYPOINTS_FILE", "coco_keypoints", "finalize_keypoints", "keypoint_fragment",
           "write_keypoint_fragment"]
