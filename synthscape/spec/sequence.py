"""Sampling one frame of a sequence (``sequence:`` in the recipe).

Frame ``g`` of the run is step ``t = g % N`` of sequence ``s = g // N`` (N = ``sequence.frames``).
The sequence's layout (objects, materials, lights, world, the camera's first pose) is today's
still sampler run with frame index ``s``, so every stage draws from the streams of the
SEQUENCE; the camera trajectory draws from ``stage_rng(seed, s, "trajectory")`` and each moving
object from ``stage_rng(seed, s, "motion", instance_id)``. The poses are then evaluated at
``t / fps``, and per-frame noise (sensor noise, LiDAR noise) draws from
``stage_rng(seed, s, stage, ..., t)`` (:func:`frame_rng`). So a frame depends only on
``(seed, s, t)``: it can be sampled alone, in any shard, in any order, and a resumed run
renders exactly the frames it lacks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from synthscape.plan.run_plan import RunPlan
from synthscape.recipe.sequence import SequenceRecipe
from synthscape.spec.draft import FrameDraft, SamplingError
from synthscape.spec.motion import (
    MOTION_STAGE,
    ObjectPath,
    camera_motion,
    object_at,
    object_motion,
    sample_object_path,
)
from synthscape.spec.optics import OpticsSpec
from synthscape.spec.rig import VELO_TO_CAM_AXES
from synthscape.spec.scene_spec import (
    CameraSpec,
    ClockSpec,
    LidarSpec,
    Matrix,
    MotionSpec,
    ObjectSpec,
    SceneSpec,
    Vec3,
)
from synthscape.spec.seeds import stage_rng
from synthscape.spec.trajectory import (
    CameraTrajectory,
    Position,
    look_at_choice,
    sample_trajectory,
)

TRAJECTORY_STAGE = "trajectory"
"""The seed stream of the camera trajectory (one per sequence)."""

StillLayout = Callable[[int], tuple[FrameDraft, SceneSpec]]
"""Today's still sampler: frame index -> (the filled draft, its spec)."""


def split_frame(frame_index: int, frames_per_sequence: int) -> tuple[int, int]:
    """``(sequence, step)`` of a global frame index."""
    return divmod(int(frame_index), int(frames_per_sequence))


def frame_rng(spec: SceneSpec, stage: str, *extra: int) -> np.random.Generator:
    """A per-frame stream: ``(seed, frame, stage, *extra)`` for stills, ``(seed, s, stage, *extra, t)`` in a sequence."""
    clock = spec.clock
    if clock is None or clock.fps <= 0:
        return stage_rng(spec.dataset_seed, spec.frame_index, stage, *extra)
    return stage_rng(spec.dataset_seed, clock.sequence, stage, *extra, clock.step)


@dataclass(frozen=True)
class SequenceScene:
    """What a sequence keeps over time: its layout, the camera trajectory and the moving objects' paths."""

    sequence: int
    recipe: SequenceRecipe
    layout: SceneSpec
    """The still spec of the sequence's layout (frame index = the sequence)."""
    trajectory: CameraTrajectory
    paths: Mapping[int, ObjectPath]
    """Paths of the objects that move, by instance id."""


def _object_paths(plan: RunPlan, draft: FrameDraft, sequence: int) -> dict[int, ObjectPath]:
    groups = plan.recipe.objects
    paths: dict[int, ObjectPath] = {}
    for obj in draft.objects:
        index = draft.object_groups.get(obj.instance_id)
        motion = groups[index].motion if index is not None else None
        if motion is None:
            continue
        path = sample_object_path(motion, obj, stage_rng(plan.seed, sequence, MOTION_STAGE, obj.instance_id))
        if path.moves():
            paths[obj.instance_id] = path
    return paths


def _aim(plan: RunPlan, choice: str | int, target: np.ndarray, objects: tuple[ObjectSpec, ...],
         paths: Mapping[int, ObjectPath]) -> Position | None:
    """Where the camera looks at a time: the target, nothing (fixed), or an object as it moves."""
    if choice == "fixed":
        return None
    if choice == "target":
        return lambda time: target
    if isinstance(choice, str):
        ids = {c.name: c.id for c in plan.categories}
        if choice not in ids:
            raise SamplingError(f"{plan.recipe_path}: sequence.camera.look_at: {choice!r} is neither 'target', "
                                f"'fixed' nor a category of the recipe ({sorted(ids)}); or give an instance id")
        chosen = next((o for o in objects if o.category_id == ids[choice]), None)
    else:
        chosen = next((o for o in objects if o.instance_id == choice), None)
    if chosen is None:  # not in this sequence: the target, as optics.dof.focus_object does
        return lambda time: target
    if chosen.instance_id in paths:
        return paths[chosen.instance_id].location
    location = np.asarray(chosen.location, dtype=np.float64)
    return lambda time: location


def looked_at(camera: CameraSpec, target: np.ndarray) -> np.ndarray:
    """The point the sampled camera looks at: on its optical axis, as deep as ``camera.target``.

    That is ``camera.target`` plus its ``target_jitter`` (the jittered point itself is not kept).
    """
    world_to_camera = np.asarray(camera.world_to_camera, dtype=np.float64)
    forward, eye = world_to_camera[2, :3], -world_to_camera[:3, :3].T @ world_to_camera[:3, 3]
    depth = float(forward @ (target - eye))
    return eye + forward * depth if depth > 1e-9 else target


