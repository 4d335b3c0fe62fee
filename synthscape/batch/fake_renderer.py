"""A deterministic numpy stand-in for Cycles, for dry runs and tests of the batch machinery.

It draws each object as a flat disk at the projection of its origin (radius from its
scale and depth), far objects first, on a ground-coloured background. The buffers
depend only on the spec, so two processes render identical frames, like Cycles with a
fixed seed. Select it for the CLI with ``SYNTHSCAPE_RENDERER=synthscape.batch.fake_renderer:FakeRenderer``.

Fault injection (for testing farm engines): when the environment variable
``SYNTHSCAPE_FAKE_CRASH_ONCE`` names an existing file, the first process to render a
frame removes that file and dies at once with ``os._exit(17)`` (like a killed worker);
``SYNTHSCAPE_FAKE_DELAY_S`` sleeps that many seconds per frame.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec

CRASH_ONCE_ENV = "SYNTHSCAPE_FAKE_CRASH_ONCE"
DELAY_ENV = "SYNTHSCAPE_FAKE_DELAY_S"
CRASH_EXIT_CODE = 17


def _camera_point(spec: SceneSpec, world: tuple[float, float, float]) -> np.ndarray:
    w2c = np.asarray(spec.camera.world_to_camera, dtype=np.float64)
    return w2c[:3, :3] @ np.asarray(world, dtype=np.float64) + w2c[:3, 3]


def _disk(spec: SceneSpec, obj: ObjectSpec) -> tuple[float, float, float, float] | None:
    """(u, v, radius px, depth m) of an object's disk, None when behind the camera."""
    point = _camera_point(spec, obj.location)
    if point[2] <= spec.camera.clip_start:
        return None
    K = np.asarray(spec.camera.K, dtype=np.float64)
    u, v = K[0, 0] * point[0] / point[2] + K[0, 2], K[1, 1] * point[1] / point[2] + K[1, 2]
    return float(u), float(v), float(K[0, 0] * max(obj.scale) / point[2]), float(point[2])


def fake_buffers(spec: SceneSpec) -> FrameBuffers:
    """Render ``spec`` as disks: rgb (H, W, 3) float32 linear, depth (H, W) float32 m (inf = none),
    normal (H, W, 3) float32 (+Z on objects), instance (H, W) uint16."""
    height, width = spec.camera.height, spec.camera.width
    ground = spec.ground.material.base_color if spec.ground is not None else spec.world.color
    rgb = np.empty((height, width, 3), np.float32)
    rgb[:] = np.asarray(ground, np.float32)
    depth = np.full((height, width), np.inf, np.float32)
    normal = np.zeros((height, width, 3), np.float32)
    instance = np.zeros((height, width), np.uint16)
    rows, cols = np.mgrid[0:height, 0:width] + 0.5
    bodies = [(o, o.instance_id) for o in spec.objects] + [(o, 0) for o in spec.distractors]  # distractors: 0
    disks = [(d, o, i) for o, i in bodies if (d := _disk(spec, o)) is not None]
    for (u, v, radius, z), obj, instance_id in sorted(disks, key=lambda item: -item[0][3]):
        inside = (cols - u) ** 2 + (rows - v) ** 2 <= radius ** 2
        rgb[inside] = np.asarray(obj.material.base_color, np.float32)
        depth[inside], normal[inside], instance[inside] = z, (0.0, 0.0, 1.0), instance_id
    return FrameBuffers(rgb=rgb, depth=depth, normal=normal, instance=instance)


class FakeRenderer:
    """Implements the pipeline's ``Renderer`` protocol without Blender."""

    blender_version = "fake"

    def __init__(self, device: str = "cpu"):
        self.device_info: dict[str, Any] = {"type": "fake", "description": "numpy fake renderer",
                                            "requested": device}

    def render(self, spec: SceneSpec) -> FrameBuffers:
        """Render one frame (see :func:`fake_buffers`), honouring the fault-injection variables."""
        crash_flag = os.environ.get(CRASH_ONCE_ENV)
        if crash_flag:
            try:
                os.unlink(crash_flag)
            except FileNotFoundError:
                pass
            else:
                os._exit(CRASH_EXIT_CODE)
        delay = float(os.environ.get(DELAY_ENV) or 0.0)
        if delay > 0:
            time.sleep(delay)
        return fake_buffers(spec)

    def settle(self, spec: SceneSpec) -> SceneSpec:
        """No simulation: the drop poses are kept (dry runs of physics recipes)."""
        return spec

    def close(self) -> None:
        """Nothing to free."""
