"""Object and camera motion around the frame time: keyframes for motion blur and the vector pass.

Every frame renders at :data:`FRAME`. Two sources of motion:

* **Sequences** (``spec.motion``): the camera and every moving object get linear keys at
  ``FRAME - 1`` / ``FRAME`` / ``FRAME + 1`` holding their poses one frame earlier, now and one
  frame later (location and rotation), so Cycles' vector pass is the true motion to the
  neighbouring frames (:func:`key_sequence_motion`); motion blur, if any, opens the shutter
  for ``shutter_s * fps`` frames centred on :data:`FRAME`.
* **Stills with a velocity** (``optics``): a moving object (or the camera) gets linear location
  keys at ``FRAME - 1`` and ``FRAME + 1`` holding ``p -/+ v * shutter_s``, and the shutter is
  one frame long and centred on :data:`FRAME`, so it opens at ``p - v * shutter_s / 2`` and
  closes at ``p + v * shutter_s / 2``: the motion of ``shutter_s`` seconds, whatever the fps.

Keys go through the datablock API (``keyframe_insert``), never ``bpy.ops``; every frame
first clears the animation of every object, so no key leaks into the next frame (objects
are reused between frames).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import bpy
import numpy as np
from mathutils import Matrix, Vector

from synthscape.blender.camera import camera_to_world_blender
from synthscape.spec.flow_geometry import view_world_to_camera
from synthscape.spec.optics import OpticsSpec
from synthscape.spec.scene_spec import CameraSpec, MotionSpec, PoseSpec

FRAME = 1
"""The frame number every frame renders at (shutter centre)."""
SHUTTER_FRAMES = 1.0
"""Shutter length in frames: the keys one frame either side make it ``shutter_s`` of motion."""
MAX_SEQUENCE_SHUTTER_FRAMES = 2.0
"""Longest shutter of a sequence frame, in frames: the keys span one frame either side."""


def clear_motion(scene: bpy.types.Scene) -> None:
    """Remove every object's animation and turn motion blur off (a sharp, still frame)."""
    for obj in bpy.data.objects:
        if obj.animation_data is not None:
            obj.animation_data_clear()
    scene.render.use_motion_blur = False
    if scene.frame_current != FRAME:
        scene.frame_set(FRAME)


def _fcurves(obj: bpy.types.Object) -> Iterator[bpy.types.FCurve]:
    """The F-curves of an object's action: layered actions (Blender 4.4+) or legacy ones."""
    action = obj.animation_data.action if obj.animation_data else None
    if action is None:
        return
    layers = getattr(action, "layers", None)
    if layers:
        slot = obj.animation_data.action_slot
        for layer in layers:
            for strip in layer.strips:
                bag = strip.channelbag(slot)
                if bag is not None:
                    yield from bag.fcurves
        return
    yield from action.fcurves


def key_linear_motion(obj: bpy.types.Object, velocity: tuple[float, float, float], shutter_s: float) -> None:
    """Keyframe ``obj``'s location so it moves at ``velocity`` (m/s, world) through the frame."""
    centre = obj.location.copy()
    step = Vector(velocity) * shutter_s
    for frame, position in ((FRAME - 1, centre - step), (FRAME, centre), (FRAME + 1, centre + step)):
        obj.location = position
        obj.keyframe_insert("location", frame=frame)
    _linear_keys(obj)
    obj.location = centre


def _linear_keys(obj: bpy.types.Object) -> None:
    for curve in _fcurves(obj):
        for point in curve.keyframe_points:
            point.interpolation = "LINEAR"


