"""Physics placement in the sampler: the frame's supports, drop poses, and the frame's :class:`PhysicsSpec`.

A dropped object starts above its support surface (a bin's inner floor, a table top, a shelf
board, or the ground's ``placement.area``), at a position drawn from
``draft.rng("placement", instance_id)``, in the orientation :func:`~synthscape.spec.objects.sample_rotation`
gave it. Its bounding sphere (about its origin, so any orientation fits) is kept clear of the
spheres of the objects placed before it by stacking it higher: bodies never start
interpenetrating, whatever the count. Re-drops after a failed check draw from
``("physics", instance_id, attempt)``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from synthscape.recipe.physics import SUPPORT_DEFAULTS, PhysicsRecipe
from synthscape.recipe.schema import ObjectGroupRecipe, Recipe, SupportRecipe
from synthscape.spec.draft import FrameDraft, sample_material, tuple3
from synthscape.spec.physics import BodySpec, PhysicsSpec
from synthscape.spec.physics_motion import layout_index, toss_velocities
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec, Vec3
from synthscape.spec.seeds import stage_rng
from synthscape.spec.supports import DropSurface, SupportSpec, drop_surfaces

START_GAP = 0.005
"""Clearance between the bounding spheres of bodies at the drop, metres."""

Sphere = tuple[float, float, float, float]


def _value(dist: object, default: float, rng: np.random.Generator) -> float:
    return default if dist is None else float(dist.sample(rng))  # type: ignore[attr-defined]


def sample_support(draft: FrameDraft, recipe: SupportRecipe, index: int, rng: np.random.Generator) -> SupportSpec:
    """One support's values: size, walls, location and yaw from ``rng``, material from its own stream."""
    defaults = SUPPORT_DEFAULTS[recipe.kind]
    size = recipe.size.sample(rng)
    material_rng = draft.rng("support_materials", index)
    return SupportSpec(kind=recipe.kind, size=(float(size[0]), float(size[1])),
                       wall_height=_value(recipe.wall_height, defaults["wall_height"], rng),
                       thickness=_value(recipe.wall_thickness, defaults["wall_thickness"], rng),
                       height=_value(recipe.height, defaults["height"], rng),
                       levels=recipe.levels if recipe.kind == "shelf" else 1,
                       location=tuple3(recipe.location.sample(rng)), yaw=math.radians(recipe.yaw.sample(rng)),
                       material=sample_material(recipe.material, material_rng, draft.texture_pools,
                                                texture_rng=draft.rng("support_textures", index)))


def stage_supports(draft: FrameDraft) -> None:
    """The frame's supports, drawn from the ``supports`` stream (before the objects are placed)."""
    rng = draft.rng("supports")
    draft.supports = tuple(sample_support(draft, s, i, rng) for i, s in enumerate(draft.plan.recipe.supports))


def bounding_radius(bbox_min: Vec3, bbox_max: Vec3, scale: Vec3) -> float:
    """Radius of the sphere about the origin that holds the scaled box in every orientation."""
    return math.sqrt(sum((max(abs(lo), abs(hi)) * s) ** 2 for lo, hi, s in zip(bbox_min, bbox_max, scale)))


def object_sphere(obj: ObjectSpec) -> Sphere:
    """(x, y, z, radius) of an object's bounding sphere at its pose."""
    return (*obj.location, bounding_radius(obj.bbox_min, obj.bbox_max, obj.scale))


def ground_surface(area: tuple[float, float, float, float]) -> DropSurface:
    """The ground rectangle (centre x, y, extent x, y) as a drop surface at z = 0."""
    return DropSurface((area[0], area[1]), (area[2] / 2.0, area[3] / 2.0), 0.0, 0.0)


def stack_height(x: float, y: float, z: float, radius: float, spheres: Sequence[Sphere]) -> float:
    """The lowest height >= ``z`` at which a sphere at (x, y) clears every sphere of ``spheres``."""
    for _ in range(len(spheres) + 1):
        raised = z
        for sx, sy, sz, sr in spheres:
            reach = radius + sr + START_GAP
            planar = math.hypot(x - sx, y - sy)
            if planar < reach and abs(raised - sz) < math.sqrt(reach ** 2 - planar ** 2):
                raised = sz + math.sqrt(reach ** 2 - planar ** 2)
        if raised == z:
            return z
        z = raised
    return z


def drop_location(rng: np.random.Generator, surface: DropSurface, radius: float, drop_height: float,
                  spheres: Sequence[Sphere]) -> Vec3:
    """A drop position above ``surface``: (x, y) inside it by ``radius`` where it can, z stacked clear of ``spheres``."""
    u = float(rng.uniform(-1.0, 1.0)) * max(surface.half_extents[0] - radius, 0.0)
    v = float(rng.uniform(-1.0, 1.0)) * max(surface.half_extents[1] - radius, 0.0)
    c, s = math.cos(surface.yaw), math.sin(surface.yaw)
    x, y = surface.center[0] + c * u - s * v, surface.center[1] + s * u + c * v
    return (x, y, stack_height(x, y, surface.z + drop_height + radius, radius, spheres))


