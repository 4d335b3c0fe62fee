"""The sampler's ``objects`` stage: each group's count, then per object its shape, scale,
orientation and position.

One function per concern, so each can grow on its own:

* :func:`choose_shape` — which primitive or asset an object is (mesh libraries, procedural
  generators) and its bounds;
* :func:`sample_rotation` — its orientation;
* :func:`place_object` — where it goes, by the group's placement mode.

Counts, scales, upright yaws and footprint positions draw from the ``objects`` stream in
recipe order (today's draws, unchanged); every newer choice draws from its own per-object
stream (``draft.rng(stage, instance_id)``), so adding one never changes another's draws.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from synthscape.recipe.schema import ObjectGroupRecipe
from synthscape.spec.draft import FrameDraft, PlacementError, tuple3
from synthscape.spec.placement import Footprint, footprint_radius, place_footprint
from synthscape.spec.scene_spec import IDENTITY4, CategorySpec, Matrix, ObjectSpec, Vec3
from synthscape.spec.shapes import shape_bounds

log = logging.getLogger("synthscape.spec")


@dataclass(frozen=True)
class ShapeChoice:
    """What an object is, before it is posed: a primitive or a mesh file, and its bounds."""

    shape: str
    """A primitive name, or ``mesh``."""
    mesh_path: str | None
    bbox_min: Vec3
    """Bounds of the shape in its object frame (after :attr:`mesh_transform`), unscaled."""
    bbox_max: Vec3
    mesh_transform: Matrix = IDENTITY4
    """4x4 from the mesh file's frame to the object frame (normalization); identity for primitives."""


@dataclass
class Placed:
    """What the stage has placed so far in this frame, for the placement modes to avoid."""

    footprints: list[Footprint] = field(default_factory=list)
    objects: list[ObjectSpec] = field(default_factory=list)


def choose_shape(draft: FrameDraft, group: ObjectGroupRecipe, key: str, instance_id: int) -> ShapeChoice:
    """The primitive or mesh of one object of ``group`` (``key`` names the group in messages)."""
    shape = group.shape or "mesh"
    bbox_min, bbox_max = shape_bounds(shape, group.mesh)
    return ShapeChoice(shape=shape, mesh_path=group.mesh, bbox_min=bbox_min, bbox_max=bbox_max)


def sample_rotation(draft: FrameDraft, group: ObjectGroupRecipe, rng: np.random.Generator,
                    instance_id: int) -> Vec3:
    """XYZ Euler rotation (radians) of one object: upright with the group's ``yaw`` (from ``rng``)."""
    return (0.0, 0.0, math.radians(group.yaw.sample(rng)))


def _footprint(draft: FrameDraft, group: ObjectGroupRecipe, key: str, rng: np.random.Generator,
               radius: float, placed: list[Footprint]) -> Footprint | None:
    placement = draft.plan.recipe.placement
    area, center = placement.area.sample(rng), placement.center.sample(rng)
    footprint = place_footprint(rng, radius, (area[0], area[1]), placed, placement.min_gap.sample(rng),
                                placement.max_tries, (center[0], center[1]))
    if footprint is None and placement.on_failure == "error":
        raise PlacementError(f"{draft.plan.recipe_path}: {key}: could not place a {group.category!r} object "
                             f"without overlap in {placement.max_tries} tries (placement.on_failure: error); "
                             "enlarge placement.area, lower the counts or set placement.on_failure: skip")
    return footprint


def place_object(draft: FrameDraft, group: ObjectGroupRecipe, key: str, choice: ShapeChoice, scale: Vec3,
                 rotation: Vec3, placed: Placed, rng: np.random.Generator) -> Vec3 | None:
    """World position of one object's origin, or None when it does not fit (``on_failure: skip``).

    ``footprint``: a circle that holds the shape at any yaw, clear of the others' circles, the
    object standing on the ground.
    """
    radius = footprint_radius(choice.bbox_min, choice.bbox_max, scale)
    if group.location is not None:
        location = tuple3(group.location.sample(rng))
        placed.footprints.append(Footprint(location[0], location[1], radius))
        return location
    footprint = _footprint(draft, group, key, rng, radius, placed.footprints)
    if footprint is None:
        return None
    placed.footprints.append(footprint)
    return (footprint.x, footprint.y, -choice.bbox_min[2] * scale[2])


def sample_group_object(draft: FrameDraft, group: ObjectGroupRecipe, key: str, category: CategorySpec,
                        instance_id: int, placed: Placed, rng: np.random.Generator) -> ObjectSpec | None:
    """One object of ``group``: shape, scale, rotation, position and material (None: it did not fit)."""
    choice = choose_shape(draft, group, key, instance_id)
    scale = tuple3(group.scale.sample(rng))
    rotation = sample_rotation(draft, group, rng, instance_id)
    location = place_object(draft, group, key, choice, scale, rotation, placed, rng)
    if location is None:
        return None
    obj = ObjectSpec(instance_id=instance_id, category_id=category.id, shape=choice.shape,  # type: ignore[arg-type]
                     location=location, rotation=rotation, scale=scale,
                     material=draft.material(group.material, instance_id), mesh_path=choice.mesh_path,
                     bbox_min=choice.bbox_min, bbox_max=choice.bbox_max, mesh_transform=choice.mesh_transform)
    placed.objects.append(obj)
    return obj


def stage_objects(draft: FrameDraft) -> None:
    """Every group's count, then each object's shape, scale, rotation and position; materials per object."""
    recipe, rng = draft.plan.recipe, draft.rng("objects")
    by_name = {c.name: c for c in draft.plan.categories}
    counts = [int(group.count.sample(rng)) for group in recipe.objects]
    objects: list[ObjectSpec] = []
    placed = Placed()
    for index, (group, count) in enumerate(zip(recipe.objects, counts)):
        for _ in range(count):
            obj = sample_group_object(draft, group, f"objects[{index}]", by_name[group.category],
                                      len(objects) + 1, placed, rng)
            if obj is not None:
                objects.append(obj)
    if len(objects) < sum(counts):
        log.warning("%s: frame %d: %d of %d objects did not fit without overlap and were left out; enlarge "
                    "placement.area or lower the counts (placement.on_failure: error makes this an error)",
                    draft.plan.recipe_path, draft.frame_index, sum(counts) - len(objects), sum(counts))
    draft.objects = tuple(objects)
