"""The sensors stage: after the render, fill the frame buffers with what geometry gives.

``run_sensors(spec, buffers, needs)`` adds the LiDAR sweep (``buffers.lidar``, from
:mod:`synthscape.sensors.lidar`) and every object's visibility (``buffers.visibility``, from
:mod:`synthscape.sensors.visibility`), so that writers stay pure functions of
(spec, buffers). A new sensor is one module here plus one line in :func:`run_sensors`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from synthscape.buffers import FrameBuffers
from synthscape.sensors.exposure import exposure_updates
from synthscape.sensors.keypoints import object_keypoints
from synthscape.sensors.lidar import scan_lidar
from synthscape.sensors.visibility import RaycasterFactory, object_visibility
from synthscape.spec.scene_spec import SceneSpec

SENSOR_NEEDS = frozenset({"lidar", "visibility", "keypoints"})
"""What :func:`run_sensors` can fill (``mesh`` is the renderer's; the stage reads it)."""


def default_needs(spec: SceneSpec) -> frozenset[str]:
    """What the default outputs need of the stage for this spec: ``lidar`` with a LiDAR,
    ``visibility`` (KITTI occlusion) when a category has a KITTI type; or ``spec.needs``
    when the run plan set them."""
    planned = frozenset(getattr(spec, "needs", ()) or ())
    if planned:
        return planned
    wanted = {"lidar"} if spec.lidar else set()
    if spec.wants_kitti():
        wanted.add("visibility")
    return frozenset(wanted)


def run_sensors(spec: SceneSpec, buffers: FrameBuffers, needs: Iterable[str] | None = None, *,
                raycaster: RaycasterFactory | None = None) -> FrameBuffers:
    """Return ``buffers`` with the sensor outputs that ``needs`` asks for filled in.

    Args:
        spec: the frame.
        buffers: the render's passes (``mesh`` when LiDAR or amodal masks are wanted).
        needs: names among :data:`SENSOR_NEEDS` (others, such as ``mesh``, are ignored);
            None: :func:`default_needs`.
        raycaster: builds the ray-cast backend over a mesh (default: the first available,
            :func:`synthscape.lidar.raycast.default_raycaster`).

    Returns:
        A new frozen :class:`FrameBuffers` (``dataclasses.replace``), or ``buffers`` itself
        when there is nothing to add. Fields already set are kept.
    """
    wanted = frozenset(needs) if needs is not None else default_needs(spec)
    updates: dict[str, Any] = dict(exposure_updates(spec, buffers))  # gain and noise on the RGB (optics:)
    if "lidar" in wanted and buffers.lidar is None and spec.lidar and buffers.mesh is not None:
        updates["lidar"] = scan_lidar(spec, buffers, raycaster(buffers.mesh) if raycaster else None)
    if "visibility" in wanted and buffers.visibility is None:
        updates["visibility"] = (object_visibility(spec, buffers, raycaster) if raycaster
                                 else object_visibility(spec, buffers))
    if "keypoints" in wanted and buffers.keypoints is None:
        updates["keypoints"] = (object_keypoints(spec, buffers, raycaster) if raycaster
                                else object_keypoints(spec, buffers))
    return dataclasses.replace(buffers, **updates) if updates else buffers


__all__ = ["SENSOR_NEEDS", "default_needs", "run_sensors"]
