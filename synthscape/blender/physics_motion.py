"""Physics in sequences: the settled layout once per sequence, and tossed bodies recorded per frame.

In a sequence frame (``spec.clock``), :func:`settle_sequence_frame`:

1. settles the bodies that are not tossed (:func:`synthscape.blender.physics.settle_spec`), once per
   sequence: every step of the sequence gets the same settled poses;
2. tosses the bodies with ``motion.physics`` (``BodySpec.linear_velocity``): they start at their drop
   poses at t = 0 with their initial velocities, in a rigid body world where everything else (the
   settled bodies included) is a fixed obstacle, and their poses are recorded at every frame time
   ``t / fps``. The world steps ``m = ceil(physics.fps / fps)`` frames per sequence frame, so every
   sequence frame is a simulation frame. Blender has no API for a rigid body's velocity: each tossed
   body is "animated" (kinematic) for :data:`LEAD_FRAMES` frames, moving at its initial velocities
   into its drop pose, and dynamic from then on; Bullet keeps the kinematic body's velocity;
3. writes the poses at t into the spec's objects and the poses at t - 1 / t + 1 and the velocities
   (central differences over one simulation frame) into ``spec.motion.objects``. At t = 0 the
   previous pose is the free flight extrapolated back (``p0 - v dt - g dt^2 / 2``, ``exp(-w dt) R0``).

Objects with an analytic motion (``motion.linear_velocity``...) are no obstacles of these
simulations (their poses change with t). The recording is cached per sequence in this process,
keyed by the seed, the sequence and everything that defines the simulation; a frame ``t`` always
comes from a simulation of :func:`horizon` ``(t)`` frames, whatever was rendered before, so a
resumed or sharded run gets the same poses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections import OrderedDict
from dataclasses import dataclass

import bpy
from mathutils import Euler, Matrix, Quaternion, Vector

from synthscape.blender import physics as settling
from synthscape.blender.physics_bodies import add_rigid_bodies, restore_scale
from synthscape.spec.bodies import Pose, body_objects, with_poses, without
from synthscape.spec.physics import BodySpec, PhysicsResult
from synthscape.spec.scene_spec import (
    MotionSpec,
    ObjectMotionSpec,
    PoseSpec,
    SceneSpec,
    spec_to_dict,
)

LEAD_FRAMES = 4
"""Simulation frames a tossed body is kinematic, moving at its initial velocities, before t = 0."""
HORIZON_FRAMES = 32
"""Smallest toss simulation, in sequence frames; longer ones double it (see :func:`horizon`)."""
CACHE_SIZE = 4
"""Sequences whose recordings stay cached in the renderer process."""


@dataclass(frozen=True)
class Settled:
    """The settled layout of a sequence: the settled bodies' poses, what was removed, the physics record."""

    poses: dict[int, Pose]
    removed: tuple[int, ...]
    result: PhysicsResult | None


@dataclass(frozen=True)
class Recording:
    """Tossed bodies' world matrices at every simulation frame from t = 0 - LEAD_FRAMES on."""

    matrices: dict[int, list[Matrix]]
    per_frame: int
    """Simulation frames per sequence frame."""
    sim_dt: float
    """Seconds per simulation frame."""


_CACHE: OrderedDict[tuple, object] = OrderedDict()


def clear_cache() -> None:
    """Forget every cached settled layout and toss recording (tests: simulate from scratch)."""
    _CACHE.clear()


def _cached(key: tuple, compute):  # type: ignore[no-untyped-def]
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = _CACHE[key] = compute()
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value


def horizon(step: int) -> int:
    """Sequence frames simulated for step ``step``: the smallest ``HORIZON_FRAMES * 2^k >= step + 1``."""
    frames = HORIZON_FRAMES
    while frames < step + 1:
        frames *= 2
    return frames


def _in_sequence(spec: SceneSpec) -> bool:
    return spec.clock is not None and spec.clock.fps > 0


def _analytic_movers(spec: SceneSpec) -> set[int]:
    tossed = {b.instance_id for b in spec.physics.bodies if b.tossed} if spec.physics else set()
    moving = {m.instance_id for m in spec.motion.objects} if spec.motion is not None else set()
    return moving - tossed


def simulation_key(spec: SceneSpec, kind: str) -> tuple:
    """Cache key: seed, sequence, and a digest of what defines the simulation (not the camera or time)."""
    parts = {name: spec_to_dict(spec)[name] for name in ("objects", "distractors", "supports", "ground")}
    physics = dataclasses.replace(spec.physics, result=None) if spec.physics is not None else None
    parts["physics"] = spec_to_dict(physics) if physics is not None else None
    parts["fps"] = spec.clock.fps if spec.clock is not None else 0.0
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return (kind, spec.dataset_seed, spec.clock.sequence if spec.clock is not None else spec.frame_index, digest)


