"""Sampling a :class:`SceneSpec` from a run plan and a frame index (pure Python/numpy).

The sampler runs in stages (:data:`SAMPLER_STAGES`): camera, rig, objects, lights, world,
ground; materials and texture choices are drawn per object. Every stage draws from its
own stream, ``stage_rng(seed, frame, stage_name)`` (see :mod:`synthscape.spec.seeds`), so a
new stage or a new option of one stage leaves every other stage's draws unchanged, and a
frame never depends on how frames are split across processes.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthscape.errors import SynthscapeError
from synthscape.plan.run_plan import RenderJob, RunPlan, resolve_plan
from synthscape.recipe.bop import bop_options
from synthscape.recipe.schema import (
    CameraRecipe,
    GeneratedTextureRecipe,
    ImageTextureRecipe,
    LightRecipe,
    MaterialRecipe,
    ObjectGroupRecipe,
    Recipe,
    RenderRecipe,
    WorldRecipe,
)
from synthscape.spec.camera import (
    aim_euler,
    focal_from_fov,
    intrinsics,
    look_at,
    spherical_offset,
)
from synthscape.spec.colors import kelvin_to_linear_rgb
from synthscape.spec.lens import DistortionError, sample_lens
from synthscape.spec.optics import OpticsSpec, sample_optics
from synthscape.spec.placement import Footprint, footprint_radius, place_footprint
from synthscape.spec.rig import sample_lidars, sample_rig_cameras, stereo_right_name
from synthscape.spec.scene_spec import (
    CameraSpec,
    CategorySpec,
    ClockSpec,
    GroundSpec,
    LightSpec,
    MaterialSpec,
    ObjectSpec,
    RenderSpec,
    RigSpec,
    SceneSpec,
    TextureMapping,
    TextureSource,
    WorldSpec,
)
from synthscape.spec.seeds import stage_rng
from synthscape.spec.shapes import shape_bounds
from synthscape.spec.textures import texture_source
from synthscape.textures import pool_key, sample_texture

DEFAULT_FOCAL_MM = 35.0
GROUND_MATERIAL_KEY = 0
"""Material stream word of the ground (objects use their instance id, from 1)."""

log = logging.getLogger("synthscape.spec")


class SamplingError(SynthscapeError):
    """A frame cannot be sampled from the recipe (names the recipe file and key)."""


class PlacementError(SamplingError):
    """An object could not be placed and the recipe says ``on_failure: error``."""


def _tuple3(values: Sequence[float]) -> tuple[float, float, float]:
    return (float(values[0]), float(values[1]), float(values[2]))


def _matrix(m: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(m))


def sample_camera(camera: CameraRecipe, rng: np.random.Generator, target: np.ndarray,
                  resolution: tuple[int, int] | None = None, source: str = "<recipe>") -> CameraSpec:
    """Intrinsics and a look-at pose for the frame's main camera, aimed near ``target``.

    Raises:
        SamplingError: the sampled camera position equals its target.
    """
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
        eye, key = np.array(camera.location.sample(rng)), "camera.location"
    else:
        offset = spherical_offset(camera.distance.sample(rng), camera.elevation.sample(rng),
                                  camera.azimuth.sample(rng))
        eye, key = target + offset, "camera.distance"
    try:
        world_to_camera = look_at(eye, target)
    except ValueError:
        raise SamplingError(f"{source}: {key}: the camera position {eye.round(6).tolist()} equals its target "
                            f"{np.round(target, 6).tolist()}; move the camera or the target") from None
    return CameraSpec(
        width=int(width), height=int(height), focal_length_mm=float(focal),
        sensor_width_mm=float(camera.sensor_width),
        K=_matrix(intrinsics(width, height, focal, camera.sensor_width)),
        world_to_camera=_matrix(world_to_camera), clip_start=camera.clip_start, clip_end=camera.clip_end,
        name=camera.name)


def sample_material(material: MaterialRecipe, rng: np.random.Generator,
                    texture_pools: Mapping[str, Sequence[Any]] | None = None,
                    texture_rng: np.random.Generator | None = None) -> MaterialSpec:
    """Draw a material's parameters.

    ``texture_pools`` maps :func:`~synthscape.textures.pool_key` to resolved textures; when it
    is None (validation, spec previews) generated textures are left out of the spec. The
    texture is chosen with ``texture_rng`` (default ``rng``).
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
        entry = sample_texture(texture_pools[key], texture_rng or rng)
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
                        noise_scale=noise_scale, noise_strength=noise_strength,
                        lidar_reflectivity=material.lidar_reflectivity,
                        retroreflective=material.retroreflective)


