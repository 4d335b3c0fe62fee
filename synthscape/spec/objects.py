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

Distractor groups (``label: false``) come after every labelled group and draw the same way from
the ``distractors`` stream; their per-object streams use the key
:data:`DISTRACTOR_STREAM_BASE` ``+ k`` for distractor ``k``, so the ``instance_id`` that
:func:`choose_shape`, :func:`sample_rotation` and :func:`place_object` receive is that stream
key, and the distractor's spec gets ``instance_id = k`` afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

import numpy as np

from synthscape.recipe.blend_entry import uses_asset_materials
from synthscape.recipe.schema import ObjectGroupRecipe
from synthscape.spec.asset_choice import choose_asset
from synthscape.spec.collision_free import CollisionWorld, PoseRequest, ShapeKey, place_collision_free, posed_footprint
from synthscape.spec.draft import FrameDraft, PlacementError, tuple3
from synthscape.spec.drop import bounding_radius, place_dropped, placement_mode
from synthscape.spec.orientation import sample_orientation
from synthscape.spec.pbr import PbrMapError
from synthscape.spec.placement import Footprint, footprint_radius, place_footprint
from synthscape.spec.procedural_shapes import sample_procedural
from synthscape.spec.scene_spec import IDENTITY4, CategorySpec, MaterialSpec, Matrix, ObjectSpec, Vec3
from synthscape.spec.shapes import shape_bounds
from synthscape.spec.supports import support_boxes

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
    asset_hash: str | None = None
    """sha256 of the mesh file's bytes (mesh files only)."""
    source: str | None = None
    """The library entry the file came from, for provenance."""
    category: str | None = None
    """The category from the asset's folder (``category_from: folder``); None: the group's."""
    blend_object: str | None = None
    """The object of the ``.blend`` file ``mesh_path`` (a ``.blend`` library entry)."""
    blend_collection: str | None = None
    """The collection of the ``.blend`` file ``mesh_path`` (a ``.blend`` library entry)."""
    color_attribute: str | None = None
    """The mesh's part-colour attribute (procedural shapes)."""
    procedural: dict | None = None
    """The generator's kind and parameters (procedural shapes)."""


@dataclass
class Placed:
    """What the stage has placed so far in this frame, for the placement modes to avoid."""

    footprints: list[Footprint] = field(default_factory=list)
    objects: list[ObjectSpec] = field(default_factory=list)
    collision: CollisionWorld | None = None
    """The placed meshes, made when a ``collision_free`` group first needs them."""


def choose_shape(draft: FrameDraft, group: ObjectGroupRecipe, key: str, instance_id: int) -> ShapeChoice:
    """The primitive or mesh of one object of ``group`` (``key`` names the group in messages).

    A mesh-file group (``mesh`` or ``meshes``) picks one file by weight from
    ``draft.rng("assets", instance_id)`` and normalizes it (:func:`choose_asset`).
    """
    if group.procedural is not None:
        made = sample_procedural(draft, group.procedural, instance_id)
        return ShapeChoice(shape="mesh", mesh_path=made.mesh_path, bbox_min=made.bbox_min, bbox_max=made.bbox_max,
                           color_attribute=made.color_attribute, procedural=made.record)
    asset = choose_asset(draft, group, instance_id)
    if asset is None:
        bbox_min, bbox_max = shape_bounds(group.shape, None)
        return ShapeChoice(shape=group.shape, mesh_path=None, bbox_min=bbox_min, bbox_max=bbox_max)
    return ShapeChoice(shape="mesh", mesh_path=asset.entry.path, bbox_min=asset.bbox_min, bbox_max=asset.bbox_max,
                       mesh_transform=asset.mesh_transform, asset_hash=asset.asset_hash,
                       source=asset.entry.source, category=asset.category,
                       blend_object=asset.entry.extra.get("blend_object"),
                       blend_collection=asset.entry.extra.get("blend_collection"))


