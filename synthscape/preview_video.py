"""Video previews of a dataset's sequences: one MP4 (or GIF) per sequence (``synthscape preview --video``).

Each video frame puts side by side: the RGB with every object's visible box and track id (its
instance id, from ``instance/``), the forward optical flow in the Middlebury colour wheel (hue =
direction, saturation = speed relative to the frame's fastest pixel, black = no surface; a small
wheel in the corner as the legend) when ``flow_fw/`` exists, and the instance map with one colour
per track (the contact sheet's colours). Frames are grouped into sequences by their ``meta/``
clock (else by ``run.json``'s ``sequence_frames``) and ordered by step. The MP4 is H.264 through
imageio-ffmpeg's bundled ffmpeg, written one frame at a time; a GIF (Pillow) is written with
``gif=True`` or when ffmpeg is missing. Reads only the dataset files, never Blender.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from synthscape.io.atomic import atomic_path
from synthscape.io.images import read_exr, read_png
from synthscape.preview import (PreviewError, _read, _read_json, _read_rgb, colorize_ids, dataset_frames,
                                id_colors, missing_tile, tile_scale)

log = logging.getLogger("synthscape.preview_video")

DEFAULT_FPS = 10.0
MACRO_BLOCK = 16
"""H.264 frames are padded (black) to a multiple of this size, so ffmpeg never rescales them."""
LEGEND_PX = 40


def _wheel() -> np.ndarray:
    """(55, 3) float RGB of the Middlebury flow colour wheel (Baker et al. 2011)."""
    segments = ((15, (255, 0, 0), (255, 255, 0)), (6, (255, 255, 0), (0, 255, 0)), (4, (0, 255, 0), (0, 255, 255)),
                (11, (0, 255, 255), (0, 0, 255)), (13, (0, 0, 255), (255, 0, 255)), (6, (255, 0, 255), (255, 0, 0)))
    rows = [np.asarray(a, float) + (np.asarray(b, float) - np.asarray(a, float)) * k / n
            for n, a, b in segments for k in range(n)]
    return np.asarray(rows) / 255.0


WHEEL = _wheel()


def flow_to_color(flow: np.ndarray, max_magnitude: float | None = None) -> np.ndarray:
    """(H, W, 3) uint8 Middlebury colours of an (H, W, 2) flow in pixels; NaN (no surface) is black.

    Args:
        flow: ``[..., 0] = dx`` right, ``[..., 1] = dy`` down.
        max_magnitude: the speed of full saturation (default: the largest finite one).
    """
    valid = np.isfinite(flow).all(axis=-1)
    dx, dy = np.where(valid, flow[..., 0], 0.0), np.where(valid, flow[..., 1], 0.0)
    radius = np.hypot(dx, dy)
    top = max_magnitude if max_magnitude is not None else float(radius[valid].max(initial=0.0))
    radius = radius / max(top, 1e-9)
    angle = (np.arctan2(-dy, -dx) / np.pi + 1.0) / 2.0 * (len(WHEEL) - 1)
    k0 = np.floor(angle).astype(int)
    k1, f = (k0 + 1) % len(WHEEL), (angle - k0)[..., None]
    color = (1 - f) * WHEEL[k0] + f * WHEEL[k1]
    scale = np.clip(radius, 0.0, 1.0)[..., None]
    color = np.where(radius[..., None] <= 1, 1 - scale * (1 - color), color * 0.75)
    return np.where(valid[..., None], np.round(color * 255), 0).astype(np.uint8)


def _legend(size: int = LEGEND_PX) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size] - (size - 1) / 2
    disk = np.hypot(xs, ys) <= size / 2
    field = np.stack([np.where(disk, xs, np.nan), np.where(disk, ys, np.nan)], axis=-1)
    return flow_to_color(field, size / 2)


def read_flow(path: Path) -> np.ndarray:
    """(H, W, 2) float32 flow of a ``flow_fw/NNNNNN.exr`` (channels ``R`` = dx, ``G`` = dy)."""
    channels = _read(path, read_exr)
    if "R" in channels and "G" in channels:
        return np.stack([channels["R"], channels["G"]], axis=-1).astype(np.float32)
    stacked = [a for a in channels.values() if a.ndim == 3 and a.shape[2] >= 2]
    if not stacked:
        raise PreviewError(f"{path}: no R and G (dx, dy) channels; channels are {sorted(channels)}")
    return stacked[0][..., :2].astype(np.float32)


def _clock(root: Path, stem: str, sequence_frames: int) -> tuple[int, int, float]:
    """(sequence, step, fps) of a frame from its meta, else from ``run.json``'s sequence length."""
    meta = root / "meta" / f"{stem}.json"
    if meta.is_file():
        data = _read_json(meta)
        clock = (data.get("clock") or data.get("sequence") or {}) if isinstance(data, dict) else {}
        if "sequence" in clock:
            return int(clock["sequence"]), int(clock.get("step", 0)), float(clock.get("fps") or 0.0)
    index = int(stem)
    return index // sequence_frames, index % sequence_frames, 0.0


def dataset_sequences(dataset_dir: str | os.PathLike[str]) -> dict[int, tuple[list[str], float]]:
    """``{sequence: (frame stems in step order, fps)}`` of a dataset's rendered frames."""
    root = Path(dataset_dir)
    run = root / "run.json"
    length = int((_read_json(run) if run.is_file() else {}).get("sequence_frames") or 1)
    found: dict[int, list[tuple[int, str, float]]] = {}
    for stem in dataset_frames(root):
        if stem.isdigit():
            sequence, step, fps = _clock(root, stem, length)
            found.setdefault(sequence, []).append((step, stem, fps))
    return {s: ([stem for _, stem, _ in sorted(items)], max(f for *_, f in items))
            for s, items in sorted(found.items())}


