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
from typing import Any

import numpy as np

from synthscape.plan.run_plan import RenderJob, RunPlan, resolve_plan
from synthscape.recipe.bop import bop_options
from synthscape.recipe.schema import (
    CameraRecipe,
    LightRecipe,
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
from synthscape.spec.draft import FrameDraft, PlacementError, SamplingError, sample_material  # noqa: F401 - re-exported
from synthscape.spec.draft import tuple3 as _tuple3
from synthscape.spec.lens import DistortionError, sample_lens
from synthscape.spec.objects import stage_objects  # noqa: F401 - re-exported
from synthscape.spec.drop import physics_spec, stage_supports
from synthscape.spec.optics import sample_optics
from synthscape.spec.rig import sample_lidars, sample_rig_cameras, stereo_right_name
from synthscape.spec.sequence import sample_sequence_frame
from synthscape.spec.scene_spec import (
    CameraSpec,
    ClockSpec,
    GroundSpec,
    LightSpec,
    RenderSpec,
    RigSpec,
    SceneSpec,
    WorldSpec,
)

DEFAULT_FOCAL_MM = 35.0
GROUND_MATERIAL_KEY = 0
"""Material stream word of the ground (objects use their instance id, from 1)."""

log = logging.getLogger("synthscape.spec")


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


def sample_world(world: WorldRecipe, rng: np.random.Generator,
                 hdri_rng: np.random.Generator | None = None) -> WorldSpec:
    """Draw the background colour, strength and HDRI rotation, and the HDRI of a library.

    A library (``world.hdri: {builtin|folder|files}``) gives one file drawn from ``hdri_rng``
    (default ``rng``; the sampler passes the ``hdri`` stream, so the other draws stay unchanged).
    """
    hdri = world.hdri
    if hdri is not None and not isinstance(hdri, str):
        hdri = hdri.choose(hdri_rng if hdri_rng is not None else rng)
    return WorldSpec(color=_tuple3(world.color.sample(rng)), strength=float(world.strength.sample(rng)),
                     hdri_path=hdri, hdri_rotation=math.radians(world.hdri_rotation.sample(rng)))


def stage_world(draft: FrameDraft) -> None:
    """Background colour or HDRI (a library's HDRI is drawn from the ``hdri`` stream)."""
    draft.world = sample_world(draft.plan.recipe.world, draft.rng("world"), draft.rng("hdri"))


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
    "supports": stage_supports,
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
        The resolved spec; the same arguments always give the same spec. With a ``sequence:``
        section, frame ``g`` is step ``g % N`` of sequence ``g // N`` (:mod:`synthscape.spec.sequence`).
    """
    if plan.recipe.sequence is not None:
        return sample_sequence_frame(plan, frame_index,
                                     lambda index: sample_still(plan, index, texture_pools, stages))
    return sample_still(plan, frame_index, texture_pools, stages)[1]


def sample_still(plan: RunPlan, frame_index: int, texture_pools: Mapping[str, Sequence[Any]] | None = None,
                 stages: Mapping[str, SamplerStage] | None = None) -> tuple[FrameDraft, SceneSpec]:
    """Run the stages for frame index ``frame_index`` (a still, or a sequence's layout): the draft and its spec."""
    draft = FrameDraft(plan=plan, frame_index=frame_index, texture_pools=texture_pools)
    for stage in (SAMPLER_STAGES if stages is None else stages).values():
        stage(draft)
    assert draft.camera is not None
    return draft, SceneSpec(frame_index=frame_index, dataset_seed=plan.seed, camera=draft.camera, ground=draft.ground,
                     objects=draft.objects, distractors=draft.distractors, lights=draft.lights, world=draft.world,
                     render=render_spec(plan.recipe.render, samples=plan.samples, device=plan.device),
                     categories=plan.categories, extras=draft.extras, rig=draft.rig, optics=draft.optics,
                     clock=ClockSpec(sequence=frame_index), outputs=plan.outputs, needs=tuple(sorted(plan.needs)),
                     output_options={"bop": bop_options(plan.recipe.bop)} if "bop" in plan.outputs else {},
                     supports=draft.supports, physics=physics_spec(draft))


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