def sequence_scene(plan: RunPlan, sequence: int, layout: StillLayout) -> SequenceScene:
    """Sample sequence ``sequence``: its layout, object paths and camera trajectory."""
    recipe = plan.recipe.sequence
    assert recipe is not None
    draft, still = layout(sequence)
    target = np.asarray(draft.target if draft.target is not None else (0.0, 0.0, 0.0), dtype=np.float64)
    paths = _object_paths(plan, draft, sequence)
    aim = _aim(plan, look_at_choice(recipe), looked_at(still.camera, target), still.objects, paths)
    try:
        trajectory = sample_trajectory(recipe, stage_rng(plan.seed, sequence, TRAJECTORY_STAGE),
                                       np.asarray(still.camera.world_to_camera), target, aim)
    except SamplingError as error:
        raise SamplingError(f"{plan.recipe_path}: sequence {sequence}: {error}") from None
    return SequenceScene(sequence=sequence, recipe=recipe, layout=still, trajectory=trajectory, paths=paths)


def _matrix(m: np.ndarray) -> Matrix:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(m))


def _rig_at(spec: SceneSpec, world_to_camera: np.ndarray) -> tuple[CameraSpec, ...]:
    """The further cameras follow the main camera rigidly (their ``camera_to_rig`` is fixed)."""
    return tuple(dataclasses.replace(camera, world_to_camera=_matrix(
        np.linalg.inv(np.asarray(camera.camera_to_rig, dtype=np.float64)) @ world_to_camera))
        for camera in spec.rig.cameras)


def _lidars_at(spec: SceneSpec, world_to_camera: np.ndarray, velocity: Vec3) -> tuple[LidarSpec, ...]:
    """Each LiDAR at its mount on the moved rig, sweeping with the rig's velocity (motion skew).

    ``rig_velocity`` is in rig axes (x forward, y left, z up; see
    :func:`synthscape.lidar.simulate.rig_velocity_world`): the camera-frame velocity through
    ``VELO_TO_CAM_AXES``.
    """
    camera_velocity = world_to_camera[:3, :3] @ np.asarray(velocity, dtype=np.float64)
    rig_velocity = (VELO_TO_CAM_AXES.T @ camera_velocity).tolist()
    lidars = []
    for lidar in spec.rig.lidars:
        l2c = np.asarray(lidar.params["lidar_to_camera"], dtype=np.float64)
        params = {**lidar.params, "lidar_to_world": (np.linalg.inv(world_to_camera) @ l2c).tolist(),
                  "rig_velocity": [float(v) for v in rig_velocity]}
        lidars.append(LidarSpec(name=lidar.name, params=params))
    return tuple(lidars)


def _optics_at(plan: RunPlan, spec: SceneSpec, objects: tuple[ObjectSpec, ...],
               motion: MotionSpec) -> OpticsSpec | None:
    """Motion blur from the sequence's velocities; the focus point follows a moving focus object."""
    optics = spec.optics
    if optics is None:
        return None
    changes: dict[str, object] = {}
    blur = plan.recipe.optics.motion_blur if plan.recipe.optics is not None else None
    if blur is not None:
        changes["camera_velocity"] = motion.camera_linear_velocity
        changes["object_velocities"] = tuple((m.instance_id, m.linear_velocity) for m in motion.objects)
    if optics.focus_instance is not None:
        moved = next((o for o in objects if o.instance_id == optics.focus_instance), None)
        if moved is not None:
            changes["focus_point"] = moved.location
    return dataclasses.replace(optics, **changes) if changes else optics


def frame_of_sequence(plan: RunPlan, scene: SequenceScene, step: int, frame_index: int) -> SceneSpec:
    """The spec of step ``step`` of ``scene``: every pose at ``step / fps``, the clock and the motion."""
    fps = float(scene.recipe.fps)
    time, dt = step / fps, 1.0 / fps
    still = scene.layout
    world_to_camera = scene.trajectory.world_to_camera(time)
    objects = tuple(object_at(o, scene.paths[o.instance_id], time) if o.instance_id in scene.paths else o
                    for o in still.objects)
    camera = camera_motion(scene.trajectory, time, dt)
    motion = MotionSpec(dt_s=dt, camera_previous=camera.previous, camera_next=camera.next,
                        objects=tuple(object_motion(scene.paths[o.instance_id], time, dt)
                                      for o in still.objects if o.instance_id in scene.paths),
                        camera_linear_velocity=camera.linear_velocity,
                        camera_angular_velocity=camera.angular_velocity)
    rig = dataclasses.replace(still.rig, cameras=_rig_at(still, world_to_camera),
                              lidars=_lidars_at(still, world_to_camera, camera.linear_velocity))
    return dataclasses.replace(
        still, frame_index=frame_index, camera=dataclasses.replace(still.camera, world_to_camera=_matrix(world_to_camera)),
        objects=objects, rig=rig, optics=_optics_at(plan, still, objects, motion), motion=motion,
        clock=ClockSpec(sequence=scene.sequence, step=step, time_s=time, fps=fps))


def sample_sequence_frame(plan: RunPlan, frame_index: int, layout: StillLayout) -> SceneSpec:
    """Sample global frame ``frame_index`` of a sequence recipe.

    Args:
        plan: the run plan (its recipe has a ``sequence:`` section).
        frame_index: the global frame index ``g = s * N + t``.
        layout: today's still sampler (frame index -> draft and spec), run with the sequence index.
    """
    recipe = plan.recipe.sequence
    assert recipe is not None, "sample_sequence_frame needs a recipe with a sequence: section"
    sequence, step = split_frame(frame_index, recipe.frames)
    return frame_of_sequence(plan, sequence_scene(plan, sequence, layout), step, frame_index)


__all__ = [
    "TRAJECTORY_STAGE",
    "SequenceScene",
    "StillLayout",
    "frame_of_sequence",
    "frame_rng",
    "sample_sequence_frame",
    "sequence_scene",
    "split_frame",
]
