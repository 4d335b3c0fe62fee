"""Sampling a :class:`SceneSpec` from a recipe and a frame seed (pure Python/numpy).

Frame ``i`` of a dataset with seed ``S`` draws from one generator,
``default_rng(SeedSequence([S, i]))``, in a fixed order: camera, objects, lights,
world. The result depends on nothing else, so frames can be split across processes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from synthscape.errors import SynthscapeError
from synthscape.recipe.load import resolve_categories
from synthscape.recipe.schema import (
    CameraRecipe,
    LightRecipe,
    MaterialRecipe,
    ObjectGroupRecipe,
    Recipe,
    GeneratedTextureRecipe,
    ImageTextureRecipe,
    RenderRecipe,
    WorldRecipe,
)
from synthscape.textures import pool_key, sample_texture, texture_source
from synthscape.lidar.pose import sample_lidar_spec
from synthscape.spec.camera import aim_euler, focal_from_fov, intrinsics, look_at, spherical_offset
from synthscape.spec.colors import kelvin_to_linear_rgb
from synthscape.spec.placement import Footprint, footprint_radius, place_footprint
from synthscape.spec.scene_spec import (
    CameraSpec,
    CategorySpec,
    GroundSpec,
    LightSpec,
    MaterialSpec,
    ObjectSpec,
    RenderSpec,
    SceneSpec,
    TextureMapping,
    TextureSource,
    WorldSpec,
)
from synthscape.spec.shapes import shape_bounds

DEFAULT_FOCAL_MM = 35.0

log = logging.getLogger("synthscape.spec")


class PlacementError(SynthscapeError):
    """An object could not be placed and the recipe says ``on_failure: error``."""


def frame_rng(dataset_seed: int, frame_index: int) -> np.random.Generator:
    """The one generator every random draw of a frame comes from."""
    return np.random.default_rng(np.random.SeedSequence([dataset_seed, frame_index]))


def _tuple3(values: Sequence[float]) -> tuple[float, float, float]:
    return (float(values[0]), float(values[1]), float(values[2]))


def sample_camera(camera: CameraRecipe, rng: np.random.Generator, target: np.ndarray,
                  resolution: tuple[int, int] | None = None) -> CameraSpec:
    """Intrinsics and a look-at pose for the frame, aimed near ``target``."""
    width, height = resolution or camera.resolution
    if camera.fov is not None:
        focal = focal_from_fov(camera.fov.sample(rng), camera.sensor_width)
    elif camera.focal_length is not None:
        focal = camera.focal_length.sample(rng)
    else:
        focal = DEFAULT_FOCAL_MM
    jitter = camera.target_jitter.sample(rng)
    target = target + rng.uniform(-jitter, jitter, size=3)
    if camera.location is not None:
        eye = np.array(camera.location.sample(rng))
    else:
        distance = camera.distance.sample(rng)
        elevation = camera.elevation.sample(rng)
        azimuth = camera.azimuth.sample(rng)
        eye = target + spherical_offset(distance, elevation, azimuth)
    return CameraSpec(
        width=int(width), height=int(height), focal_length_mm=float(focal),
        sensor_width_mm=float(camera.sensor_width),
        K=tuple(tuple(float(v) for v in row) for row in intrinsics(width, height, focal, camera.sensor_width)),
        world_to_camera=tuple(tuple(float(v) for v in row) for row in look_at(eye, target)),
        clip_start=camera.clip_start, clip_end=camera.clip_end,
    )


def sample_material(material: MaterialRecipe, rng: np.random.Generator,
                    texture_pools: Mapping[str, Sequence[Any]] | None = None) -> MaterialSpec:
    """Draw a material's parameters.

    ``texture_pools`` maps :func:`~synthscape.textures.pool_key` to resolved textures; when it
    is None (validation, spec previews) generated textures are left out of the spec.
    """
    base_color = _tuple3(material.base_color.sample(rng))
    roughness = float(material.roughness.sample(rng))
    metallic = float(material.metallic.sample(rng))
    texture_path, mapping, source = None, TextureMapping(), None
    tex = material.texture
    if isinstance(tex, GeneratedTextureRecipe) and texture_pools is not None:
        key = pool_key(tex)
        if key not in texture_pools:
            raise KeyError(f"texture pool {key} was not resolved before sampling")
        entry = sample_texture(texture_pools[key], rng)
        texture_path, source = str(entry.path), texture_source(entry)
    elif isinstance(tex, ImageTextureRecipe):
        texture_path, source = tex.path, TextureSource(provider="file")
    if texture_path is not None:
        assert tex is not None
        offset = tex.mapping.offset.sample(rng)
        mapping = TextureMapping(projection=tex.mapping.projection, scale=float(tex.mapping.scale.sample(rng)),
                                 rotation=math.radians(tex.mapping.rotation.sample(rng)),
                                 offset=(float(offset[0]), float(offset[1])))
    noise_scale, noise_strength = None, 0.0
    if material.noise is not None:
        noise_scale = float(material.noise.scale.sample(rng))
        noise_strength = float(material.noise.strength.sample(rng))
    return MaterialSpec(base_color=base_color, roughness=roughness, metallic=metallic,
                        texture_path=texture_path, texture_mapping=mapping, texture_source=source,
                        noise_scale=noise_scale, noise_strength=noise_strength)


def _sample_group_object(group: ObjectGroupRecipe, rng: np.random.Generator,
                         category: CategorySpec, instance_id: int, placed: list[Footprint],
                         recipe: Recipe, texture_pools: Mapping[str, Sequence[Any]] | None
                         ) -> ObjectSpec | None:
    shape = group.shape or "mesh"
    bbox_min, bbox_max = shape_bounds(shape, group.mesh)
    scale = _tuple3(group.scale.sample(rng))
    yaw = math.radians(group.yaw.sample(rng))
    material = sample_material(group.material, rng, texture_pools)
    radius = footprint_radius(bbox_min, bbox_max, scale)
    if group.location is not None:
        location = _tuple3(group.location.sample(rng))
        placed.append(Footprint(location[0], location[1], radius))
    else:
        placement = recipe.placement
        area, center = placement.area.sample(rng), placement.center.sample(rng)
        footprint = place_footprint(rng, radius, (area[0], area[1]), placed, placement.min_gap.sample(rng),
                                    placement.max_tries, (center[0], center[1]))
        if footprint is None:
            if placement.on_failure == "error":
                raise PlacementError(f"could not place a {category.name!r} object without overlap in "
                                     f"{placement.max_tries} tries: enlarge placement.area or lower counts")
            return None
        placed.append(footprint)
        location = (footprint.x, footprint.y, -bbox_min[2] * scale[2])
    return ObjectSpec(instance_id=instance_id, category_id=category.id, shape=shape,
                      location=location, rotation=(0.0, 0.0, yaw), scale=scale,
                      material=material, mesh_path=group.mesh, bbox_min=bbox_min, bbox_max=bbox_max)


def sample_objects(recipe: Recipe, rng: np.random.Generator, categories: Sequence[CategorySpec],
                   texture_pools: Mapping[str, Sequence[Any]] | None = None) -> tuple[ObjectSpec, ...]:
    """Draw every object group's count, then each object's scale, yaw, material and position."""
    by_name = {c.name: c for c in categories}
    counts = [int(group.count.sample(rng)) for group in recipe.objects]
    objects: list[ObjectSpec] = []
    placed: list[Footprint] = []
    for group, count in zip(recipe.objects, counts):
        for _ in range(count):
            obj = _sample_group_object(group, rng, by_name[group.category], len(objects) + 1,
                                       placed, recipe, texture_pools)
            if obj is not None:
                objects.append(obj)
    if len(objects) < sum(counts):
        log.warning("%d of %d objects did not fit without overlap and were left out; enlarge "
                    "placement.area or lower the counts (placement.on_failure: error makes this an error)",
                    sum(counts) - len(objects), sum(counts))
    return tuple(objects)


def sample_lights(lights: Sequence[LightRecipe], rng: np.random.Generator,
                  target: np.ndarray) -> tuple[LightSpec, ...]:
    """Draw each light group's count and each light's position, energy and colour."""
    out: list[LightSpec] = []
    for group in lights:
        for _ in range(int(group.count.sample(rng))):
            offset = spherical_offset(group.distance.sample(rng), group.elevation.sample(rng),
                                      group.azimuth.sample(rng))
            position = target + offset
            temperature = float(group.temperature.sample(rng))
            size = float(group.size.sample(rng))
            out.append(LightSpec(
                kind=group.type, location=_tuple3(position), rotation=aim_euler(position, target),
                energy=float(group.intensity.sample(rng)), color=kelvin_to_linear_rgb(temperature),
                temperature_k=temperature, size=math.radians(size) if group.type == "sun" else size))
    return tuple(out)


def sample_world(world: WorldRecipe, rng: np.random.Generator) -> WorldSpec:
    """Draw the background colour, strength and HDRI rotation."""
    return WorldSpec(color=_tuple3(world.color.sample(rng)), strength=float(world.strength.sample(rng)),
                     hdri_path=world.hdri, hdri_rotation=math.radians(world.hdri_rotation.sample(rng)))


def render_spec(render: RenderRecipe, *, samples: int | None = None, device: str | None = None) -> RenderSpec:
    """Render settings from the recipe, with command-line overrides."""
    return RenderSpec(samples=samples or render.samples, denoise=render.denoise,
                      device=device or render.device, min_pixel_area=render.min_pixel_area)  # type: ignore[arg-type]


def sample_scene(recipe: Recipe, dataset_seed: int, frame_index: int, *,
                 resolution: tuple[int, int] | None = None, samples: int | None = None,
                 device: str | None = None,
                 texture_pools: Mapping[str, Sequence[Any]] | None = None) -> SceneSpec:
    """Sample frame ``frame_index`` of the dataset with seed ``dataset_seed``.

    Args:
        recipe: a validated recipe.
        dataset_seed: the dataset seed (``--seed``).
        frame_index: 0-based frame number.
        resolution: ``(width, height)`` overriding the recipe's camera resolution.
        samples: Cycles samples overriding the recipe.
        device: ``auto|cpu|gpu`` overriding the recipe.
        texture_pools: generated textures by pool key (see :mod:`synthscape.textures`).

    Returns:
        The resolved spec; the same arguments always give the same spec.
    """
    rng = frame_rng(dataset_seed, frame_index)
    categories = resolve_categories(recipe)
    target = np.array(recipe.camera.target.sample(rng))
    camera = sample_camera(recipe.camera, rng, target, resolution)
    objects = sample_objects(recipe, rng, categories, texture_pools)
    lights = sample_lights(recipe.lights, rng, target)
    world = sample_world(recipe.world, rng)
    ground = None
    if recipe.ground is not None:
        size = recipe.ground.size.sample(rng)
        ground = GroundSpec(size=(float(size[0]), float(size[1])),
                            material=sample_material(recipe.ground.material, rng, texture_pools))
    extras = {}
    if recipe.lidar is not None:
        extras["lidar"] = sample_lidar_spec(recipe.lidar, camera.world_to_camera)
    return SceneSpec(frame_index=frame_index, dataset_seed=dataset_seed, camera=camera, ground=ground,
                     objects=objects, lights=lights, world=world,
                     render=render_spec(recipe.render, samples=samples, device=device),
                     categories=categories, extras=extras)
