"""Dataset writers: one module per output format, each registered in :mod:`synthscape.writers.registry`.

Every writer has the signature ``writer(out_dir, spec, buffers, **ctx) -> list[Path]``
(``ctx`` holds ``blender_version``), reads only the spec and the buffers (after the sensors
stage) and writes atomically. :func:`write_frame` runs the chosen formats in registration
order and writes the ``.done/NNNNNN`` marker last; ``merge`` runs their finalize steps.

A new output format is one module that calls :func:`register_output`, plus one import line
here.
"""

from __future__ import annotations

from synthscape.writers import images  # noqa: F401  rgb, depth, instance, semantic, normal
from synthscape.writers import meta  # noqa: F401  meta
from synthscape.writers import coco  # noqa: F401  coco
from synthscape.writers import lidar  # noqa: F401  lidar (+ SemanticKITTI config)
from synthscape.writers import kitti  # noqa: F401  kitti
from synthscape.writers import lidar_pcd  # noqa: F401  lidar_pcd
from synthscape.writers import lidar_nuscenes  # noqa: F401  lidar_nuscenes
from synthscape.writers import yolo  # noqa: F401  yolo, yolo_seg
from synthscape.writers import bop  # noqa: F401  bop
from synthscape.writers import keypoints  # noqa: F401  coco_keypoints
from synthscape.writers import calibration  # noqa: F401  calibration (OpenCV YAML)
from synthscape.writers import disparity  # noqa: F401  disparity (stereo rigs)
from synthscape.writers import flow  # noqa: F401  flow_fw, flow_bw, kitti_flow (sequences)
from synthscape.writers import tracking_kitti  # noqa: F401  kitti_tracking (sequences)
from synthscape.writers import tracking_mot  # noqa: F401  mot (sequences)
from synthscape.writers import coco_video  # noqa: F401  coco_video (sequences)
from synthscape.writers.layout import frame_is_complete
from synthscape.writers.registry import (DEFAULT_OUTPUTS, FinalizeContext, FrameWriter, OutputFormat,
                                         check_outputs, finalize_outputs, known_outputs, output_format,
                                         output_needs, register_output, write_frame, write_frame_files)

__all__ = ["DEFAULT_OUTPUTS", "FinalizeContext", "FrameWriter", "OutputFormat", "check_outputs",
           "finalize_outputs", "frame_is_complete", "known_outputs", "output_format", "output_needs",
           "register_output", "write_frame", "write_frame_files"]
