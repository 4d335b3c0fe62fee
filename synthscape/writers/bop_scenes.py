"""The dataset-level step of the BOP output: scene JSON files and models from the frame fragments.

``merge`` calls :func:`finalize_bop` with the merged frames. Object ids are assigned here:
the distinct model keys (asset and scale, :func:`synthscape.writers.bop_models.model_key`)
of the merged frames, sorted, numbered from 1; each model's geometry comes from the lowest
merged frame that has it. Everything is a function of the fragments of the merged frames,
so the files do not depend on how the frames were sharded or in which order they finished.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.io.atomic import write_text_atomic
from synthscape.writers.bop_models import model_info, ply_text
from synthscape.writers.registry import FinalizeContext

BOP_DIR = "bop"
FRAGMENTS = "bop/frames"
"""Per-frame fragments: ``NNNNNN.json`` (annotations) and ``NNNNNN.models.npz`` (model geometry)."""
COCO_IGNORE_BELOW = 0.1
"""``scene_gt_coco.json`` marks annotations with ``visib_fract`` below this ``ignore`` (as the toolkit)."""
MODEL_FOLDERS = ("models", "models_eval")


def scene_dir(out_dir: str | os.PathLike[str], split: str, scene_id: int) -> Path:
    """``out_dir/bop/SPLIT/SSSSSS``."""
    return Path(out_dir) / BOP_DIR / split / f"{scene_id:06d}"


def read_bop_fragments(out_dir: Path, frames: Iterable[int]) -> list[dict[str, Any]]:
    """The fragments ``bop/frames/NNNNNN.json`` of ``frames`` that exist, in frame order."""
    base = Path(out_dir) / FRAGMENTS
    paths = [base / f"{i:06d}.json" for i in sorted(set(frames))]
    return [json.loads(p.read_text("utf-8")) for p in paths if p.is_file()]


def assign_object_ids(fragments: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """``{model key: obj_id}``: the sorted distinct keys numbered from 1."""
    keys = sorted({key for f in fragments for key in f["models"]})
    return {key: i + 1 for i, key in enumerate(keys)}


def _dump_by_image(entries: Mapping[int, Any]) -> str:
    """BOP-style JSON: one line per image id, ids in numeric order (not string order)."""
    lines = [f'  "{k}": {json.dumps(entries[k], sort_keys=True)}' for k in sorted(entries)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, indent=1) + "\n"


def _model_geometry(out_dir: Path, fragment: Mapping[str, Any], key: str) -> tuple[np.ndarray, np.ndarray]:
    index = fragment["models"][key]["array"]
    with np.load(Path(out_dir) / FRAGMENTS / f"{fragment['frame']:06d}.models.npz", allow_pickle=False) as npz:
        return np.asarray(npz[f"v{index}"]), np.asarray(npz[f"f{index}"])


def write_models(out_dir: Path, fragments: Sequence[Mapping[str, Any]], ids: Mapping[str, int]) -> list[Path]:
    """``bop/models/obj_OOOOOO.ply``, ``models_info.json``, ``models_assets.json`` (and the same in
    ``models_eval/``: the models are not resampled)."""
    first = {}
    for fragment in fragments:  # frame order: the lowest frame wins
        for key in fragment["models"]:
            first.setdefault(key, fragment)
    infos, assets, plys = {}, {}, {}
    for key, obj_id in ids.items():
        vertices, faces = _model_geometry(out_dir, first[key], key)
        asset = first[key]["models"][key]["object"]
        infos[obj_id], assets[obj_id] = model_info(asset, vertices), {"key": key, **asset}
        plys[obj_id] = ply_text(vertices, faces)
    written = []
    for folder in MODEL_FOLDERS:
        base = Path(out_dir) / BOP_DIR / folder
        for obj_id, text in plys.items():
            written.append(write_text_atomic(base / f"obj_{obj_id:06d}.ply", text))
        written.append(write_text_atomic(base / "models_info.json", _dump_by_image(infos)))
    written.append(write_text_atomic(Path(out_dir) / BOP_DIR / "models" / "models_assets.json",
                                     _dump_by_image(assets)))
    return written


def _scene_coco(fragments: Sequence[Mapping[str, Any]], ids: Mapping[str, int], name: str) -> dict[str, Any]:
    images, annotations = [], []
    for fragment in fragments:
        images.append({"file_name": fragment["rgb"], "height": fragment["height"], "id": fragment["im_id"],
                       "width": fragment["width"]})
        for gt, info, coco in zip(fragment["gt"], fragment["gt_info"], fragment["coco"]):
            if coco is None:
                continue
            annotations.append({**coco, "category_id": ids[gt["model"]], "height": fragment["height"],
                                "id": len(annotations) + 1, "ignore": info["visib_fract"] < COCO_IGNORE_BELOW,
                                "image_id": fragment["im_id"], "iscrowd": 0, "width": fragment["width"]})
    categories = [{"id": i, "name": str(i), "supercategory": name} for i in sorted(ids.values())]
    return {"annotations": annotations, "categories": categories, "images": images,
            "info": {"description": name, "version": "1.0"}, "licenses": []}


def write_scene(out_dir: Path, fragments: Sequence[Mapping[str, Any]], ids: Mapping[str, int],
                name: str) -> list[Path]:
    """The four JSON files of one scene from its frames' fragments."""
    folder = scene_dir(out_dir, fragments[0]["split"], fragments[0]["scene_id"])
    cameras = {f["im_id"]: f["camera"] for f in fragments}
    gts = {f["im_id"]: [{"cam_R_m2c": g["cam_R_m2c"], "cam_t_m2c": g["cam_t_m2c"], "obj_id": ids[g["model"]]}
                        for g in f["gt"]] for f in fragments}
    infos = {f["im_id"]: f["gt_info"] for f in fragments}
    return [write_text_atomic(folder / "scene_camera.json", _dump_by_image(cameras)),
            write_text_atomic(folder / "scene_gt.json", _dump_by_image(gts)),
            write_text_atomic(folder / "scene_gt_info.json", _dump_by_image(infos)),
            write_text_atomic(folder / "scene_gt_coco.json", _dumps(_scene_coco(fragments, ids, name)))]


def camera_json(fragment: Mapping[str, Any]) -> dict[str, Any]:
    """``bop/camera.json`` (sensor parameters for simulation) from the lowest merged frame."""
    k = fragment["camera"]["cam_K"]
    return {"cx": k[2], "cy": k[5], "depth_scale": fragment["camera"]["depth_scale"], "fx": k[0], "fy": k[4],
            "height": fragment["height"], "width": fragment["width"]}


def finalize_bop(ctx: FinalizeContext) -> list[Path]:
    """Assemble ``bop/`` from the fragments of ``ctx.frames`` (nothing when there are none)."""
    fragments = read_bop_fragments(ctx.out_dir, ctx.frames)
    if not fragments:
        return []
    ids = assign_object_ids(fragments)
    written = write_models(ctx.out_dir, fragments, ids)
    scenes: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for fragment in fragments:
        scenes.setdefault((fragment["split"], fragment["scene_id"]), []).append(fragment)
    for key in sorted(scenes):
        written += write_scene(ctx.out_dir, scenes[key], ids, f"{ctx.name}_{key[0]}")
    camera = _dumps(camera_json(fragments[0]))
    written.append(write_text_atomic(Path(ctx.out_dir) / BOP_DIR / "camera.json", camera))
    return written


__all__ = ["BOP_DIR", "FRAGMENTS", "assign_object_ids", "camera_json", "finalize_bop", "read_bop_fragments",
           "scene_dir", "write_models", "write_scene"]