def sample_rotation(draft: FrameDraft, group: ObjectGroupRecipe, rng: np.random.Generator,
                    instance_id: int) -> Vec3:
    """XYZ Euler rotation (radians) of one object, by the group's ``orientation``.

    ``upright`` draws the ``yaw`` from ``rng`` (the ``objects`` stream, today's draw); ``uniform``
    and ``euler`` draw from the object's own ``draft.rng("orientation", instance_id)`` and
    nothing from ``rng``.
    """
    orientation = group.orientation
    if orientation.mode == "upright":
        return sample_orientation(orientation, float(group.yaw.sample(rng)), rng)
    return sample_orientation(orientation, None, draft.rng("orientation", instance_id))


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
                 rotation: Vec3, placed: Placed, rng: np.random.Generator, instance_id: int = 0) -> Vec3 | None:
    """World position of one object's origin, or None when it does not fit (``on_failure: skip``).

    ``footprint``: a circle that holds the shape at any yaw, clear of the others' circles, the
    object standing on the ground. ``physics``: a drop pose above the group's support
    (:func:`~synthscape.spec.drop.place_dropped`); the settle step moves it to where it rests.
    """
    radius = footprint_radius(choice.bbox_min, choice.bbox_max, scale)
    if group.location is not None:
        location = tuple3(group.location.sample(rng))
        placed.footprints.append(Footprint(location[0], location[1], radius))
        return location
    if placement_mode(draft.plan.recipe, group) == "physics":
        radius = bounding_radius(choice.bbox_min, choice.bbox_max, scale)
        return place_dropped(draft, group, key, instance_id, radius, placed.objects)
    shape_key = ShapeKey(choice.shape, choice.mesh_path, choice.mesh_transform, choice.bbox_min, choice.bbox_max)
    if placement_mode(draft.plan.recipe, group) == "collision_free":
        return _place_collision_free(draft, group, key, (shape_key, scale, rotation), placed, instance_id)
    lift = -choice.bbox_min[2] * scale[2]
    if group.orientation.mode != "upright":  # tilted: the posed mesh's circle and lowest point
        radius, lift = posed_footprint(shape_key, scale, rotation)
    footprint = _footprint(draft, group, key, rng, radius, placed.footprints)
    if footprint is None:
        return None
    placed.footprints.append(footprint)
    return (footprint.x, footprint.y, lift)


def _place_collision_free(draft: FrameDraft, group: ObjectGroupRecipe, key: str,
                          posed: tuple[ShapeKey, Vec3, Vec3], placed: Placed, instance_id: int) -> Vec3 | None:
    """``collision_free``: rejection sampling against the placed meshes (:mod:`~synthscape.spec.collision_free`).

    ``posed`` is the object's (shape, scale, rotation); every draw (area, centre, gap, positions)
    comes from ``draft.rng("placement", instance_id)``.
    """
    rng = draft.rng("placement", instance_id)
    pose = PoseRequest.sample(draft.plan.recipe.placement, *posed, rng)
    if placed.collision is None:
        placed.collision = CollisionWorld()
        placed.collision.add_boxes([(box.center, box.half_extents, box.yaw) for support in draft.supports
                                    for box in support_boxes(support)])
    placed.collision.sync(placed.objects)
    found = place_collision_free(placed.collision, pose, rng)
    if found is None:
        if draft.plan.recipe.placement.on_failure == "error":
            raise PlacementError(f"{draft.plan.recipe_path}: {key}: could not place a {group.category!r} object "
                                 f"clear of the others' meshes in {pose.max_tries} tries (placement.on_failure: "
                                 "error); enlarge placement.area, lower the counts or min_gap, or set "
                                 "placement.on_failure: skip")
        return None
    location, radius = found
    placed.footprints.append(Footprint(location[0], location[1], radius))
    return location


def group_material(draft: FrameDraft, group: ObjectGroupRecipe, key: str, instance_id: int) -> MaterialSpec:
    """The material of object ``instance_id`` of ``group`` (``key``: ``objects[i]``).

    Raises:
        PbrMapError: a map of the drawn texture set cannot be decoded; the message names the recipe,
            the group's ``material.library`` and the file.
    """
    try:
        return draft.material(group.material, instance_id)
    except PbrMapError as error:
        raise PbrMapError(f"{draft.plan.recipe_path}: {key}.{error}") from None


