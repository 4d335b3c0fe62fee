"""Per-frame camera calibration in OpenCV YAML: ``calibration/NNNNNN.yaml`` in each camera's folder.

Written with ``cv2.FileStorage`` (so ``cv2.FileStorage(path, cv2.FILE_STORAGE_READ)`` reads it), in the
layout of OpenCV's and ROS's calibration files:

    * ``image_width``, ``image_height``: pixels.
    * ``camera_matrix``: 3x3 ``K`` (pixel centres at integer coordinates, as OpenCV).
    * ``distortion_model``: ``plumb_bob`` (``cv2.projectPoints`` with 5 coefficients),
      ``rational_polynomial`` (8) or ``equidistant`` (``cv2.fisheye.projectPoints``, 4); a pinhole
      camera is ``plumb_bob`` with zeros.
    * ``distortion_coefficients``: 1xN, OpenCV ``distCoeffs`` order.
    * ``camera_to_rig``: 4x4 OpenCV camera frame to the rig (main camera) frame; ``world_to_camera``: 4x4.

The images and every label of the camera folder are distorted with exactly these values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.io.atomic import write_text_atomic
from synthscape.io.optional import import_cv2
from synthscape.spec.scene_spec import CameraSpec, SceneSpec
from synthscape.writers.layout import frame_file
from synthscape.writers.registry import OutputFormat, register_output

PINHOLE_MODEL = "plumb_bob"
"""What a camera without distortion is written as (zero coefficients)."""


def calibration_values(camera: CameraSpec) -> dict[str, Any]:
    """The calibration of one camera: model name, ``K``, coefficients, size, extrinsics (numpy/plain values)."""
    model = getattr(camera, "distortion_model", "none")
    coefficients = tuple(getattr(camera, "distortion", ()))
    if model == "none":
        model, coefficients = PINHOLE_MODEL, (0.0,) * 5
    return {"image_width": int(camera.width), "image_height": int(camera.height),
            "camera_name": camera.name, "camera_matrix": np.asarray(camera.K, dtype=np.float64),
            "distortion_model": model,
            "distortion_coefficients": np.asarray(coefficients, dtype=np.float64).reshape(1, -1),
            "camera_to_rig": np.asarray(camera.camera_to_rig, dtype=np.float64),
            "world_to_camera": np.asarray(camera.world_to_camera, dtype=np.float64)}


def calibration_yaml(camera: CameraSpec) -> str:
    """OpenCV ``FileStorage`` YAML text of :func:`calibration_values`."""
    cv2 = import_cv2("the calibration output")
    storage = cv2.FileStorage("calibration.yaml", cv2.FILE_STORAGE_WRITE | cv2.FILE_STORAGE_MEMORY)
    for key, value in calibration_values(camera).items():
        storage.write(key, value)
    return storage.releaseAndGetString()


def write_calibration(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                      **ctx: Any) -> list[Path]:
    """``calibration/NNNNNN.yaml`` of the view's camera (``buffers`` is not used)."""
    path = frame_file(out_dir, "calibration", spec.frame_index, "yaml")
    return [write_text_atomic(path, calibration_yaml(spec.camera))]


register_output(OutputFormat("calibration", write_calibration, scope="camera",
                             description="calibration/NNNNNN.yaml: OpenCV camera matrix, distortion model and "
                                         "coefficients (cv2.FileStorage)"))

__all__ = ["calibration_values", "calibration_yaml", "write_calibration"]
