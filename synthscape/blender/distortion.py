"""Distort a render: the undistorted passes of :func:`synthscape.spec.lens.render_camera` looked up
through the lens, so the buffers match the distorted camera before the sensors stage and writers.

Per pass:
    * RGB: bilinear (``cv2.remap``, ``INTER_LINEAR``).
    * Instance ids, normals and depth: nearest pixel (the undistorted pixel whose centre is
      closest to the distorted pixel's ray). Planar depth stays planar along the same optical
      axis (the render camera has the distorted camera's pose), so a nearest lookup keeps it
      exact for the surface it picks and never blends two surfaces at an edge; instance,
      normal and depth always come from the same render pixel, so they agree.

Pure numpy/OpenCV (no bpy): the renderer calls :func:`distort_buffers` right after reading
its EXR.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.io.optional import import_cv2
from synthscape.spec.lens import undistortion_lookup
from synthscape.spec.projection import pixel_index
from synthscape.spec.scene_spec import CameraSpec


def _render_lookup(camera: CameraSpec, render: CameraSpec) -> np.ndarray:
    """(H, W, 2) float32 x, y of each distorted pixel's ray in the render's pixels."""
    lookup = undistortion_lookup(camera)
    if lookup is None:
        raise ValueError(f"camera {camera.name!r} has no distortion: nothing to remap")
    shift = np.array([render.K[0][2] - camera.K[0][2], render.K[1][2] - camera.K[1][2]], dtype=np.float32)
    return lookup + shift


def distort_buffers(camera: CameraSpec, render: CameraSpec, buffers: FrameBuffers) -> FrameBuffers:
    """The passes of ``camera`` (distorted, ``camera.width`` x ``camera.height``) from a render of ``render``.

    Args:
        camera: the distorted camera of the spec.
        render: the undistorted camera that was rendered (:func:`synthscape.spec.lens.render_camera`).
        buffers: the render's passes (``render.height`` x ``render.width``); ``mesh`` is kept.

    Returns:
        New buffers with ``rgb``, ``depth``, ``normal`` and ``instance`` remapped; ``buffers``
        itself when ``camera`` has no distortion.

    Raises:
        ValueError: the buffers do not have the render camera's size.
    """
    if undistortion_lookup(camera) is None:
        return buffers
    if buffers.depth.shape != (render.height, render.width):
        raise ValueError(f"render of camera {camera.name!r} is {buffers.depth.shape[::-1]} px, "
                         f"expected {render.width} x {render.height}")
    lookup = _render_lookup(camera, render)
    cv2 = import_cv2("camera.distortion")
    rgb = cv2.remap(np.ascontiguousarray(buffers.rgb), lookup[..., 0], lookup[..., 1], cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    cols = np.clip(pixel_index(lookup[..., 0]), 0, render.width - 1)
    rows = np.clip(pixel_index(lookup[..., 1]), 0, render.height - 1)
    return dataclasses.replace(buffers, rgb=rgb.astype(np.float32, copy=False),
                               depth=np.ascontiguousarray(buffers.depth[rows, cols]),
                               normal=np.ascontiguousarray(buffers.normal[rows, cols]),
                               instance=np.ascontiguousarray(buffers.instance[rows, cols]),
                               flow_forward=None, flow_backward=None)  # flow outputs refuse distortion


__all__ = ["distort_buffers"]
