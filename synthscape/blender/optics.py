"""Depth of field, motion blur set-up, and the sharp label render behind both.

Cycles blurs every pass alike: with motion blur or a finite aperture the Depth, Normal and
Object Index passes of a render are those of a random shutter time and lens position per
sample (the index and depth of sample 0 only), not of the sharp frame. So a frame with
either effect renders twice: once with the effects for the RGB, then the label passes with
both off at one sample and no denoising (:func:`render_with_sharp_labels`), which gives the
labels of the sharp pinhole frame at shutter centre, equal to those of a render without the
effects.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence

import bpy

from synthscape.blender.motion import apply_motion
from synthscape.buffers import FrameBuffers
from synthscape.spec.optics import OpticsSpec, focus_depth
from synthscape.spec.scene_spec import SceneSpec


def apply_depth_of_field(camera: bpy.types.Object, optics: OpticsSpec | None,
                         world_to_camera: Sequence[Sequence[float]]) -> bool:
    """Set the thin-lens aperture and focus of ``camera`` from the frame's optics.

    Args:
        camera: the scene camera (its data's ``lens`` already set).
        optics: the frame's optics (None or no ``fstop``: a pinhole).
        world_to_camera: the camera's OpenCV 4x4 (the focus point's depth is measured in it).

    Returns:
        True when the camera has depth of field.
    """
    dof = camera.data.dof
    dof.focus_object = None
    if optics is None or not optics.has_depth_of_field():
        dof.use_dof = False
        return False
    dof.use_dof = True
    dof.aperture_fstop = float(optics.fstop)  # type: ignore[arg-type]
    dof.focus_distance = focus_depth(optics, world_to_camera)
    return True


def apply_optics(scene: bpy.types.Scene, spec: SceneSpec, camera: bpy.types.Object,
                 objects: Mapping[int, bpy.types.Object]) -> None:
    """Realize the frame's motion blur and depth of field (or clear the previous frame's)."""
    apply_motion(scene, spec.optics, camera, objects, spec.motion, spec.camera)
    apply_depth_of_field(camera, spec.optics, spec.camera.world_to_camera)


def needs_sharp_labels(spec: SceneSpec) -> bool:
    """True when the RGB render's label passes would be blurred (motion blur or depth of field)."""
    optics = spec.optics
    if optics is None:
        return False
    sequence_blur = spec.motion is not None and optics.shutter_s > 0
    return sequence_blur or optics.has_motion_blur() or optics.has_depth_of_field()


@contextlib.contextmanager
def sharp_label_settings(scene: bpy.types.Scene) -> Iterator[None]:
    """Motion blur and depth of field off, one sample, no denoising; restored afterwards."""
    camera_dof = scene.camera.data.dof if scene.camera is not None else None
    saved = (scene.render.use_motion_blur, scene.cycles.samples, scene.cycles.use_denoising,
             camera_dof.use_dof if camera_dof is not None else False)
    scene.render.use_motion_blur = False
    scene.cycles.samples = 1
    scene.cycles.use_denoising = False
    if camera_dof is not None:
        camera_dof.use_dof = False
    try:
        yield
    finally:
        scene.render.use_motion_blur, scene.cycles.samples, scene.cycles.use_denoising = saved[:3]
        if camera_dof is not None:
            camera_dof.use_dof = saved[3]


def render_with_sharp_labels(scene: bpy.types.Scene, spec: SceneSpec,
                             render_once: Callable[[], FrameBuffers]) -> FrameBuffers:
    """Render the frame; with motion blur or depth of field, take the labels from a sharp render.

    Args:
        scene: the built scene.
        spec: the frame (its ``optics`` decide).
        render_once: renders the scene as it is set now and returns its passes.

    Returns:
        The RGB of the render with the effects and every other pass of the sharp one.
    """
    if not needs_sharp_labels(spec):
        return render_once()
    blurred = render_once()
    with sharp_label_settings(scene):
        sharp = render_once()
    return dataclasses.replace(sharp, rgb=blurred.rgb)


__all__ = ["apply_depth_of_field", "apply_optics", "needs_sharp_labels", "render_with_sharp_labels",
           "sharp_label_settings"]
