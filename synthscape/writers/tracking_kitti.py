"""KITTI tracking export (``kitti_tracking``): ``label_02``, ``image_02`` and ``calib`` per sequence.

Layout (the KITTI tracking devkit's ``training/`` folder)::

    kitti_tracking/training/label_02/SSSS.txt        one row per object and frame (below)
    kitti_tracking/training/image_02/SSSS/FFFFFF.png  hard links of rgb/ (copies where links fail)
    kitti_tracking/training/calib/SSSS.txt           P0..P3, R_rect, Tr_velo_cam, Tr_imu_velo
    kitti_tracking/evaluate_tracking.seqmap.training "SSSS empty 000000 LLLLLL" per sequence
    kitti_tracking/frames/NNNNNN.json                the frame's rows and calib (merge reads these)

``SSSS`` is the sequence, ``FFFFFF`` the step within it. A label row has the devkit's 17 columns
(no score): ``frame track_id type truncated occluded alpha x1 y1 x2 y2 h w l x y z rotation_y``,
where ``frame`` is the step, ``track_id`` the object's instance id (constant over the sequence,
checked at merge) and the rest is the KITTI object writer's geometry
(:mod:`synthscape.writers.kitti`: visible 2D box, 3D box in the camera frame, ``alpha``, the
occlusion level from the visible / amodal pixels). ``truncated`` is the tracking benchmark's
integer level of the object writer's truncation (the fraction of the projected 3D box outside
the image, at its two decimals): 0 (0.00), 1 (under 0.50), 2 (0.50 and more). Boxes lower
than KITTI's moderate height become ``DontCare`` rows with track id -1, as the object writer
does; a frame without labelled objects has no rows. ``calib`` is the sequence's first frame's (the devkit's key names: ``R_rect`` and
``Tr_velo_cam`` without a colon); a camera whose intrinsics change within a sequence is refused.
The seqmap's last field is the sequence's frame count, as KITTI's own seqmap writes it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.io.atomic import atomic_path, write_text_atomic
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.kitti import (TR_IMU_TO_VELO, dontcare_line, kitti_objects, label_line, projection_p2,
                                      projection_p3, velo_to_cam)
from synthscape.writers.registry import FinalizeContext, OutputFormat, register_output
from synthscape.writers.tracks import TrackError, frame_record, link_rgb, sequence_name, sequences, write_record

FOLDER = "kitti_tracking"


def truncation_level(fraction: float) -> int:
    """KITTI tracking's truncation level of a fraction outside the image, read at the object
    benchmark's two decimals: 0 (0.00), 1 (under 0.50) or 2 (0.50 and more)."""
    shown = round(float(fraction), 2)
    return 0 if shown == 0.0 else 1 if shown < 0.5 else 2


def tracking_calib(spec: SceneSpec) -> str:
    """A tracking ``calib/SSSS.txt`` text: ``P0:``..``P3:``, ``R_rect``, ``Tr_velo_cam``, ``Tr_imu_velo``."""
    p2, p3 = projection_p2(spec), projection_p3(spec)
    rows = [("P0:", p2), ("P1:", p3), ("P2:", p2), ("P3:", p3), ("R_rect", np.eye(3)),
            ("Tr_velo_cam", velo_to_cam(spec)[:3]), ("Tr_imu_velo", TR_IMU_TO_VELO)]
    return "".join(f"{key} " + " ".join(f"{v:.12e}" for v in np.asarray(m, np.float64).ravel()) + "\n"
                   for key, m in rows)


def tracking_rows(spec: SceneSpec, buffers: FrameBuffers, min_height_px: float | None = None) -> list[str]:
    """The ``label_02`` rows of one frame: visible objects with a ``kitti_type``, then DontCare rows.

    Args:
        spec: the frame (its clock's step is the ``frame`` column).
        buffers: its render (``instance``) and sensors-stage ``visibility`` (occlusion level).
        min_height_px: lower visible boxes become DontCare; default KITTI's 25 px at 375 px.
    """
    step = spec.frame_clock().step
    found, dontcare = kitti_objects(spec, buffers, min_height_px)
    rows = []
    for k in found:
        _, _, tail = label_line(k.kitti_type, 0.0, k.occluded, k.box, k.rect).split(" ", 2)  # from the occlusion on
        rows.append(f"{step} {k.obj.instance_id} {k.kitti_type} {truncation_level(k.truncation)} {tail}")
    return rows + [f"{step} -1 {dontcare_line(rect)}" for rect in dontcare]


def write_kitti_tracking(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                         **ctx: Any) -> list[Path]:
    """The frame's ``image_02/SSSS/FFFFFF.png`` and its record (rows and calib) for the merge.

    Nothing without a category that has a ``kitti_type`` (the run plan refuses that choice).
    """
    if not spec.wants_kitti():
        return []
    if spec.camera.distortion_model != "none" and any(spec.camera.distortion):  # refused at plan time
        raise ValueError(f"frame {spec.frame_index}: KITTI tracking needs a rectified pinhole camera")
    clock = spec.frame_clock()
    image = (Path(out_dir) / FOLDER / "training" / "image_02" / sequence_name(clock.sequence)
             / f"{clock.step:06d}.png")
    record = frame_record(spec, rows=tracking_rows(spec, buffers), calib=tracking_calib(spec))
    return [link_rgb(out_dir, image, spec, buffers), write_record(out_dir, FOLDER, spec, record)]


def _write_sequence(root: Path, sequence: int, frames: Any) -> tuple[list[Path], int]:
    """``label_02/SSSS.txt`` streamed from the sequence's records, then ``calib/SSSS.txt``.

    Returns:
        The two paths and the sequence's frame count: its last step + 1 (the devkit indexes its
        labels by frame number, so a partial merge with a gap still counts the frames it spans).
    """
    name, calib, count = sequence_name(sequence), None, 0
    label = root / "training" / "label_02" / f"{name}.txt"
    with atomic_path(label) as tmp, open(tmp, "w", encoding="utf-8") as out:
        for record in frames:
            if calib is None:
                calib = record["calib"]
            elif record["calib"] != calib:
                raise TrackError(f"{FOLDER}/frames/{record['frame']:06d}.json: the camera's calibration "
                                 f"changes within sequence {sequence}; KITTI tracking has one calib per "
                                 "sequence: keep the intrinsics and the LiDAR mount fixed in a sequence")
            out.writelines(f"{row}\n" for row in record["rows"])
            count = max(count, int(record["step"]) + 1)
    return [label, write_text_atomic(root / "training" / "calib" / f"{name}.txt", calib or "")], count


def finalize_kitti_tracking(ctx: FinalizeContext) -> list[Path]:
    """Every sequence's ``label_02`` and ``calib`` files and the seqmap (none without records)."""
    root = Path(ctx.out_dir) / FOLDER
    if not (root / "frames").is_dir():
        return []
    written, seqmap = [], []
    for sequence, frames in sequences(ctx.out_dir, FOLDER, ctx.frames):
        paths, count = _write_sequence(root, sequence, frames)
        written += paths
        seqmap.append(f"{sequence_name(sequence)} empty 000000 {count:06d}\n")
    return [*written, write_text_atomic(root / "evaluate_tracking.seqmap.training", "".join(seqmap))]


register_output(OutputFormat(
    FOLDER, write_kitti_tracking, finalize_kitti_tracking, needs=frozenset({"mesh", "visibility"}), scope="frame",
    description="KITTI tracking: kitti_tracking/training/{label_02/SSSS.txt,image_02/SSSS/,calib/SSSS.txt} "
                "per sequence, track id = instance id"))