@dataclass
class FrameDraft:
    """What the stages of one frame have drawn so far (the stages fill it in order)."""

    plan: RunPlan
    frame_index: int
    texture_pools: Mapping[str, Sequence[Any]] | None
    target: np.ndarray | None = None
    camera: CameraSpec | None = None
    rig: RigSpec = RigSpec()
    objects: tuple[ObjectSpec, ...] = ()
    lights: tuple[LightSpec, ...] = ()
    world: WorldSpec = WorldSpec()
    ground: GroundSpec | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    optics: OpticsSpec | None = None

    def rng(self, stage: str, *extra: int) -> np.random.Generator:
        """The generator of ``stage`` for this frame (``extra`` words: e.g. an instance id)."""
        return stage_rng(self.plan.seed, self.frame_index, stage, *extra)

    def material(self, material: MaterialRecipe, key: int) -> MaterialSpec:
        """A material drawn from the ``materials`` stream of object ``key`` (0 = the ground)."""
        return sample_material(material, self.rng("materials", key), self.texture_pools,
                               texture_rng=self.rng("textures", key))


def stage_camera(draft: FrameDraft) -> None:
    """Camera target, intrinsics and pose (the rig frame)."""
    recipe, rng = draft.plan.recipe, draft.rng("camera")
    draft.target = np.array(recipe.camera.target.sample(rng))
    draft.camera = sample_camera(recipe.camera, rng, draft.target, draft.plan.resolution, draft.plan.recipe_path)


def stage_rig(draft: FrameDraft) -> None:
    """Further cameras relative to the main camera, and the LiDARs."""
    assert draft.camera is not None
    recipe = draft.plan.recipe
    draft.rig = RigSpec(cameras=sample_rig_cameras(recipe.rig, draft.camera, draft.rng("rig")),
                        lidars=sample_lidars(recipe.lidar, draft.camera), stereo_right=stereo_right_name(recipe.rig))


