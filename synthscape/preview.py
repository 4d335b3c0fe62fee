"""Contact sheet of a dataset: one row per frame, three tiles per row.

Tiles: RGB with COCO masks (semi-transparent) and boxes with category names, depth
as a TURBO colour map (black = no hit), and the instance map with one colour per id.
Rendered frames (``NNNNNN``) and augmented copies (``NNNNNN_kK``) are shown alike; a pass
that is missing (no ``depth/``, no ``instance/``) gets a grey "no ..." tile. Reads only the
dataset files (Pillow/OpenCV/pycocotools), never Blender.
"""

from __future__ import annotations

import colorsys
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np

from synthscape.errors import SynthscapeError
from synthscape.io.images import read_exr, read_png, write_png
from synthscape.spec.projection import (coco_bbox_to_rect, grid_scale_matrix, rect_pixel_span,
                                        transform_rect)
from synthscape.writers.coco import ANNOTATIONS_FILE, FRAGMENT_DIR, decode_mask
from synthscape.writers.images import png16_to_depth
from synthscape.writers.layout import DONE_DIR, frame_name, stem_file

MIN_TILE_WIDTH = 256
MASK_ALPHA = 0.45
TILES_PER_ROW = 3
MISSING_GRAY = 64
FRAME_STEM = re.compile(r"^\d{6}(_k\d+)?$")
"""Rendered frames ``NNNNNN`` and augmented copies ``NNNNNN_kK``."""
T = TypeVar("T")


class PreviewError(SynthscapeError, FileNotFoundError):
    """Nothing to preview, or a damaged file (the CLI exits 2 with this message)."""


