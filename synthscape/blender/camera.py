"""The camera: intrinsics from the spec, extrinsics from an OpenCV world-to-camera matrix."""

from __future__ import annotations

import bpy
import numpy as np
from mathutils import Matrix

from synthscape.spec.scene_spec import CameraSpec

OPENCV_TO_BLENDER = np.diag([1.0, -1.0, -1.0])
"""Camera-frame axis flip: OpenCV (x right, y down, z forward) -> Blender (y up, -z forward)."""


def camera_to_world_blender(world_to_camera: np.ndarray) -> np.ndarray:
    """Blender camera ``matrix_world`` (4x4) of an OpenCV world-to-camera transform (4x4).

    The OpenCV camera-to-world rotation gets its camera-frame Y and Z axes flipped.
    """
    w2c = np.asarray(world_to_camera, dtype=np.float64)
    if w2c.shape != (4, 4):
        raise ValueError(f"camera.world_to_camera must be 4x4, got shape {w2c.shape}")
    rotation = w2c[:3, :3].T
    out = np.eye(4)
    out[:3, :3] = rotation @ OPENCV_TO_BLENDER
    out[:3, 3] = -rotation @ w2c[:3, 3]
    return out


def build_camera(spec: CameraSpec, scene: bpy.types.Scene) -> bpy.types.Object:
    """Create the scene camera and set the render resolution from ``spec``."""
    data = bpy.data.cameras.new("camera")
    data.type = "PERSP"
    data.lens_unit = "MILLIMETERS"
    data.lens = spec.focal_length_mm
    data.sensor_fit = "HORIZONTAL"
    data.sensor_width = spec.sensor_width_mm
    data.shift_x = data.shift_y = 0.0
    data.clip_start = spec.clip_start
    data.clip_end = spec.clip_end
    obj = bpy.data.objects.new("camera", data)
    obj.matrix_world = Matrix(camera_to_world_blender(np.array(spec.world_to_camera)).tolist())
    scene.collection.objects.link(obj)
    scene.camera = obj
    scene.render.resolution_x = spec.width
    scene.render.resolution_y = spec.height
    scene.render.resolution_percentage = 100
    scene.render.pixel_aspect_x = scene.render.pixel_aspect_y = 1.0
    return obj
