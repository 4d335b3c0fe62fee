"""The dropped bodies of a physics frame, labelled objects and distractors alike, by body key.

A body's key is its :class:`~synthscape.spec.physics.BodySpec` ``instance_id``: a labelled
object's instance id, or ``DISTRACTOR_STREAM_BASE + k`` for distractor ``k`` (the key its
per-object streams use), so the two id spaces never collide.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from synthscape.spec.objects import DISTRACTOR_STREAM_BASE
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec, Vec3

Pose = tuple[Vec3, Vec3]
"""(location, XYZ Euler rotation)."""


def distractor_key(distractor_id: int) -> int:
    """The body key of distractor ``distractor_id`` (its id in ``spec.distractors``)."""
    return DISTRACTOR_STREAM_BASE + distractor_id


def is_distractor_key(key: int) -> bool:
    """True for the key of a distractor."""
    return key > DISTRACTOR_STREAM_BASE


def body_objects(spec: SceneSpec) -> dict[int, ObjectSpec]:
    """Every object and distractor of the frame by body key."""
    return {**{o.instance_id: o for o in spec.objects},
            **{distractor_key(d.instance_id): d for d in spec.distractors}}


def describe(spec: SceneSpec, key: int) -> str:
    """``frame F: object 3 (mug)`` or ``frame F: distractor 2``, for messages."""
    if is_distractor_key(key):
        return f"frame {spec.frame_index}: distractor {key - DISTRACTOR_STREAM_BASE}"
    return f"frame {spec.frame_index}: object {key} ({spec.category_of(key).name})"


def with_poses(spec: SceneSpec, poses: dict[int, Pose]) -> SceneSpec:
    """``spec`` with the bodies of ``poses`` moved there."""
    def moved(obj: ObjectSpec, key: int) -> ObjectSpec:
        pose = poses.get(key)
        return obj if pose is None else dataclasses.replace(obj, location=pose[0], rotation=pose[1])

    return dataclasses.replace(spec, objects=tuple(moved(o, o.instance_id) for o in spec.objects),
                               distractors=tuple(moved(d, distractor_key(d.instance_id)) for d in spec.distractors))


def without(spec: SceneSpec, keys: Iterable[int]) -> SceneSpec:
    """``spec`` without the objects and distractors of ``keys`` (and their bodies)."""
    gone = set(keys)
    physics = spec.physics
    if physics is not None:
        physics = dataclasses.replace(physics, bodies=tuple(b for b in physics.bodies if b.instance_id not in gone))
    return dataclasses.replace(spec, objects=tuple(o for o in spec.objects if o.instance_id not in gone),
                               distractors=tuple(d for d in spec.distractors
                                                 if distractor_key(d.instance_id) not in gone),
                               physics=physics)