def _settle_layout(spec: SceneSpec, scene: bpy.types.Scene, build: settling.Build) -> Settled:
    settled = settling.settle_spec(spec, scene, build)
    kept = body_objects(settled)
    dynamic = {b.instance_id for b in spec.physics.bodies} if spec.physics is not None else set()
    poses = {k: (obj.location, obj.rotation) for k, obj in kept.items() if k in dynamic}
    removed = tuple(k for k in dynamic if k not in kept)
    result = settled.physics.result if settled.physics is not None else None
    return Settled(poses=poses, removed=removed, result=result)


def _key_lead_in(obj: bpy.types.Object, body: BodySpec, sim_dt: float) -> None:
    """Kinematic keys: at its initial velocities into the drop pose (frame LEAD_FRAMES + 1), dynamic after."""
    start = obj.matrix_world.copy()
    velocity, spin = Vector(body.linear_velocity), Vector(body.angular_velocity)
    obj.rigid_body.kinematic = True
    euler = start.to_euler("XYZ")
    for frame in range(1, LEAD_FRAMES + 2):
        back = (frame - LEAD_FRAMES - 1) * sim_dt
        turn = Quaternion(spin.normalized(), spin.length * back) if spin.length > 0 else Quaternion()
        rotation = turn.to_matrix() @ start.to_3x3()
        obj.location = start.translation + velocity * back
        obj.rotation_euler = euler = rotation.to_euler("XYZ", euler)
        obj.keyframe_insert("location", frame=frame)
        obj.keyframe_insert("rotation_euler", frame=frame)
        obj.rigid_body.keyframe_insert("kinematic", frame=frame)
    obj.rigid_body.kinematic = False
    obj.rigid_body.keyframe_insert("kinematic", frame=LEAD_FRAMES + 2)


def _record(spec: SceneSpec, scene: bpy.types.Scene, build: settling.Build, steps: int) -> Recording:
    """Simulate the tossed bodies of ``spec`` (the only bodies of its physics) for ``steps`` sequence frames."""
    physics, clock = spec.physics, spec.clock
    assert physics is not None and clock is not None
    per_frame = max(1, math.ceil(physics.fps / clock.fps))
    sim_fps = clock.fps * per_frame
    frames = LEAD_FRAMES + 1 + steps * per_frame + 1
    saved = (scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end, scene.frame_current)
    instance_of = build(spec)
    collection = settling._add_world(scene, physics, frames)
    scene.render.fps = max(1, round(sim_fps))
    scene.render.fps_base = scene.render.fps / sim_fps
    baked: list[tuple[bpy.types.Object, tuple]] = []
    bodies: dict[int, bpy.types.Object] = {}
    try:
        bodies = add_rigid_bodies(spec, scene, instance_of, collection, baked)
        for key, obj in bodies.items():
            _key_lead_in(obj, physics.body(key), 1.0 / sim_fps)
        matrices: dict[int, list[Matrix]] = {key: [] for key in bodies}
        for frame in range(1, frames + 1):
            scene.frame_set(frame)
            for key, obj in bodies.items():
                matrices[key].append(obj.matrix_world.normalized())
    finally:
        settling._remove_world(scene)
        for obj, original in baked:
            restore_scale(obj, original)
        for obj in bodies.values():
            obj.animation_data_clear()
        scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end = saved[:4]
        scene.frame_set(saved[4])
    return Recording(matrices=matrices, per_frame=per_frame, sim_dt=1.0 / sim_fps)


def _pose(matrix: Matrix, compatible: Euler) -> tuple[PoseSpec, Euler]:
    euler = matrix.to_3x3().to_euler("XYZ", compatible)
    return PoseSpec(location=tuple(float(v) for v in matrix.translation),
                    rotation=(float(euler.x), float(euler.y), float(euler.z))), euler


def _euler_track(recording: Recording, key: int, rotation0: tuple[float, float, float], last: int) -> list[PoseSpec]:
    """Poses at sequence frames 0..last, Euler angles unwrapped along the motion from the drop rotation."""
    compatible, poses = Euler(rotation0, "XYZ"), []
    for step in range(last + 1):
        sim = recording.matrices[key][LEAD_FRAMES + step * recording.per_frame]
        pose, compatible = _pose(sim, compatible)
        poses.append(pose)
    return poses


