"""Physics placement: drop the frame's bodies in Blender's rigid body world (Bullet), settle, freeze.

:func:`settle_spec` builds the frame (supports and the ground collider passive, the bodies of
``spec.physics`` active with their collision shapes, every other object passive), steps the
rigid body world frame by frame until every body's linear and angular speed (finite
differences of its poses) has stayed below the thresholds for ``rest_time``, or the time cap
is hit, reads the final poses, removes the rigid body world, and checks the result
(:mod:`synthscape.blender.physics_checks`). Objects that fail are re-dropped, removed with a
warning, or fail the frame, by their group's ``on_failure``. It returns a NEW spec: the
objects' ``location``/``rotation`` are the settled poses (XYZ Euler) and ``physics.result``
records what happened, so the render build and every writer see the settled frame.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import bpy
from mathutils import Matrix

from synthscape.blender.physics_bodies import add_rigid_bodies, check_frame, restore_scale, settled_pose
from synthscape.blender.physics_checks import CheckResult
from synthscape.errors import SynthscapeError
from synthscape.spec.bodies import body_objects, describe, with_poses, without
from synthscape.spec.drop import left_support, redrop_location
from synthscape.spec.physics import PhysicsResult, PhysicsSpec
from synthscape.spec.scene_spec import SceneSpec

LOG = logging.getLogger("synthscape.blender")

Build = Callable[[SceneSpec], dict[str, int]]
"""Clears the previous frame and builds a spec; returns Blender object name -> instance id."""


class PhysicsError(SynthscapeError):
    """An object failed the checks after settling and its group says ``on_failure: error``."""


@dataclass
class Simulation:
    """One simulation run: the settled poses, whether it settled, how many frames, the checks."""

    poses: dict[int, tuple[tuple[float, float, float], tuple[float, float, float]]]
    settled: bool
    frames: int
    check: CheckResult


def _add_world(scene: bpy.types.Scene, physics: PhysicsSpec, frames: int) -> bpy.types.Collection:
    with bpy.context.temp_override(scene=scene):
        if scene.rigidbody_world is None:
            bpy.ops.rigidbody.world_add()
    world = scene.rigidbody_world
    world.collection = bpy.data.collections.new("synthscape_rigid_bodies")
    world.substeps_per_frame = physics.substeps
    world.solver_iterations = physics.solver_iterations
    world.time_scale = 1.0
    scene.use_gravity = True
    scene.gravity = (0.0, 0.0, -physics.gravity)
    scene.render.fps, scene.render.fps_base = physics.fps, 1.0
    scene.frame_start, scene.frame_end = 1, frames + 1
    world.point_cache.frame_start, world.point_cache.frame_end = 1, frames + 1
    return world.collection


def _remove_world(scene: bpy.types.Scene) -> None:
    if scene.rigidbody_world is not None:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.rigidbody.world_remove()


def _speeds_below(history: list[dict[int, Matrix]], physics: PhysicsSpec) -> bool:
    """Every body slower than both thresholds: pose change from the oldest to the newest pose of
    ``history`` (``speed_interval`` apart), divided by that interval."""
    interval = (len(history) - 1) / physics.fps
    for instance_id, now in history[-1].items():
        before = history[0][instance_id]
        linear = (now.translation - before.translation).length / interval
        turn = before.to_quaternion().rotation_difference(now.to_quaternion()).angle
        if linear >= physics.linear_speed or min(turn, 2 * math.pi - turn) / interval >= physics.angular_speed:
            return False
    return True


def _poses(bodies: dict[int, bpy.types.Object]) -> dict[int, Matrix]:
    return {i: obj.matrix_world.normalized() for i, obj in bodies.items()}


def step_until_settled(scene: bpy.types.Scene, bodies: dict[int, bpy.types.Object],
                       physics: PhysicsSpec) -> tuple[int, bool]:
    """Step frame by frame until every body rested ``rest_time`` or the cap; (frames stepped, settled)."""
    cap = max(1, math.ceil(physics.time_cap * physics.fps))
    needed = max(1, math.ceil(physics.rest_time * physics.fps))
    lag = max(1, round(physics.speed_interval * physics.fps))
    scene.frame_set(1)
    history = [_poses(bodies)]
    calm = 0
    for frame in range(2, cap + 2):
        scene.frame_set(frame)
        history = [*history[-lag:], _poses(bodies)]
        calm = calm + 1 if len(history) > lag and _speeds_below(history, physics) else 0
        if calm >= needed:
            return frame - 1, True
    return cap, False


def simulate(spec: SceneSpec, scene: bpy.types.Scene, build: Build) -> Simulation:
    """Build ``spec``, drop its bodies, step until settled (or the cap), read the poses and check them."""
    physics = spec.physics
    assert physics is not None
    saved = (scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end, scene.frame_current)
    instance_of = build(spec)
    collection = _add_world(scene, physics, max(1, math.ceil(physics.time_cap * physics.fps)))
    baked: list[tuple[bpy.types.Object, tuple]] = []
    try:
        bodies = add_rigid_bodies(spec, scene, instance_of, collection, baked)
        frames, settled = step_until_settled(scene, bodies, physics)
        poses = {i: settled_pose(obj) for i, obj in bodies.items()}
        check = check_frame(spec, instance_of, physics)
    finally:
        _remove_world(scene)
        for obj, original in baked:
            restore_scale(obj, original)
        scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end = saved[:4]
        scene.frame_set(saved[4])
    return Simulation(poses=poses, settled=settled, frames=frames, check=check)


def _off_support(spec: SceneSpec) -> dict[int, str]:
    """Bodies that bounced out of (or off) the support they were dropped into, by body key."""
    reasons = {key: left_support(spec, key, obj) for key, obj in body_objects(spec).items()}
    return {key: reason for key, reason in reasons.items() if reason is not None}


def _handle_failures(spec: SceneSpec, failures: dict[int, str], attempt: int, final: bool,
                     redropped: set[int], removed: list[int]) -> SceneSpec:
    """Re-drop, remove or raise for each failed body (by key); returns the spec for the next attempt."""
    assert spec.physics is not None
    objects, moved, gone = body_objects(spec), {}, []
    for key, reason in sorted(failures.items()):
        body = spec.physics.body(key)
        policy = body.on_failure if body is not None else "remove"
        if policy == "error":
            where = body.group if body is not None and body.group else "the group"
            raise PhysicsError(f"{where}.on_failure: {describe(spec, key)} failed the check after settling: it "
                               f"{reason} (on_failure: error); set {where}.on_failure: redrop or remove, lower "
                               "the count, or enlarge the support")
        if policy == "redrop" and not final:
            others = [o for k, o in objects.items() if k not in failures]
            LOG.info("%s %s after settling; re-dropped (attempt %d)", describe(spec, key), reason, attempt)
            location = redrop_location(spec, key, objects[key], attempt, others)
            moved[key] = (location, objects[key].rotation)
            redropped.add(key)
            continue
        LOG.warning("%s %s after settling; removed (on_failure: %s)", describe(spec, key), reason, policy)
        removed.append(key)
        gone.append(key)
    return without(with_poses(spec, moved), gone)


def settle_spec(spec: SceneSpec, scene: bpy.types.Scene, build: Build) -> SceneSpec:
    """The settled frame of ``spec`` (see the module docstring); ``spec`` itself when it has no physics.

    Raises:
        PhysicsError: an object with ``on_failure: error`` failed the checks.
    """
    if spec.physics is None or not spec.physics.bodies:
        return spec
    started, physics = time.perf_counter(), spec.physics
    current, redropped, removed, steps, attempt = spec, set(), [], 0, 0
    while True:
        attempt += 1
        run = simulate(current, scene, build)
        steps += run.frames
        current = with_poses(current, run.poses)
        final = attempt > physics.max_redrops
        failures = {**_off_support(current), **run.check.failures}
        if not failures:
            break
        current = _handle_failures(current, failures, attempt, final, redropped, removed)
        if final or not current.physics.bodies:
            break
    LOG.info("frame %d: physics settled in %.2f s wall time (%d steps, %d attempts)", spec.frame_index,
             time.perf_counter() - started, steps, attempt)
    result = PhysicsResult(settled=run.settled, sim_time_s=run.frames / physics.fps, steps=steps, attempts=attempt,
                           redropped=tuple(sorted(redropped)), removed=tuple(sorted(removed)),
                           max_penetration_m=run.check.max_penetration)
    if not run.settled:
        LOG.warning("frame %d: the bodies did not come to rest within physics.time_cap (%.1f s); "
                    "their poses at the cap are used", spec.frame_index, physics.time_cap)
    return dataclasses.replace(current, physics=dataclasses.replace(current.physics, bodies=physics.bodies,
                                                                    result=result))