def sample_group_object(draft: FrameDraft, group: ObjectGroupRecipe, key: str, category: CategorySpec | None,
                        instance_id: int, placed: Placed, rng: np.random.Generator) -> ObjectSpec | None:
    """One object of ``group``: shape, scale, rotation, position and material (None: it did not fit).

    ``category`` is the group's; an asset's folder category (``category_from: folder``) replaces it.
    """
    choice = choose_shape(draft, group, key, instance_id)
    if choice.category is not None and group.label:  # a distractor keeps its background category
        category = next(c for c in draft.plan.categories if c.name == choice.category)
    assert category is not None, f"{key}: no category"
    scale = tuple3(group.scale.sample(rng))
    rotation = sample_rotation(draft, group, rng, instance_id)
    location = place_object(draft, group, key, choice, scale, rotation, placed, rng, instance_id)
    if location is None:
        return None
    obj = ObjectSpec(instance_id=instance_id, category_id=category.id, shape=choice.shape,  # type: ignore[arg-type]
                     location=location, rotation=rotation, scale=scale,
                     material=group_material(draft, group, key, instance_id), mesh_path=choice.mesh_path,
                     bbox_min=choice.bbox_min, bbox_max=choice.bbox_max, mesh_transform=choice.mesh_transform,
                     asset_hash=choice.asset_hash, source=choice.source,
                     use_asset_materials=uses_asset_materials(group, choice.shape == "mesh",
                                                              bool(choice.blend_object or choice.blend_collection)),
                     blend_object=choice.blend_object, blend_collection=choice.blend_collection,
                     collision=group.collision, color_attribute=choice.color_attribute,
                     procedural=choice.procedural)
    placed.objects.append(obj)
    return obj


DISTRACTOR_STREAM_BASE = 1 << 20
"""Distractor ``k`` (from 1) draws its per-object streams (``assets``, ``orientation``,
``placement``, ``materials``, ...) with the key ``DISTRACTOR_STREAM_BASE + k``; labelled objects
use their instance id, which is below 65536, so the two never share a stream."""

DISTRACTOR_CATEGORY = CategorySpec(id=0, name="distractor")
"""The category of every distractor object: background (id 0), never listed in the categories."""


def _sample_groups(draft: FrameDraft, groups: list[tuple[int, ObjectGroupRecipe]], rng: np.random.Generator,
                   placed: Placed, stream_base: int) -> tuple[list[ObjectSpec], int]:
    """Counts, then the objects of ``groups`` (``(recipe index, group)``), numbered from 1.

    Returns:
        The objects that fit, and how many were asked for.
    """
    by_name = {c.name: c for c in draft.plan.categories}
    counts = [int(group.count.sample(rng)) for _, group in groups]
    objects: list[ObjectSpec] = []
    for (index, group), count in zip(groups, counts):
        category = by_name.get(group.category) if stream_base == 0 else DISTRACTOR_CATEGORY
        for _ in range(count):
            number = len(objects) + 1
            obj = sample_group_object(draft, group, f"objects[{index}]", category, stream_base + number, placed, rng)
            if obj is not None and stream_base:
                obj = dataclasses.replace(obj, instance_id=number)
                placed.objects[-1] = obj
            if obj is not None:
                objects.append(obj)
                if not stream_base:  # labelled objects: their group, for sequences' object motion
                    draft.object_groups[obj.instance_id] = index
    return objects, sum(counts)


def stage_objects(draft: FrameDraft) -> None:
    """Every labelled group's count, then each object's shape, scale, rotation and position; then the
    distractor groups (``label: false``) the same way, placed around the labelled objects.

    Labelled groups draw from the ``objects`` stream exactly as before distractors existed;
    distractor groups draw their counts, scales, yaws and footprints from the ``distractors``
    stream, so adding distractors never moves a labelled object. Distractors are numbered from
    1 in their own id space (:attr:`~synthscape.spec.scene_spec.SceneSpec.distractors`).
    """
    recipe, placed = draft.plan.recipe, Placed()
    indexed = list(enumerate(recipe.objects))
    objects, wanted = _sample_groups(draft, [(i, g) for i, g in indexed if g.label], draft.rng("objects"), placed, 0)
    distractor_groups = [(i, g) for i, g in indexed if not g.label]
    distractors, wanted_distractors = _sample_groups(draft, distractor_groups, draft.rng("distractors"), placed,
                                                     DISTRACTOR_STREAM_BASE) if distractor_groups else ([], 0)
    missing = wanted + wanted_distractors - len(objects) - len(distractors)
    if missing:
        log.warning("%s: frame %d: %d of %d objects did not fit without overlap and were left out; enlarge "
                    "placement.area or lower the counts (placement.on_failure: error makes this an error)",
                    draft.plan.recipe_path, draft.frame_index, missing, wanted + wanted_distractors)
    draft.objects = tuple(objects)
    draft.distractors = tuple(distractors)