def _velocities(recording: Recording, key: int, step: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Linear (m/s) and angular (rad/s, world axis * rate) velocity at ``step``: one simulation frame either side."""
    index = LEAD_FRAMES + step * recording.per_frame
    before, after = recording.matrices[key][index - 1], recording.matrices[key][index + 1]
    span = 2.0 * recording.sim_dt
    linear = (after.translation - before.translation) / span
    turn = (after.to_3x3() @ before.to_3x3().transposed()).to_quaternion()
    angular = Vector(turn.axis) * (turn.angle / span) if turn.angle > 0 else Vector((0.0, 0.0, 0.0))
    return tuple(float(v) for v in linear), tuple(float(v) for v in angular)


def _extrapolated_back(pose: PoseSpec, body: BodySpec, gravity: float, dt: float) -> PoseSpec:
    """The free-flight pose ``dt`` before the drop pose (for t = 0's previous pose)."""
    x, y, z = pose.location
    vx, vy, vz = body.linear_velocity  # type: ignore[misc]
    spin = Vector(body.angular_velocity)
    turn = Quaternion(spin.normalized(), -spin.length * dt) if spin.length > 0 else Quaternion()
    rotation0 = Euler(pose.rotation, "XYZ")
    euler = (turn.to_matrix() @ rotation0.to_matrix()).to_euler("XYZ", rotation0)
    return PoseSpec(location=(x - vx * dt, y - vy * dt, z - vz * dt - 0.5 * gravity * dt * dt),
                    rotation=(float(euler.x), float(euler.y), float(euler.z)))


def _toss_motion(spec: SceneSpec, recording: Recording, key: int, drop: PoseSpec) -> tuple[PoseSpec, ObjectMotionSpec]:
    """The tossed body's pose at the frame's step and its :class:`ObjectMotionSpec`."""
    step, physics = spec.clock.step, spec.physics  # type: ignore[union-attr]
    poses = _euler_track(recording, key, drop.rotation, step + 1)
    poses[0] = drop  # exactly the sampled drop pose (Bullet is single precision)
    body = physics.body(key)  # type: ignore[union-attr]
    previous = poses[step - 1] if step > 0 else _extrapolated_back(drop, body, physics.gravity, spec.motion.dt_s)
    linear, angular = _velocities(recording, key, step)
    return poses[step], ObjectMotionSpec(instance_id=key, previous=previous, next=poses[step + 1],
                                         linear_velocity=linear, angular_velocity=angular)


def _with_motion(spec: SceneSpec, moved: list[ObjectMotionSpec]) -> SceneSpec:
    """``spec`` whose ``motion.objects`` (and motion blur velocities) include the tossed bodies."""
    ids = {m.instance_id for m in moved}
    motion = spec.motion if spec.motion is not None else MotionSpec(dt_s=1.0 / spec.clock.fps)  # type: ignore[union-attr]
    objects = tuple(m for m in motion.objects if m.instance_id not in ids) + tuple(moved)
    optics = spec.optics
    if optics is not None and optics.shutter_s > 0:
        velocities = tuple(v for v in optics.object_velocities if v[0] not in ids)
        optics = dataclasses.replace(optics, object_velocities=velocities + tuple(
            (m.instance_id, m.linear_velocity) for m in moved))
    return dataclasses.replace(spec, motion=dataclasses.replace(motion, objects=objects), optics=optics)


def _result(settled: Settled) -> PhysicsResult:
    """The settle record of the layout (tosses are recorded in ``motion``, not here)."""
    return settled.result or PhysicsResult(settled=True, sim_time_s=0.0, steps=0)


def settle_sequence_frame(spec: SceneSpec, scene: bpy.types.Scene, build: settling.Build) -> SceneSpec:
    """Physics of one frame (see the module docstring): stills and frames without bodies as
    :func:`~synthscape.blender.physics.settle_spec` does; sequence frames from the cached layout and toss."""
    if spec.physics is None or not spec.physics.bodies or not _in_sequence(spec):
        return settling.settle_spec(spec, scene, build)
    world = without(spec, _analytic_movers(spec))
    tossed = {b.instance_id for b in spec.physics.bodies if b.tossed}
    layout = without(world, tossed)
    settled: Settled = _cached(simulation_key(layout, "settle"), lambda: _settle_layout(layout, scene, build))
    frame = without(with_poses(spec, settled.poses), settled.removed)
    if tossed:
        toss = dataclasses.replace(without(with_poses(world, settled.poses), settled.removed),
                                   physics=dataclasses.replace(spec.physics, bodies=tuple(
                                       b for b in spec.physics.bodies if b.tossed)))
        steps = horizon(spec.clock.step)  # type: ignore[union-attr]
        recording: Recording = _cached((*simulation_key(toss, "toss"), steps),
                                       lambda: _record(toss, scene, build, steps))
        drops = body_objects(spec)
        moved = [_toss_motion(spec, recording, key, PoseSpec(drops[key].location, drops[key].rotation))
                 for key in sorted(tossed)]
        frame = with_poses(frame, {m.instance_id: (p.location, p.rotation) for p, m in moved})
        frame = _with_motion(frame, [m for _, m in moved])
    physics = dataclasses.replace(spec.physics, result=_result(settled))
    return dataclasses.replace(frame, physics=physics)


__all__ = ["HORIZON_FRAMES", "LEAD_FRAMES", "clear_cache", "horizon", "settle_sequence_frame", "simulation_key"]
