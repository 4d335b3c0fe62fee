"""Dataset writers: pure functions of (spec, buffers) -> files, registered in a table.

Every writer has the signature ``writer(out_dir, spec, buffers, **ctx) -> list[Path]``
(``ctx`` holds ``blender_version``) and writes atomically. :func:`write_frame` runs
the table in order and writes the ``.done/NNNNNN`` marker last.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from synthscape.buffers import FrameBuffers
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.coco import write_coco_fragment
from synthscape.writers.images import write_depth, write_instance, write_normal, write_rgb, write_semantic
from synthscape.writers.layout import done_marker, frame_is_complete, write_done_marker
from synthscape.writers.meta import write_meta

FrameWriter = Callable[..., list[Path]]
"""``writer(out_dir, spec, buffers, **ctx) -> list of paths written``."""


def write_sensors(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                  **ctx: Any) -> list[Path]:
    """LiDAR (``lidar/``) and KITTI (``kitti/training``) files, when the spec asks for them."""
    if not (spec.extras.get("lidar") or spec.wants_kitti()):
        return []
    from synthscape.writers.lidar_kitti import write_lidar_and_kitti  # imports Open3D

    return write_lidar_and_kitti(out_dir, spec, buffers, **ctx)


FRAME_WRITERS: dict[str, FrameWriter] = {
    "rgb": write_rgb,
    "depth": write_depth,
    "instance": write_instance,
    "semantic": write_semantic,
    "normal": write_normal,
    "meta": write_meta,
    "coco": write_coco_fragment,
    "sensors": write_sensors,
}
"""Default per-frame writers, run in this order."""


def write_frame(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                blender_version: str | None = None,
                writers: Mapping[str, FrameWriter] | None = None, **ctx: Any) -> list[Path]:
    """Write every file of one frame, then its ``.done/NNNNNN`` marker.

    An old marker is removed first, so a frame whose writing fails part-way is never
    reported complete; each file is written atomically, so none is left half-written.

    Args:
        out_dir: the dataset folder.
        spec: the frame's scene spec.
        buffers: the frame's passes.
        blender_version: ``bpy.app.version_string`` for ``meta`` (the caller reads it).
        writers: the table to run (default :data:`FRAME_WRITERS`).
        **ctx: extra keyword arguments passed to every writer.

    Returns:
        The files written, marker last.
    """
    done_marker(out_dir, spec.frame_index).unlink(missing_ok=True)
    written: list[Path] = []
    for write in (FRAME_WRITERS if writers is None else writers).values():
        written.extend(write(out_dir, spec, buffers, blender_version=blender_version, **ctx))
    return [*written, write_done_marker(out_dir, spec.frame_index, written)]


__all__ = ["FRAME_WRITERS", "FrameWriter", "frame_is_complete", "write_frame"]