def _surface(supports: Sequence[SupportSpec], area: tuple[float, float, float, float], support: int,
             rng: np.random.Generator) -> DropSurface:
    if support < 0:
        return ground_surface(area)
    surfaces = drop_surfaces(supports[support])
    return surfaces[int(rng.integers(len(surfaces)))] if len(surfaces) > 1 else surfaces[0]


def group_support(recipe: Recipe, group: ObjectGroupRecipe) -> int:
    """The support a physics group drops into: its ``support``, else the first, else -1 (the ground)."""
    if group.support is not None:
        return group.support
    return 0 if recipe.supports else -1


def ground_area(recipe: Recipe) -> tuple[float, float, float, float]:
    """Centre and extent of ``placement.area``, where bodies without a support drop (the midpoints of
    distributions)."""
    a, c = _middle(recipe.placement.area), _middle(recipe.placement.center)
    return (float(c[0]), float(c[1]), float(a[0]), float(a[1]))


def _middle(vector: object) -> tuple[float, ...]:
    """A vector distribution's first fixed value, else the midpoints of its components' bounds."""
    fixed = vector.fixed_values()  # type: ignore[attr-defined]
    if fixed:
        return fixed[0]
    return tuple(sum(c.bounds()) / 2.0 for c in vector.components)  # type: ignore[attr-defined]


def place_dropped(draft: FrameDraft, group: ObjectGroupRecipe, key: str, instance_id: int, radius: float,
                  placed_objects: Sequence[ObjectSpec]) -> Vec3:
    """The drop position of one physics object (draws from ``("placement", instance_id)``); records its body."""
    recipe = draft.plan.recipe
    rng = draft.rng("placement", instance_id)
    support = group_support(recipe, group)
    settings = recipe.physics or PhysicsRecipe()
    surface = _surface(draft.supports, ground_area(recipe), support, rng)
    drop_height = float(settings.drop_height.sample(rng))
    location = drop_location(rng, surface, radius, drop_height, [object_sphere(o) for o in placed_objects])
    draft.bodies.append(BodySpec(instance_id=instance_id, on_failure=group.on_failure, support=support,
                                 drop_height=drop_height, group=key, **toss_velocities(draft, group, instance_id)))
    return location


def physics_spec(draft: FrameDraft) -> PhysicsSpec | None:
    """The frame's physics settings and bodies; None when no object was placed by physics."""
    if not draft.bodies:
        return None
    recipe = draft.plan.recipe
    settings = (recipe.physics or PhysicsRecipe()).model_dump(exclude={"drop_height"})
    return PhysicsSpec(**settings, bodies=tuple(draft.bodies), ground_area=ground_area(recipe))


def redrop_location(spec: SceneSpec, key: int, obj: ObjectSpec, attempt: int, others: Sequence[ObjectSpec]) -> Vec3:
    """A new drop position for the body ``key`` (its object ``obj``; attempt 1, 2, ...) above ``others``
    (their settled poses), drawn from ``("physics", key, attempt)``."""
    assert spec.physics is not None
    body = spec.physics.body(key)
    assert body is not None
    rng = stage_rng(spec.dataset_seed, layout_index(spec), "physics", key, attempt)
    surface = _surface(spec.supports, spec.physics.ground_area, body.support, rng)
    radius = bounding_radius(obj.bbox_min, obj.bbox_max, obj.scale)
    return drop_location(rng, surface, radius, body.drop_height, [object_sphere(o) for o in others])


def with_object(spec: SceneSpec, obj: ObjectSpec) -> SceneSpec:
    """``spec`` with the object of ``obj``'s instance id replaced by ``obj``."""
    return dataclasses.replace(spec, objects=tuple(obj if o.instance_id == obj.instance_id else o
                                                   for o in spec.objects))


def placement_mode(recipe: Recipe, group: ObjectGroupRecipe) -> str:
    """The group's placement mode: its ``placement``, else the recipe's ``placement.mode``."""
    return getattr(group, "placement", None) or getattr(recipe.placement, "mode", "footprint")


def left_support(spec: SceneSpec, key: int, obj: ObjectSpec) -> str | None:
    """Why the settled body ``key`` (its object ``obj``) is not on the support it was dropped into
    (None: it is, or it had none).

    Its origin must lie over one of the support's drop surfaces (a bin's inner floor, a table
    top, a shelf board), at or above it and below the board above.
    """
    body = spec.physics.body(key) if spec.physics is not None else None
    if body is None or body.support < 0:
        return None
    x, y, z = obj.location
    for surface in drop_surfaces(spec.supports[body.support]):
        c, s = math.cos(-surface.yaw), math.sin(-surface.yaw)
        dx, dy = x - surface.center[0], y - surface.center[1]
        u, v = c * dx - s * dy, s * dx + c * dy
        if (abs(u) <= surface.half_extents[0] and abs(v) <= surface.half_extents[1] and z >= surface.z
                and (surface.ceiling is None or z < surface.ceiling)):
            return None
    return f"left its support ({spec.supports[body.support].kind} {body.support})"
