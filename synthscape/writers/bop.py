"""The BOP format (BOP toolkit ``docs/bop_datasets_format.md``, scenewise): ``outputs: [..., bop]``.

Per frame the writer puts the images into their final place and one JSON fragment (plus the
frame's model geometry) under ``bop/frames/``; ``merge`` runs :func:`finalize_bop`
(:mod:`synthscape.writers.bop_scenes`), which assembles the scene and model files from the
fragments of the merged frames, so the result is byte-identical whatever the sharding and
however often a frame was redone::

    bop/camera.json
    bop/models/obj_OOOOOO.ply, models_info.json, models_assets.json   (models_eval/: the same)
    bop/SPLIT/SSSSSS/rgb/IIIIII.jpg|png, depth/IIIIII.png, mask/IIIIII_GGGGGG.png, mask_visib/...
    bop/SPLIT/SSSSSS/scene_camera.json, scene_gt.json, scene_gt_info.json, scene_gt_coco.json

Frame ``i`` is image ``i % N`` of scene ``i // N`` (``N``: ``bop.scene_size``). Units: mm;
rotations row-major 3x3; ``cam_K`` row-major 3x3; depth ``uint16 * depth_scale`` = mm (0 = no
depth). ``GGGGGG`` indexes the image's ``scene_gt`` list: every object of the frame, in
instance order. ``mask`` is the amodal mask (ray cast, :mod:`synthscape.sensors.visibility`),
``mask_visib`` the instance map.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from synthscape.buffers import FrameBuffers, ObjectVisibility
from synthscape.io.atomic import write_atomic, write_bytes_atomic, write_text_atomic
from synthscape.io.images import linear_to_srgb8, write_png
from synthscape.recipe.bop import bop_options
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec
from synthscape.writers.bop_models import MM_PER_M, instance_model, model_key, model_to_world
from synthscape.writers.bop_scenes import BOP_DIR, FRAGMENTS, finalize_bop, scene_dir
from synthscape.writers.coco import encode_mask
from synthscape.writers.registry import OutputFormat, register_output

UINT16_MAX = 65535


def options(spec: SceneSpec) -> dict[str, Any]:
    """The frame's resolved ``bop:`` options (the defaults when the plan put none in the spec)."""
    return dict(spec.output_options.get("bop") or bop_options(None))


def scene_and_image(frame_index: int, scene_size: int) -> tuple[int, int]:
    """(scene id, image id) of a frame."""
    return frame_index // scene_size, frame_index % scene_size


def depth_to_bop(depth: np.ndarray, depth_scale: float) -> np.ndarray:
    """(H, W) planar depth in metres -> uint16 ``round(mm / depth_scale)``; 0 = no hit or too far."""
    d = np.asarray(depth, dtype=np.float64)
    units = np.round(np.where(np.isfinite(d) & (d > 0), d, 0.0) * MM_PER_M / depth_scale)
    return np.where((units >= 1) & (units <= UINT16_MAX), units, 0).astype(np.uint16)


def _pose_m2c(spec: SceneSpec, obj: ObjectSpec) -> tuple[list[float], list[float]]:
    w2c = np.asarray(spec.camera.world_to_camera, dtype=np.float64)
    rotation, translation = model_to_world(obj)
    r = w2c[:3, :3] @ rotation
    t = (w2c[:3, :3] @ translation + w2c[:3, 3]) * MM_PER_M
    return _floats(r.ravel()), _floats(t)


def _floats(values: Any, digits: int = 9) -> list[float]:
    return [round(float(v), digits) + 0.0 for v in np.asarray(values).ravel()]


def scene_camera_entry(spec: SceneSpec, depth_scale: float) -> dict[str, Any]:
    """The ``scene_camera.json`` entry of a frame (``cam_t_w2c`` in mm)."""
    w2c = np.asarray(spec.camera.world_to_camera, dtype=np.float64)
    return {"cam_K": _floats(np.asarray(spec.camera.K, float).ravel()), "cam_R_w2c": _floats(w2c[:3, :3].ravel()),
            "cam_t_w2c": _floats(w2c[:3, 3] * MM_PER_M), "depth_scale": float(depth_scale)}


