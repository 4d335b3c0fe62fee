"""One Cycles render per frame into a multilayer EXR, read back as :class:`FrameBuffers`."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import bpy
import numpy as np

from synthscape.blender.device import DeviceInfo, select_device
from synthscape.blender.distortion import distort_buffers
from synthscape.blender.mesh_export import export_scene_mesh
from synthscape.blender.optics import render_with_sharp_labels
from synthscape.blender.scene_builder import build_scene, clear_frame, configure_render
from synthscape.buffers import FrameBuffers
from synthscape.io.images import read_exr
from synthscape.spec.lens import render_camera
from synthscape.spec.scene_spec import SceneSpec

LOG = logging.getLogger("synthscape.blender")

BACKGROUND_DEPTH = 1.0e9
"""Cycles writes about 1e10 where a ray hits nothing; anything beyond this becomes ``inf``."""


class CyclesRenderer:
    """Renders scene specs with Cycles, one frame after another in this process.

    Example::

        renderer = CyclesRenderer("auto")
        buffers = renderer.render(spec)
        renderer.close()
    """

    def __init__(self, device: str = "auto", quiet: bool = True) -> None:
        """Reset Blender to an empty factory scene and choose the compute device.

        Args:
            device: ``auto``, ``cpu`` or ``gpu`` (see
                :func:`synthscape.blender.device.select_device`).
            quiet: silence Blender's per-frame stdout lines ("Saved: ...") so progress bars
                stay readable; errors still raise.

        Raises:
            DeviceUnavailableError: ``device='gpu'`` and no GPU is usable.
        """
        bpy.ops.wm.read_factory_settings(use_empty=True)
        self._scene = bpy.context.scene
        configure_render(self._scene)
        with _silenced_stdout(quiet):  # Cycles prints a warning per missing GPU library
            self.device: DeviceInfo = select_device(device, self._scene)
        self.blender_version: str = bpy.app.version_string
        self.device_info: dict[str, object] = {**self.device.to_dict(),
                                               "blender_version": self.blender_version}
        """For ``dataset.json``: type (CPU/OPTIX/CUDA/...), requested, names, blender_version."""
        self._quiet = quiet
        self._tmp = Path(tempfile.mkdtemp(prefix="synthscape_render_"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._tmp, True)
        self.last_render_seconds = 0.0
        """Wall time of the last frame's ``bpy.ops.render.render`` calls alone, seconds (two with
        motion blur or depth of field: the effects, then the sharp labels)."""
        self.last_render_span = (0.0, 0.0)
        """``time.perf_counter()`` at the start and end of the frame's ``bpy.ops.render.render`` calls."""
        self._frame_start: float | None = None

    def build(self, spec: SceneSpec) -> dict[str, int]:
        """Clear the previous frame and realize ``spec`` in the scene, without rendering.

        The previous frame's primitive objects and materials are reused where ``spec`` has
        objects of the same name (only values change); everything else is rebuilt.

        Returns:
            Blender object name -> instance id of every labelled object (ground included, 0).
        """
        with _silenced_stdout(self._quiet):  # mesh importers print a line per file ("PLY import of ...")
            return build_scene(spec, self._scene, reusable=clear_frame(keep_reusable=True))

    def settle(self, spec: SceneSpec) -> SceneSpec:
        """Drop and settle the physics bodies of ``spec`` (Blender's rigid body world); a new spec
        with the settled poses (:func:`synthscape.blender.physics.settle_spec`), ``spec`` without physics;
        in a sequence, tossed bodies get their recorded poses (:mod:`synthscape.blender.physics_motion`)."""
        from synthscape.blender.physics_motion import settle_sequence_frame

        return settle_sequence_frame(spec, self._scene, self.build)  # sequences: once per sequence, tosses

    def render(self, spec: SceneSpec) -> FrameBuffers:
        """Build ``spec`` (after clearing the previous frame), render it and return its passes.

        Returns:
            :class:`FrameBuffers`; ``mesh`` (world triangles) is filled when the spec needs
            it for LiDAR or KITTI occlusion (:meth:`SceneSpec.wants_scene_mesh`).
        """
        rendered = render_view(spec)  # a distorted camera renders undistorted with a margin
        instance_of = self.build(rendered)
        self._scene.view_layers[0].use_pass_vector = wants_flow(spec)
        path = self._tmp / f"frame_{spec.frame_index:06d}.exr"
        self._scene.render.filepath = str(path)
        self.last_render_seconds, self._frame_start = 0.0, None
        passes = render_with_sharp_labels(self._scene, rendered, lambda: self._render_passes(path))
        LOG.debug("frame %d rendered on %s in %.3f s", spec.frame_index,
                  self.device.backend, self.last_render_seconds)
        buffers = distort_buffers(spec.camera, rendered.camera, passes)
        if spec.wants_scene_mesh():
            depsgraph = bpy.context.evaluated_depsgraph_get()
            mesh = export_scene_mesh(depsgraph, instance_of=lambda ob: instance_of.get(ob.name))
            buffers = dataclasses.replace(buffers, mesh=mesh)
        return buffers

    def _render_passes(self, path: Path) -> FrameBuffers:
        """One ``bpy.ops.render.render`` of the scene as it is set now, read back from ``path``.

        Adds to the frame's :attr:`last_render_seconds`; :attr:`last_render_span` runs from the
        frame's first render call to the end of this one.
        """
        with _silenced_stdout(self._quiet):
            start = time.perf_counter()
            bpy.ops.render.render(write_still=True)
            end = time.perf_counter()
        if self._frame_start is None:
            self._frame_start = start
        self.last_render_span = (self._frame_start, end)
        self.last_render_seconds += end - start
        try:
            return buffers_from_exr(read_exr(path))
        finally:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the last frame's datablocks and the temporary folder."""
        clear_frame()
        self._cleanup()

    def __enter__(self) -> CyclesRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wants_flow(spec: SceneSpec) -> bool:
    """True when the frame's outputs need optical flow (a sequence frame with a flow output)."""
    return spec.motion is not None and "flow" in spec.needs


