"""Synthetic sequences for the tracking and video tests (no Blender).

A sequence is the frames of one still spec whose objects move at constant velocities, each
frame given its clock (``sequence``, ``step``, ``time_s``, ``fps``), its motion (poses one frame
either side) and the global index ``g = s * N + t``, as the sequence sampler makes them. Frames
are rendered by the numpy fake renderer (objects as disks) with the scene mesh of their boxes,
and run through the sensors stage for per-object visibility (amodal masks by ray casting).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from synthscape.batch.fake_renderer import FakeRenderer, fake_buffers
from synthscape.buffers import FrameBuffers
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.sensors import run_sensors
from synthscape.spec.scene_spec import (CameraSpec, CategorySpec, ClockSpec, GroundSpec, LightSpec, MaterialSpec,
                                        MotionSpec, ObjectMotionSpec, ObjectSpec, PoseSpec, RenderSpec, SceneSpec,
                                        WorldSpec)
from synthscape.writers import FinalizeContext, finalize_outputs, write_frame

WIDTH, HEIGHT, FOCAL = 96, 64, 80.0
FPS = 10.0
CATEGORIES = (CategorySpec(1, "car", "Car"), CategorySpec(2, "ball"))
W2C = ((1.0, 0.0, 0.0, 0.0), (0.0, 0.0, -1.0, 1.5), (0.0, 1.0, 0.0, 4.0), (0.0, 0.0, 0.0, 1.0))
"""Camera at world (0, -4, 1.5) looking along +y, level (x right, z up)."""
TRACK_OUTPUTS = ("rgb", "instance", "meta", "coco", "kitti_tracking", "mot", "coco_video")
# (instance id, category, shape, start location, velocity m/s, scale)
MOVERS = ((1, 1, "cube", (-2.9, 0.5, 0.35), (4.0, 0.0, 0.0), 0.3),
          (2, 2, "sphere", (0.2, 1.5, 0.4), (0.0, 0.0, 0.0), 0.35),
          (3, 1, "cube", (2.2, -0.8, 0.3), (-3.0, 0.0, 0.0), 0.25))


def base_spec(sequence: int) -> SceneSpec:
    """The still that sequence ``sequence`` starts from (objects shifted a little per sequence)."""
    K = ((FOCAL, 0.0, WIDTH / 2 - 0.5), (0.0, FOCAL, HEIGHT / 2 - 0.5), (0.0, 0.0, 1.0))
    objects = tuple(
        ObjectSpec(instance_id=i, category_id=c, shape=shape, location=(x + 0.1 * sequence, y, z),
                   rotation=(0.0, 0.0, 0.2 * i), scale=(s, s, s), material=MaterialSpec(base_color=(0.2 * i, 0.5, 0.3)))
        for i, c, shape, (x, y, z), _, s in MOVERS)
    return SceneSpec(
        frame_index=sequence, dataset_seed=5,
        camera=CameraSpec(width=WIDTH, height=HEIGHT, focal_length_mm=35.0, sensor_width_mm=36.0, K=K,
                          world_to_camera=W2C),
        ground=GroundSpec(size=(12.0, 12.0), material=MaterialSpec(base_color=(0.4, 0.4, 0.4))),
        objects=objects, lights=(LightSpec("sun", (0.0, 0.0, 5.0), (0.1, 0.2, 0.0), 3.0, (1.0, 1.0, 1.0), 5500.0),),
        world=WorldSpec(), render=RenderSpec(samples=1, min_pixel_area=4), categories=CATEGORIES,
        outputs=TRACK_OUTPUTS, needs=("mesh", "visibility"))


def _moved(obj: ObjectSpec, velocity: Sequence[float], t: float) -> tuple[float, float, float]:
    return tuple(float(p + v * t) for p, v in zip(obj.location, velocity))  # type: ignore[return-value]


def sequence_spec(sequence: int, step: int, length: int) -> SceneSpec:
    """Frame ``step`` of sequence ``sequence`` (of ``length`` frames): clock, motion, moved objects."""
    still, dt = base_spec(sequence), 1.0 / FPS
    velocities = {i: v for i, _, _, _, v, _ in MOVERS}
    objects = tuple(dataclasses.replace(o, location=_moved(o, velocities[o.instance_id], step * dt))
                    for o in still.objects)
    motion = MotionSpec(dt_s=dt, camera_previous=W2C, camera_next=W2C, objects=tuple(
        ObjectMotionSpec(o.instance_id, PoseSpec(_moved(o, velocities[o.instance_id], -dt), o.rotation),
                         PoseSpec(_moved(o, velocities[o.instance_id], dt), o.rotation),
                         linear_velocity=velocities[o.instance_id]) for o in objects))
    clock = ClockSpec(sequence=sequence, step=step, time_s=step * dt, fps=FPS)
    return dataclasses.replace(still, frame_index=sequence * length + step, objects=objects, clock=clock,
                               motion=motion)


def render(spec: SceneSpec) -> FrameBuffers:
    """The fake renderer's passes plus the boxes' mesh, through the sensors stage (visibility)."""
    buffers = dataclasses.replace(fake_buffers(spec), mesh=scene_mesh_from_spec(spec))
    return run_sensors(spec, buffers, {"visibility"})


def sequence_frames(sequence: int, length: int) -> Iterator[tuple[SceneSpec, FrameBuffers]]:
    """Every frame of a sequence, rendered one at a time."""
    for step in range(length):
        spec = sequence_spec(sequence, step, length)
        yield spec, render(spec)


def write_sequences(out: Path, sequences: Sequence[int], length: int, outputs: Sequence[str] = TRACK_OUTPUTS,
                    order: Sequence[int] | None = None) -> list[int]:
    """Write the frames of ``sequences`` (global indices in ``order`` if given); return the indices."""
    frames = [s * length + t for s in sequences for t in range(length)]
    for g in (order if order is not None else frames):
        spec = sequence_spec(g // length, g % length, length)
        write_frame(out, spec, render(spec), "fake", outputs=list(outputs))
    return frames


def finalize(out: Path, frames: Sequence[int], outputs: Sequence[str] = TRACK_OUTPUTS) -> list[Path]:
    """Run the formats' merge steps over ``frames``."""
    ctx = FinalizeContext(out_dir=out, frames=tuple(sorted(frames)), dataset_seed=5, categories=CATEGORIES,
                          name="tracks")
    return finalize_outputs(ctx, list(outputs))


def test_synthetic_sequence_moves_occludes_and_truncates() -> None:
    frames = list(sequence_frames(0, 12))
    assert [s.frame_clock().step for s, _ in frames] == list(range(12))
    first, last = frames[0][1], frames[-1][1]
    assert first.visibility is not None and last.visibility is not None
    car = [b.visibility[1] for _, b in frames]
    assert car[0].amodal_px and car[0].silhouette_px > car[0].amodal_px  # enters truncated at the left border
    assert any(v.visible_px < v.amodal_px for v in car)  # passes in front of / behind something
    centres = [np.argwhere(b.instance == 1).mean(axis=0)[1] for _, b in frames if (b.instance == 1).any()]
    assert centres == sorted(centres) and centres[-1] - centres[0] > 10  # moves right


class MeshFakeRenderer(FakeRenderer):
    """The numpy fake renderer plus the scene mesh of the objects' boxes (so the sensors stage
    ray casts amodal masks), for runs through the frame loop without Blender."""

    def render(self, spec: SceneSpec) -> FrameBuffers:
        """The fake renderer's passes with ``mesh`` set."""
        return dataclasses.replace(super().render(spec), mesh=scene_mesh_from_spec(spec))