def mask_extent(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Inclusive ``(x_min, y_min, x_max, y_max)`` pixel indices of a non-empty (H, W) mask, else None."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


def bbox_xywh(extent: tuple[int, int, int, int]) -> list[int]:
    """BOP toolkit's ``calc_2d_bbox``: ``[x_min, y_min, x_max - x_min, y_max - y_min]``."""
    x0, y0, x1, y1 = extent
    return [x0, y0, x1 - x0, y1 - y0]


def gt_info_entry(seen: ObjectVisibility, visible: np.ndarray, depth_valid: np.ndarray) -> dict[str, Any]:
    """The ``scene_gt_info.json`` entry of one object, as ``scripts/calc_gt_info.py`` defines it.

    ``px_count_all`` counts the whole silhouette (truncated part included); the boxes are
    ``[-1, -1, -1, -1]`` when no pixel is visible, as the toolkit writes them.
    """
    mask = seen.amodal_mask if seen.amodal_mask is not None else np.zeros_like(visible)
    px_all = int(seen.silhouette_px or 0)
    px_visib = int(visible.sum())
    entry = {"bbox_obj": [-1, -1, -1, -1], "bbox_visib": [-1, -1, -1, -1], "px_count_all": px_all,
             "px_count_valid": int((mask & depth_valid).sum()), "px_count_visib": px_visib,
             "visib_fract": px_visib / px_all if px_all else 0.0}
    extent = mask_extent(visible) if px_visib else None
    if extent is not None and seen.silhouette_box is not None:
        entry["bbox_obj"], entry["bbox_visib"] = bbox_xywh(seen.silhouette_box), bbox_xywh(extent)
    return entry


def coco_entry(seen: ObjectVisibility, visible: np.ndarray) -> dict[str, Any] | None:
    """The instance's ``scene_gt_coco.json`` annotation without ids (``calc_gt_coco.py``, amodal box):
    RLE of the visible mask, ``bbox`` of the in-image amodal mask; None without visible pixels."""
    extent = mask_extent(seen.amodal_mask) if seen.amodal_mask is not None else None
    area = int(visible.sum())
    if extent is None or area == 0:
        return None
    x0, y0, x1, y1 = extent
    return {"area": area, "bbox": [x0, y0, x1 - x0 + 1, y1 - y0 + 1], "segmentation": encode_mask(visible)}


def _write_rgb(path: Path, buffers: FrameBuffers, opts: dict[str, Any]) -> Path:
    srgb = linear_to_srgb8(buffers.rgb)
    if opts["image_format"] == "png":
        return write_png(path, srgb)
    image = Image.fromarray(srgb)
    return write_atomic(path, lambda tmp: image.save(tmp, format="JPEG", quality=int(opts["jpg_quality"])))


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An uncompressed ``.npz`` with fixed timestamps (the same arrays give the same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            data = io.BytesIO()
            np.save(data, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), data.getvalue())
    return out.getvalue()


def _frame_objects(spec: SceneSpec, buffers: FrameBuffers) -> list[tuple[ObjectSpec, tuple[np.ndarray, np.ndarray]]]:
    if buffers.mesh is None or buffers.visibility is None:
        raise ValueError(f"frame {spec.frame_index}: the bop output needs the scene mesh and the visibility "
                         "sensor (its needs are mesh and visibility); run the sensors stage first")
    found = []
    for obj in spec.objects:
        model = instance_model(buffers.mesh, obj)
        if model is not None and obj.instance_id in buffers.visibility:
            found.append((obj, model))
    return found


def write_bop_frame(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                    **ctx: Any) -> list[Path]:
    """Images and masks of one frame in their scene folder, and its fragment ``bop/frames/NNNNNN.json``
    (+ ``NNNNNN.models.npz``: the frame's model geometry, mm, one ``vK``/``fK`` pair per model)."""
    opts = options(spec)
    scene_id, im_id = scene_and_image(spec.frame_index, int(opts["scene_size"]))
    folder = scene_dir(out_dir, opts["split"], scene_id)
    rgb_name = f"rgb/{im_id:06d}.{opts['image_format']}"
    depth = depth_to_bop(buffers.depth, float(opts["depth_scale"]))
    written = [_write_rgb(folder / rgb_name, buffers, opts), write_png(folder / f"depth/{im_id:06d}.png", depth)]
    instance = np.asarray(buffers.instance)
    gts, infos, cocos, models, arrays = [], [], [], {}, {}
    for gt_id, (obj, (vertices, faces)) in enumerate(_frame_objects(spec, buffers)):
        seen = buffers.visibility[obj.instance_id]  # type: ignore[index]
        visible = instance == obj.instance_id
        amodal = seen.amodal_mask if seen.amodal_mask is not None else np.zeros_like(visible)
        for kind, mask in (("mask", amodal), ("mask_visib", visible)):
            written.append(write_png(folder / f"{kind}/{im_id:06d}_{gt_id:06d}.png", mask.astype(np.uint8) * 255))
        key = model_key(obj)
        if key not in models:
            index = len(models)
            models[key] = {"array": index, "object": _object_record(obj)}
            arrays[f"v{index}"], arrays[f"f{index}"] = vertices.astype(np.float64), faces
        rotation, translation = _pose_m2c(spec, obj)
        gts.append({"cam_R_m2c": rotation, "cam_t_m2c": translation, "model": key})
        infos.append(gt_info_entry(seen, visible, depth > 0))
        cocos.append(coco_entry(seen, visible))
    fragment = {"frame": spec.frame_index, "scene_id": scene_id, "im_id": im_id, "split": opts["split"],
                "rgb": rgb_name, "width": spec.camera.width, "height": spec.camera.height,
                "camera": scene_camera_entry(spec, float(opts["depth_scale"])), "gt": gts, "gt_info": infos,
                "coco": cocos, "models": models}
    base = Path(out_dir) / FRAGMENTS
    written.append(write_bytes_atomic(base / f"{spec.frame_index:06d}.models.npz", _npz_bytes(arrays)))
    written.append(write_text_atomic(base / f"{spec.frame_index:06d}.json",
                                     json.dumps(fragment, sort_keys=True, separators=(",", ":")) + "\n"))
    return written


def _object_record(obj: ObjectSpec) -> dict[str, Any]:
    """What identifies a model's asset, for ``models_info.json`` symmetries and ``models_assets.json``."""
    return {"bbox_max": list(obj.bbox_max), "bbox_min": list(obj.bbox_min), "mesh_path": obj.mesh_path,
            "scale": list(obj.scale), "shape": obj.shape}


register_output(OutputFormat(
    "bop", write_bop_frame, finalize_bop, needs=frozenset({"mesh", "visibility"}), scope="camera",
    description="BOP (6D pose): bop/SPLIT/SSSSSS/ scenes, bop/models/ in mm; scene JSON files at merge"))

__all__ = ["BOP_DIR", "FRAGMENTS", "depth_to_bop", "gt_info_entry", "options", "scene_and_image", "scene_dir",
           "write_bop_frame"]