def key_object_poses(obj: bpy.types.Object, previous: PoseSpec, following: PoseSpec) -> None:
    """Key ``obj`` at its previous pose (``FRAME - 1``), its current one and the next (``FRAME + 1``)."""
    location, rotation = obj.location.copy(), obj.rotation_euler.copy()
    for frame, pose in ((FRAME - 1, previous), (FRAME + 1, following)):
        obj.location, obj.rotation_euler = pose.location, pose.rotation
        obj.keyframe_insert("location", frame=frame)
        obj.keyframe_insert("rotation_euler", frame=frame)
    obj.location, obj.rotation_euler = location, rotation
    obj.keyframe_insert("location", frame=FRAME)
    obj.keyframe_insert("rotation_euler", frame=FRAME)
    _linear_keys(obj)


def key_camera_poses(camera: bpy.types.Object, spec_camera: CameraSpec, motion: MotionSpec) -> None:
    """Key the camera of ``spec_camera`` (any camera of the rig) at the rig's previous / current / next pose."""
    current = camera.matrix_world.copy()
    for frame, rig_pose in ((FRAME - 1, motion.camera_previous), (FRAME + 1, motion.camera_next)):
        w2c = view_world_to_camera(spec_camera, rig_pose)
        camera.matrix_world = Matrix(camera_to_world_blender(np.asarray(w2c)).tolist())
        camera.keyframe_insert("location", frame=frame)
        camera.keyframe_insert("rotation_euler", frame=frame)
    camera.matrix_world = current
    camera.keyframe_insert("location", frame=FRAME)
    camera.keyframe_insert("rotation_euler", frame=FRAME)
    _linear_keys(camera)


def key_sequence_motion(camera: bpy.types.Object, spec_camera: CameraSpec, motion: MotionSpec,
                        objects: Mapping[int, bpy.types.Object]) -> None:
    """Key the camera and every moving object of a sequence frame at the neighbouring frames' poses."""
    camera.rotation_mode = "XYZ"
    key_camera_poses(camera, spec_camera, motion)
    for moving in motion.objects:
        obj = objects.get(moving.instance_id)
        if obj is not None:
            key_object_poses(obj, moving.previous, moving.next)


def apply_motion(scene: bpy.types.Scene, optics: OpticsSpec | None, camera: bpy.types.Object,
                 objects: Mapping[int, bpy.types.Object], motion: MotionSpec | None = None,
                 spec_camera: CameraSpec | None = None) -> bool:
    """Key the frame's motion and set up motion blur (or clear the previous frame's).

    Args:
        scene: the scene being built.
        optics: the frame's optics (None: no motion blur).
        camera: the camera object (moves with the rig's velocity).
        objects: instance id -> Blender object of the frame.
        motion: a sequence frame's neighbouring poses (None: a still).
        spec_camera: the camera being rendered (needed with ``motion``).

    Returns:
        True when the frame renders with motion blur.
    """
    clear_motion(scene)
    if motion is not None and spec_camera is not None:
        key_sequence_motion(camera, spec_camera, motion, objects)
        scene.frame_set(FRAME)
        if optics is None or optics.shutter_s <= 0:
            return False
        scene.render.use_motion_blur = True
        scene.render.motion_blur_shutter = min(optics.shutter_s / motion.dt_s, MAX_SEQUENCE_SHUTTER_FRAMES)
        scene.render.motion_blur_position = "CENTER"
        return True
    if optics is None or not optics.has_motion_blur():
        return False
    if optics.camera_velocity != (0.0, 0.0, 0.0):
        key_linear_motion(camera, optics.camera_velocity, optics.shutter_s)
    for instance_id, velocity in optics.object_velocities:
        if instance_id in objects and velocity != (0.0, 0.0, 0.0):
            key_linear_motion(objects[instance_id], velocity, optics.shutter_s)
    scene.render.use_motion_blur = True
    scene.render.motion_blur_shutter = SHUTTER_FRAMES
    scene.render.motion_blur_position = "CENTER"
    scene.frame_set(FRAME)
    return True


__all__ = ["FRAME", "apply_motion", "clear_motion", "key_camera_poses", "key_linear_motion", "key_object_poses",
           "key_sequence_motion"]