def render_view(spec: SceneSpec) -> SceneSpec:
    """What Cycles renders for ``spec``: ``spec`` itself, or with a distorted camera its undistorted
    :func:`~synthscape.spec.lens.render_camera` (larger, same focal length), remapped after the render."""
    camera = render_camera(spec.camera)
    return spec if camera is spec.camera else dataclasses.replace(spec, camera=camera)


@contextlib.contextmanager
def _silenced_stdout(enabled: bool) -> Iterator[None]:
    """Point file descriptor 1 (where Blender's C code logs) at /dev/null while active."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _channel(channels: dict[str, np.ndarray], *suffixes: str) -> np.ndarray:
    """The channel whose name ends with one of ``suffixes`` (view-layer prefix ignored)."""
    for suffix in suffixes:
        for name, array in channels.items():
            if name == suffix or name.endswith("." + suffix):
                return array
    raise KeyError(f"render EXR has no pass {suffixes[0]!r}; it has {sorted(channels)}")


def _stack(channels: dict[str, np.ndarray], grouped: str, axes: str) -> np.ndarray:
    """An (H, W, C) pass, whether OpenEXR grouped it (``Normal``) or not (``Normal.X`` ...)."""
    try:
        return _channel(channels, grouped)
    except KeyError:
        return np.stack([_channel(channels, f"{grouped}.{a}") for a in axes], axis=-1)


def buffers_from_exr(channels: dict[str, np.ndarray]) -> FrameBuffers:
    """Turn Cycles' multilayer EXR channels into :class:`FrameBuffers`.

    Args:
        channels: :func:`synthscape.io.images.read_exr` output of a render with the
            Combined, Depth, Normal and Object Index passes (row 0 = image top).
    """
    rgb = np.asarray(_stack(channels, "Combined", "RGBA")[..., :3], dtype=np.float32)  # a view: no copy
    depth = np.asarray(_channel(channels, "Depth.Z", "Depth"), dtype=np.float32)
    if depth.ndim == 3:
        depth = depth[..., 0]
    depth = np.where(depth >= BACKGROUND_DEPTH, np.float32(np.inf), depth)
    normal = np.array(_stack(channels, "Normal", "XYZ"), dtype=np.float32)  # own copy, changed in place
    length = np.sqrt(np.einsum("...i,...i->...", normal, normal))[..., None]  # float32 throughout
    hit = np.isfinite(depth)[..., None] & (length > 1e-6)
    np.divide(normal, np.maximum(length, np.float32(1e-6)), out=normal)
    np.copyto(normal, np.float32(0.0), where=~hit)
    index = np.asarray(_channel(channels, "Object Index.X", "Object Index", "IndexOB.X"))
    if index.ndim == 3:
        index = index[..., 0]
    instance = np.rint(index).clip(0, 65535).astype(np.uint16)
    forward, backward = flow_from_vector_pass(channels)
    return FrameBuffers(rgb=rgb, depth=depth, normal=normal, instance=instance,
                        flow_forward=forward, flow_backward=backward)


def flow_from_vector_pass(channels: dict[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Forward and backward flow (:class:`FrameBuffers` convention) from Cycles' Vector pass, if rendered.

    Cycles writes, in pixels with y pointing up, ``X, Y = previous - current`` and ``Z, W =
    current - next`` positions of the surface seen at each pixel (checked by rendering a known
    motion, ``tests/test_flow_render.py``). With y down: forward ``(-Z, W)``, backward ``(X, -Y)``.
    """
    try:
        vector = _stack(channels, "Vector", "XYZW")
    except KeyError:
        return None, None
    vector = np.asarray(vector, dtype=np.float32)
    forward = np.stack([-vector[..., 2], vector[..., 3]], axis=-1)
    backward = np.stack([vector[..., 0], -vector[..., 1]], axis=-1)
    return forward, backward
