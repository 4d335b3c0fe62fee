"""Cycles motion blur from constant velocities: keyframes around the frame time.

Every frame renders at :data:`FRAME`; a moving object (or the camera) gets linear location
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
from mathutils import Vector

from synthscape.spec.optics import OpticsSpec

FRAME = 1
"""The frame number every frame renders at (shutter centre)."""
SHUTTER_FRAMES = 1.0
"""Shutter length in frames: the keys one frame either side make it ``shutter_s`` of motion."""


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
    for curve in _fcurves(obj):
        for point in curve.keyframe_points:
            point.interpolation = "LINEAR"
    obj.location = centre


def apply_motion(scene: bpy.types.Scene, optics: OpticsSpec | None, camera: bpy.types.Object,
                 objects: Mapping[int, bpy.types.Object]) -> bool:
    """Set up motion blur for the frame (or clear the previous frame's).

    Args:
        scene: the scene being built.
        optics: the frame's optics (None: no motion blur).
        camera: the camera object (moves with the rig's velocity).
        objects: instance id -> Blender object of the frame.

    Returns:
        True when the frame renders with motion blur.
    """
    clear_motion(scene)
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


__all__ = ["FRAME", "apply_motion", "clear_motion", "key_linear_motion"]
