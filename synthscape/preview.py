"""Contact sheet of a dataset: one row per frame, three tiles per row.

Tiles: RGB with COCO masks (semi-transparent) and boxes with category names, depth
as a TURBO colour map (black = no hit), and the instance map with one colour per id.
Reads only the dataset files (Pillow/OpenCV/pycocotools), never Blender.
"""

from __future__ import annotations

import colorsys
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from synthscape.errors import SynthscapeError
from synthscape.io.images import read_exr, read_png, write_png
from synthscape.writers.coco import ANNOTATIONS_FILE, FRAGMENT_DIR, decode_mask
from synthscape.writers.images import png16_to_depth
from synthscape.writers.layout import complete_frames, frame_file

MIN_TILE_WIDTH = 256
MASK_ALPHA = 0.45
TILES_PER_ROW = 3


class PreviewError(SynthscapeError, FileNotFoundError):
    """The dataset has nothing to preview (the CLI exits 2 with this message)."""


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
    for a in annotations:
        x, y, w, h = (v * scale for v in a["bbox"])
        color = colors[a["id"] % 65536]
        cv2.rectangle(out, (int(x), int(y)), (int(x + w) - 1, int(y + h) - 1), color, 1)
        label = names.get(a["category_id"], str(a["category_id"]))
        cv2.putText(out, label, (int(x) + 2, max(int(y) - 3, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.35, color, 1,
                    cv2.LINE_AA)
    return out


def _category_names(root: Path, frame: int) -> dict[int, str]:
    merged = root / ANNOTATIONS_FILE
    if merged.is_file():
        return {c["id"]: c["name"] for c in json.loads(merged.read_text("utf-8"))["categories"]}
    meta = frame_file(root, "meta", frame, "json")
    if meta.is_file():
        return {c["id"]: c["name"] for c in json.loads(meta.read_text("utf-8"))["categories"]}
    return {}


def _read_depth(root: Path, frame: int) -> np.ndarray:
    exr = frame_file(root, "depth", frame, "exr")
    if exr.is_file():
        return read_exr(exr)["Z"]
    return png16_to_depth(read_png(frame_file(root, "depth", frame, "png")))


def frame_row(dataset_dir: str | os.PathLike[str], frame: int, scale: int) -> np.ndarray:
    """(H*s, 3*W*s, 3) uint8: the three tiles of one frame side by side."""
    root = Path(dataset_dir)
    rgb = read_png(frame_file(root, "rgb", frame, "png"))[..., :3]
    fragment = frame_file(root, FRAGMENT_DIR, frame, "json")
    annotations = json.loads(fragment.read_text("utf-8"))["annotations"] if fragment.is_file() else []
    tiles = [draw_annotations(rgb, annotations, _category_names(root, frame), scale),
             _upscale(colorize_depth(_read_depth(root, frame)), scale),
             _upscale(colorize_ids(read_png(frame_file(root, "instance", frame, "png"))), scale)]
    cv2.putText(tiles[0], f"frame {frame}", (3, tiles[0].shape[0] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                (255, 255, 255), 1, cv2.LINE_AA)
    return np.concatenate(tiles, axis=1)


def tile_scale(width: int, min_tile_width: int = MIN_TILE_WIDTH) -> int:
    """Integer upscale factor so that a tile is at least ``min_tile_width`` pixels wide."""
    return max(1, -(-min_tile_width // width))


def _pick_frames(root: Path, frames: Sequence[int] | None, max_frames: int) -> list[int]:
    if frames is not None:
        return list(frames)[:max_frames]
    done = complete_frames(root)
    if not done:
        done = sorted(int(p.stem) for p in (root / "rgb").glob("[0-9]" * 6 + ".png"))
    return done[:max_frames]


def write_contact_sheet(dataset_dir: str | os.PathLike[str], out_png: str | os.PathLike[str],
                        frames: Sequence[int] | None = None, max_frames: int = 4,
                        min_tile_width: int = MIN_TILE_WIDTH) -> Path:
    """Write a PNG contact sheet of up to ``max_frames`` frames of a dataset.

    The sheet is ``3 * W * s`` wide and ``rows * H * s`` high, with ``s`` =
    :func:`tile_scale` of the image width (nearest-neighbour upscaling keeps pixels sharp).

    Args:
        dataset_dir: the dataset folder (``--out`` of a render).
        out_png: where to write the sheet.
        frames: frame indices to show; None = the first complete frames.
        max_frames: at most this many rows.
        min_tile_width: tiles are upscaled by an integer factor to at least this width.

    Raises:
        PreviewError: no frame to show (a ``FileNotFoundError`` and a ``SynthscapeError``).
        FileNotFoundError: a chosen frame's files are missing.
    """
    root = Path(dataset_dir)
    picked = _pick_frames(root, frames, max_frames)
    if not picked:
        raise PreviewError(f"{root}: no rendered frames (rgb/NNNNNN.png) to preview; "
                                "render the dataset first or pass frames=")
    width = read_png(frame_file(root, "rgb", picked[0], "png")).shape[1]
    scale = tile_scale(width, min_tile_width)
    sheet = np.concatenate([frame_row(root, f, scale) for f in picked], axis=0)
    return write_png(out_png, sheet)