def _place(draft: FrameDraft, group: ObjectGroupRecipe, key: str, rng: np.random.Generator,
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


def _group_object(draft: FrameDraft, group: ObjectGroupRecipe, key: str, category: CategorySpec,
                  instance_id: int, placed: list[Footprint], rng: np.random.Generator) -> ObjectSpec | None:
    shape = group.shape or "mesh"
    bbox_min, bbox_max = shape_bounds(shape, group.mesh)
    scale = _tuple3(group.scale.sample(rng))
    yaw = math.radians(group.yaw.sample(rng))
    radius = footprint_radius(bbox_min, bbox_max, scale)
    if group.location is not None:
        location = _tuple3(group.location.sample(rng))
        placed.append(Footprint(location[0], location[1], radius))
    else:
        footprint = _place(draft, group, key, rng, radius, placed)
        if footprint is None:
            return None
        placed.append(footprint)
        location = (footprint.x, footprint.y, -bbox_min[2] * scale[2])
    return ObjectSpec(instance_id=instance_id, category_id=category.id, shape=shape,
                      location=location, rotation=(0.0, 0.0, yaw), scale=scale,
                      material=draft.material(group.material, instance_id), mesh_path=group.mesh,
                      bbox_min=bbox_min, bbox_max=bbox_max)


def stage_objects(draft: FrameDraft) -> None:
    """Every group's count, then each object's scale, yaw and position; materials per object."""
    recipe, rng = draft.plan.recipe, draft.rng("objects")
    by_name = {c.name: c for c in draft.plan.categories}
    counts = [int(group.count.sample(rng)) for group in recipe.objects]
    objects: list[ObjectSpec] = []
    placed: list[Footprint] = []
    for index, (group, count) in enumerate(zip(recipe.objects, counts)):
        for _ in range(count):
            obj = _group_object(draft, group, f"objects[{index}]", by_name[group.category], len(objects) + 1,
                                placed, rng)
            if obj is not None:
                objects.append(obj)
    if len(objects) < sum(counts):
        log.warning("%s: frame %d: %d of %d objects did not fit without overlap and were left out; enlarge "
                    "placement.area or lower the counts (placement.on_failure: error makes this an error)",
                    draft.plan.recipe_path, draft.frame_index, sum(counts) - len(objects), sum(counts))
    draft.objects = tuple(objects)


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


def stage_lights(draft: FrameDraft) -> None:
    """Lights around the camera target."""
    assert draft.target is not None
    draft.lights = sample_lights(draft.plan.recipe.lights, draft.rng("lights"), draft.target)


def sample_world(world: WorldRecipe, rng: np.random.Generator) -> WorldSpec:
    """Draw the background colour, strength and HDRI rotation."""
    return WorldSpec(color=_tuple3(world.color.sample(rng)), strength=float(world.strength.sample(rng)),
                     hdri_path=world.hdri, hdri_rotation=math.radians(world.hdri_rotation.sample(rng)))


def stage_world(draft: FrameDraft) -> None:
    """Background colour or HDRI."""
    draft.world = sample_world(draft.plan.recipe.world, draft.rng("world"))


def stage_ground(draft: FrameDraft) -> None:
    """The ground plane's size and material."""
    ground = draft.plan.recipe.ground
    if ground is None:
        return
    size = ground.size.sample(draft.rng("ground"))
    draft.ground = GroundSpec(size=(float(size[0]), float(size[1])),
                              material=draft.material(ground.material, GROUND_MATERIAL_KEY))


def stage_lens(draft: FrameDraft) -> None:
    """Each camera's lens distortion: ``camera.distortion``, then ``rig.cameras[i].distortion``.

    The main camera draws from the ``lens`` stream, further camera ``i`` from ``("lens", i + 1)``.
    """
    assert draft.camera is not None
    recipe, path = draft.plan.recipe, draft.plan.recipe_path
    try:
        draft.camera = sample_lens(recipe.camera.distortion, draft.camera, draft.rng("lens"), path)
        lenses = {c.name: (i, c.distortion) for i, c in enumerate(recipe.rig.cameras if recipe.rig else ())}
        cameras = []
        for camera in draft.rig.cameras:
            index, distortion = lenses.get(camera.name, (-1, None))
            cameras.append(camera if distortion is None else sample_lens(
                distortion, camera, draft.rng("lens", index + 1), path, f"rig.cameras[{index}].distortion"))
        draft.rig = dataclasses.replace(draft.rig, cameras=tuple(cameras))
    except DistortionError as error:
        raise SamplingError(str(error)) from None


def stage_optics(draft: FrameDraft) -> None:
    """Shutter and velocities, aperture and focus, exposure and sensor noise (``optics:``)."""
    assert draft.target is not None
    try:
        draft.optics = sample_optics(draft.plan.recipe.optics, draft.rng("optics"), draft.objects,
                                     draft.plan.categories, draft.target)
    except ValueError as error:
        raise SamplingError(f"{draft.plan.recipe_path}: {error}") from None


SamplerStage = Callable[[FrameDraft], None]
SAMPLER_STAGES: dict[str, SamplerStage] = {
    "camera": stage_camera,
    "rig": stage_rig,
    "lens": stage_lens,
    "objects": stage_objects,
    "lights": stage_lights,
    "world": stage_world,
    "ground": stage_ground,
    "optics": stage_optics,
}
"""The sampler's stages, run in this order; each draws only from ``draft.rng(its name)``."""


def render_spec(render: RenderRecipe, *, samples: int | None = None, device: str | None = None) -> RenderSpec:
    """Render settings from the recipe, with overrides."""
    return RenderSpec(samples=samples or render.samples, denoise=render.denoise,
                      device=device or render.device, min_pixel_area=render.min_pixel_area)  # type: ignore[arg-type]


def sample_frame(plan: RunPlan, frame_index: int, texture_pools: Mapping[str, Sequence[Any]] | None = None,
                 stages: Mapping[str, SamplerStage] | None = None) -> SceneSpec:
    """Sample frame ``frame_index`` of the run ``plan``.

    Args:
        plan: the run plan (recipe, seed, resolution, samples, device, categories, outputs).
        frame_index: 0-based frame number.
        texture_pools: generated textures by pool key (see :mod:`synthscape.textures`).
        stages: the stage table (default :data:`SAMPLER_STAGES`).

    Returns:
        The resolved spec; the same arguments always give the same spec.
    """
    draft = FrameDraft(plan=plan, frame_index=frame_index, texture_pools=texture_pools)
    for stage in (SAMPLER_STAGES if stages is None else stages).values():
        stage(draft)
    assert draft.camera is not None
    return SceneSpec(frame_index=frame_index, dataset_seed=plan.seed, camera=draft.camera, ground=draft.ground,
                     objects=draft.objects, lights=draft.lights, world=draft.world,
                     render=render_spec(plan.recipe.render, samples=plan.samples, device=plan.device),
                     categories=plan.categories, extras=draft.extras, rig=draft.rig, optics=draft.optics,
                     clock=ClockSpec(sequence=frame_index), outputs=plan.outputs, needs=tuple(sorted(plan.needs)),
                     output_options={"bop": bop_options(plan.recipe.bop)} if "bop" in plan.outputs else {})


def sample_scene(recipe: Recipe, dataset_seed: int, frame_index: int, *,
                 resolution: tuple[int, int] | None = None, samples: int | None = None,
                 device: str | None = None,
                 texture_pools: Mapping[str, Sequence[Any]] | None = None) -> SceneSpec:
    """Sample one frame straight from a recipe (a plan with these overrides and no outputs).

    For previews and tests; runs use :func:`sample_frame` with their :class:`RunPlan`.
    """
    job = RenderJob(recipe_path="<recipe>", out_dir=None, seed=dataset_seed,  # type: ignore[arg-type]
                    resolution=resolution, samples=samples, device=device)
    return sample_frame(resolve_plan(recipe, {}, job, outputs=()), frame_index, texture_pools)