def _boxes(rgb: np.ndarray, instance: np.ndarray | None, scale: int) -> np.ndarray:
    tile = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1).copy() if scale > 1 else rgb.copy()
    if instance is None:
        return tile
    ids = [int(i) for i in np.unique(instance) if i != 0]
    for track, color in id_colors(ids).items():
        rows, cols = np.nonzero(instance == track)
        x0, y0 = cols.min() * scale, rows.min() * scale
        x1, y1 = (cols.max() + 1) * scale - 1, (rows.max() + 1) * scale - 1
        cv2.rectangle(tile, (int(x0), int(y0)), (int(x1), int(y1)), color, 1)
        cv2.putText(tile, str(track), (int(x0) + 2, max(int(y0) - 3, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, color, 1,
                    cv2.LINE_AA)
    return tile


def _upscale(image: np.ndarray, scale: int) -> np.ndarray:
    return np.repeat(np.repeat(image, scale, axis=0), scale, axis=1) if scale > 1 else image


def video_frame(root: Path, stem: str, scale: int, with_flow: bool) -> np.ndarray:
    """(H*s, k*W*s, 3) uint8: boxes and track ids, flow (when ``with_flow``), instances."""
    rgb = _read_rgb(root, stem)
    shape = rgb.shape[:2]
    inst_path = root / "instance" / f"{stem}.png"
    instance = _read(inst_path, read_png) if inst_path.is_file() else None
    tiles = [_boxes(rgb, instance, scale)]
    if with_flow:
        flow_path = root / "flow_fw" / f"{stem}.exr"
        flow = flow_to_color(read_flow(flow_path)) if flow_path.is_file() else missing_tile(*shape, "no flow")
        flow = np.ascontiguousarray(_upscale(flow, scale))
        legend = _legend()
        if flow.shape[0] > legend.shape[0] and flow.shape[1] > legend.shape[1]:
            flow[-legend.shape[0]:, -legend.shape[1]:] = legend
        tiles.append(flow)
    tiles.append(_upscale(colorize_ids(instance) if instance is not None else missing_tile(*shape, "no instance"),
                          scale))
    return np.concatenate(tiles, axis=1)


def pad_to_block(frame: np.ndarray, block: int = MACRO_BLOCK) -> np.ndarray:
    """``frame`` padded with black at the right and bottom to multiples of ``block`` pixels."""
    h, w = frame.shape[:2]
    return np.pad(frame, ((0, -h % block), (0, -w % block), (0, 0)))


def ffmpeg_available() -> bool:
    """True when imageio-ffmpeg and its ffmpeg binary are there."""
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return False
    return True


def _write_mp4(path: Path, frames: Iterator[np.ndarray], fps: float) -> Path:
    import imageio_ffmpeg

    with atomic_path(path) as tmp:
        first = pad_to_block(next(frames))
        writer = imageio_ffmpeg.write_frames(str(tmp), (first.shape[1], first.shape[0]), fps=fps, codec="libx264",
                                             macro_block_size=MACRO_BLOCK, ffmpeg_log_level="error")
        writer.send(None)
        try:
            writer.send(np.ascontiguousarray(first))
            for frame in frames:
                writer.send(np.ascontiguousarray(pad_to_block(frame)))
        finally:
            writer.close()
    return path


def _write_gif(path: Path, frames: Iterator[np.ndarray], fps: float) -> Path:
    from PIL import Image

    first = Image.fromarray(next(frames))
    with atomic_path(path) as tmp:
        first.save(tmp, save_all=True, append_images=(Image.fromarray(f) for f in frames),
                   duration=round(1000 / fps), loop=0)
    return path


def write_sequence_videos(dataset_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None,
                          gif: bool = False, sequences: Sequence[int] | None = None) -> list[Path]:
    """Write one preview video per sequence: ``OUT/SSSS.mp4`` (or ``.gif``).

    Args:
        dataset_dir: the dataset folder (``--out`` of a render).
        out_dir: where the videos go (default ``DATASET/preview``).
        gif: write GIFs instead of MP4s (also the fallback when ffmpeg is missing).
        sequences: only these sequences (default: every one).

    Raises:
        PreviewError: no rendered frame, a chosen sequence that the dataset lacks, or a damaged file.
    """
    root = Path(dataset_dir)
    found = dataset_sequences(root)
    if not found:
        raise PreviewError(f"{root}: no rendered frames (rgb/NNNNNN.png) to preview; render into this folder first")
    missing = sorted(set(sequences or ()) - set(found))
    if missing:
        raise PreviewError(f"{root}: no frames of sequence(s) {missing}; the dataset has sequences "
                           f"{min(found)}..{max(found)}")
    if not gif and not ffmpeg_available():
        log.warning("imageio-ffmpeg's ffmpeg is missing: writing GIF previews instead of MP4")
        gif = True
    target, with_flow = Path(out_dir) if out_dir is not None else root / "preview", (root / "flow_fw").is_dir()
    written = []
    for sequence in sequences if sequences is not None else list(found):
        stems, fps = found[sequence]
        scale = tile_scale(_read_rgb(root, stems[0]).shape[1])
        frames = (video_frame(root, stem, scale, with_flow) for stem in stems)
        name = target / f"{sequence:04d}.{'gif' if gif else 'mp4'}"
        written.append((_write_gif if gif else _write_mp4)(name, frames, fps or DEFAULT_FPS))
    return written


__all__ = ["dataset_sequences", "flow_to_color", "pad_to_block", "read_flow", "video_frame", "write_sequence_videos"]