def id_colors(ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """Distinct, stable 8-bit RGB colours per id (golden-ratio hues); id 0 is black."""
    colors = {}
    for i in ids:
        if i == 0:
            colors[i] = (0, 0, 0)
            continue
        r, g, b = colorsys.hsv_to_rgb((i * 0.61803398875) % 1.0, 0.75, 0.95 - 0.25 * ((i // 7) % 2))
        colors[i] = (int(r * 255), int(g * 255), int(b * 255))
    return colors


def colorize_ids(ids: np.ndarray) -> np.ndarray:
    """(H, W) integer ids -> (H, W, 3) uint8 RGB, background black."""
    out = np.zeros((*ids.shape, 3), dtype=np.uint8)
    for i, color in id_colors(np.unique(ids).tolist()).items():
        out[ids == i] = color
    return out


def colorize_depth(depth: np.ndarray) -> np.ndarray:
    """(H, W) metres -> (H, W, 3) uint8 RGB TURBO map over the finite range; no hit is black."""
    hit = np.isfinite(depth) & (depth > 0)
    if not hit.any():
        return np.zeros((*depth.shape, 3), dtype=np.uint8)
    lo, hi = float(depth[hit].min()), float(depth[hit].max())
    norm = np.where(hit, (depth - lo) / max(hi - lo, 1e-9), 0.0)
    gray = np.round(np.clip(norm, 0.0, 1.0) * 255).astype(np.uint8)
    rgb = cv2.cvtColor(cv2.applyColorMap(gray, cv2.COLORMAP_TURBO), cv2.COLOR_BGR2RGB)
    rgb[~hit] = 0
    return rgb


def _upscale(image: np.ndarray, scale: int) -> np.ndarray:
    return np.repeat(np.repeat(image, scale, axis=0), scale, axis=1) if scale > 1 else image.copy()


def draw_annotations(rgb: np.ndarray, annotations: Sequence[dict[str, Any]], names: dict[int, str],
                     scale: int) -> np.ndarray:
    """(H*s, W*s, 3) uint8: ``rgb`` upscaled by ``scale`` with masks, boxes and labels drawn."""
    out = _upscale(rgb, scale).astype(np.float32)
    colors = id_colors([a["id"] % 65536 for a in annotations])
    for a in annotations:
        mask = _upscale(decode_mask(a["segmentation"]), scale)
        out[mask] = (1 - MASK_ALPHA) * out[mask] + MASK_ALPHA * np.array(colors[a["id"] % 65536], np.float32)
    out = np.ascontiguousarray(np.round(out).astype(np.uint8))
    upscale = grid_scale_matrix(scale, scale)
    for a in annotations:
        x1, y1, x2, y2 = rect_pixel_span(transform_rect(coco_bbox_to_rect(a["bbox"]), upscale))
        color = colors[a["id"] % 65536]
        cv2.rectangle(out, (x1, y1), (x2, y2), color, 1)
        label = names.get(a["category_id"], str(a["category_id"]))
        cv2.putText(out, label, (x1 + 2, max(y1 - 3, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.35, color, 1,
                    cv2.LINE_AA)
    return out


def _read(path: Path, read: Callable[[Path], T]) -> T:
    """``read(path)``; a damaged file becomes a PreviewError naming it."""
    try:
        return read(path)
    except Exception as error:  # noqa: BLE001 - any failure to decode a dataset file is bad input
        raise PreviewError(f"{path}: cannot read ({type(error).__name__}: {str(error)[:200]}); "
                           "the file is damaged or truncated: rerun the command that wrote the "
                           "dataset (it redoes damaged frames), or preview other frames with "
                           "--frames") from None


def _read_json(path: Path) -> Any:
    return _read(path, lambda p: json.loads(p.read_text("utf-8")))


def _category_names(root: Path, stem: str) -> dict[int, str]:
    for path in (root / ANNOTATIONS_FILE, stem_file(root, "meta", stem, "json")):
        if path.is_file():
            data = _read_json(path)
            if isinstance(data, dict) and "categories" in data:
                return {c["id"]: c["name"] for c in data["categories"]}
    return {}


def _read_rgb(root: Path, stem: str) -> np.ndarray:
    path = stem_file(root, "rgb", stem, "png")
    if not path.is_file():
        raise PreviewError(f"{path}: not found; pick frames that exist (see {root / 'rgb'})")
    rgb = _read(path, read_png)
    return np.repeat(rgb[..., None], 3, axis=2) if rgb.ndim == 2 else rgb[..., :3]


def _read_depth(root: Path, stem: str, shape: tuple[int, int]) -> np.ndarray | None:
    exr, png = stem_file(root, "depth", stem, "exr"), stem_file(root, "depth", stem, "png")
    if exr.is_file():
        return _checked(exr, _read(exr, lambda p: read_exr(p)["Z"]), shape)
    if png.is_file():
        return _checked(png, _read(png, lambda p: png16_to_depth(read_png(p))), shape)
    return None


def missing_tile(height: int, width: int, text: str) -> np.ndarray:
    """(H, W, 3) uint8 grey tile saying which pass is missing."""
    tile = np.full((height, width, 3), MISSING_GRAY, dtype=np.uint8)
    cv2.putText(tile, text, (4, height // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (220, 220, 220), 1, cv2.LINE_AA)
    return tile


def _checked(path: Path, array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if array.shape[:2] != shape:
        raise PreviewError(f"{path}: size {array.shape[1]}x{array.shape[0]} differs from the rgb image "
                           f"({shape[1]}x{shape[0]}); rerun the command that wrote the dataset")
    return array


def _stem(frame: int | str) -> str:
    return frame_name(frame) if isinstance(frame, int) else str(frame)


def frame_row(dataset_dir: str | os.PathLike[str], frame: int | str, scale: int) -> np.ndarray:
    """(H*s, 3*W*s, 3) uint8: the three tiles of one frame (index or ``NNNNNN_kK`` stem) side by side.

    Raises:
        PreviewError: the frame's rgb image is missing, or a file is damaged.
    """
    root, stem = Path(dataset_dir), _stem(frame)
    rgb = _read_rgb(root, stem)
    shape = rgb.shape[:2]
    fragment = stem_file(root, FRAGMENT_DIR, stem, "json")
    data = _read_json(fragment) if fragment.is_file() else {}
    annotations = data.get("annotations", []) if isinstance(data, dict) else []
    depth = _read_depth(root, stem, shape)
    inst_path = stem_file(root, "instance", stem, "png")
    depth_tile = colorize_depth(depth) if depth is not None else missing_tile(*shape, "no depth")
    inst_tile = (colorize_ids(_checked(inst_path, _read(inst_path, read_png), shape)) if inst_path.is_file()
                 else missing_tile(*shape, "no instance"))
    tiles = [draw_annotations(rgb, annotations, _category_names(root, stem), scale),
             _upscale(depth_tile, scale), _upscale(inst_tile, scale)]
    cv2.putText(tiles[0], f"frame {stem}", (3, tiles[0].shape[0] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                (255, 255, 255), 1, cv2.LINE_AA)
    return np.concatenate(tiles, axis=1)


def tile_scale(width: int, min_tile_width: int = MIN_TILE_WIDTH) -> int:
    """Integer upscale factor so that a tile is at least ``min_tile_width`` pixels wide."""
    return max(1, -(-min_tile_width // width))


def dataset_frames(dataset_dir: str | os.PathLike[str]) -> list[str]:
    """Stems of the frames to show, in order: those with a ``.done`` marker, else every
    ``rgb/`` image (``NNNNNN`` or ``NNNNNN_kK``)."""
    root = Path(dataset_dir)
    done = root / DONE_DIR
    names = sorted(p.name for p in done.iterdir() if FRAME_STEM.match(p.name)) if done.is_dir() else []
    if not names and (root / "rgb").is_dir():
        names = sorted(p.stem for p in (root / "rgb").glob("*.png") if FRAME_STEM.match(p.stem))
    return names


def write_contact_sheet(dataset_dir: str | os.PathLike[str], out_png: str | os.PathLike[str],
                        frames: Sequence[int | str] | None = None, max_frames: int = 4,
                        min_tile_width: int = MIN_TILE_WIDTH) -> Path:
    """Write a PNG contact sheet of up to ``max_frames`` frames of a dataset.

    The sheet is ``3 * W * s`` wide and ``rows * H * s`` high, with ``s`` =
    :func:`tile_scale` of the image width (nearest-neighbour upscaling keeps pixels sharp).

    Args:
        dataset_dir: the dataset folder (``--out`` of a render or of augment).
        out_png: where to write the sheet.
        frames: frame indices or stems (``NNNNNN_kK``) to show; None = the first frames.
        max_frames: at most this many rows.
        min_tile_width: tiles are upscaled by an integer factor to at least this width.

    Raises:
        PreviewError: no frame to show, a chosen frame's rgb is missing, or a file is damaged
            (a ``FileNotFoundError`` and a ``SynthscapeError``).
    """
    root = Path(dataset_dir)
    picked = [_stem(f) for f in (dataset_frames(root) if frames is None else frames)][:max_frames]
    if not picked:
        raise PreviewError(f"{root}: no rendered frames (rgb/NNNNNN.png or rgb/NNNNNN_kK.png) to "
                           "preview; render or augment into this folder first")
    scale = tile_scale(_read_rgb(root, picked[0]).shape[1], min_tile_width)
    sheet = np.concatenate([frame_row(root, stem, scale) for stem in picked], axis=0)
    return write_png(out_png, sheet)
