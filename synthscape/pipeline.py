"""The one pipeline every front end calls: recipe -> run plan -> specs -> renders -> sensors -> writers.

The CLI, the batch runners and the Blender add-on all call :func:`render_dataset` (or
:func:`plan_run` first, to resolve a job's effective values once). It does not import ``bpy``
itself: the renderer is created by ``renderer_factory`` (by default
:class:`synthscape.blender.render.CyclesRenderer`, imported lazily).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from synthscape.buffers import FrameBuffers
from synthscape.dataset.lock import hold_output_lock
from synthscape.dataset.merge import merge_dataset
from synthscape.dataset.prepare import prepare_output
from synthscape.errors import SynthscapeError
from synthscape.plan import CategorySpec, RenderJob, RunPlan, resolve_categories, resolve_plan
from synthscape.recipe.lens import PINHOLE_ONLY_PER_CAMERA, check_lens_outputs
from synthscape.recipe.load import load_recipe, recipe_to_dict
from synthscape.recipe.schema import Recipe
from synthscape.spec.sample import sample_frame
from synthscape.spec.scene_spec import SceneSpec

log = logging.getLogger("synthscape.pipeline")


class Renderer(Protocol):
    """Anything that turns a spec into frame buffers (the Cycles renderer, or a fake in tests)."""

    device_info: dict[str, Any]
    blender_version: str

    def render(self, spec: SceneSpec) -> FrameBuffers:
        """Render one frame."""

    def settle(self, spec: SceneSpec) -> SceneSpec:
        """The frame with its physics bodies settled (called when ``spec.physics`` is set)."""

    def close(self) -> None:
        """Free what the renderer holds."""


@dataclass
class RunSummary:
    """What a run did; the CLI prints it, ``dataset.json`` records it."""

    out_dir: Path
    frames_total: int
    frames_rendered: list[int] = field(default_factory=list)
    frames_skipped: list[int] = field(default_factory=list)
    seconds: float = 0.0
    render_seconds: float = 0.0
    device_info: dict[str, Any] = field(default_factory=dict)
    category_counts: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False


ProgressCallback = Callable[[int, int, int], None]
"""Called after each frame with (frames done, frames to do, frame index)."""


def default_renderer_factory(device: str) -> Renderer:
    """The Cycles renderer (imports ``bpy``)."""
    from synthscape.blender.render import CyclesRenderer

    return CyclesRenderer(device=device)


def plan_run(job: RenderJob, recipe: Recipe | None = None) -> RunPlan:
    """Load the recipe once (unless given) and resolve every effective value of ``job``.

    Raises:
        RecipeError: the recipe is invalid, or names an unknown output format.
    """
    recipe = recipe if recipe is not None else load_recipe(job.recipe_path)
    if recipe.augment is not None:
        from synthscape.augment.pipeline import parse_augment

        parse_augment(recipe.augment, job.recipe_path)
    check_blend_assets(recipe, str(job.recipe_path))
    categories = resolve_categories(recipe, job.recipe_path)
    outputs, needs = resolve_outputs(recipe, job, categories)
    return resolve_plan(recipe, recipe_to_dict(recipe), job, outputs, needs, categories)


def check_blend_assets(recipe: Recipe, recipe_path: str) -> None:
    """Read every ``.blend`` entry's geometry into the asset cache (with Blender, where ``bpy`` is installed).

    Raises:
        RecipeError: an entry that is not a .blend file, lacks its object or collection, has no
            faces, or is not cached in a Python without ``bpy`` (naming ``objects[i].meshes[j]``).
    """
    from synthscape.recipe.blend_entry import check_blend_entries, uses_blend_assets

    if not uses_blend_assets(recipe):
        return
    with contextlib.suppress(ImportError):  # no bpy: cached entries still work, others are reported
        import synthscape.blender.blend_assets  # noqa: F401  (registers the .blend geometry reader)
    check_blend_entries(recipe, recipe_path)


def resolve_outputs(recipe: Recipe, job: RenderJob,
                    categories: tuple[CategorySpec, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The run's output formats (``--outputs``, else the recipe's ``outputs:``, else the default) and their needs.

    The default set leaves out ``lidar`` without a ``lidar:`` section and ``kitti`` without a
    category that has a ``kitti_type``; asking for either explicitly without them is an error.

    Raises:
        SynthscapeError: an unknown or repeated name, or a format the recipe cannot feed.
    """
    from synthscape.writers import DEFAULT_OUTPUTS, check_outputs, output_needs

    requested = job.outputs if job.outputs is not None else recipe.outputs
    source = "--outputs" if job.outputs is not None else f"{job.recipe_path}: outputs"
    outputs = check_outputs(requested, source)
    lidar, stereo = "a lidar: section", "a stereo rig (rig: {preset: kitti_stereo} or rig: {stereo: {baseline: 0.54}})"
    requirements = {"lidar": (recipe.lidar is not None, lidar), "lidar_pcd": (recipe.lidar is not None, lidar),
                    "lidar_nuscenes": (recipe.lidar is not None, lidar),
                    "kitti": (any(c.kitti_type for c in categories), "a category with a kitti_type"),
                    "kitti_tracking": (any(c.kitti_type for c in categories), "a category with a kitti_type"),
                    "disparity": (recipe.rig is not None and recipe.rig.stereo_pair() is not None, stereo)}
    sequence = (getattr(recipe, "sequence", None) is not None, "a sequence: section (sequence: {frames: N, fps: F})")
    requirements.update({name: sequence for name in ("flow_fw", "flow_bw", "kitti_flow")})
    unmet = {name: why for name, (present, why) in requirements.items() if not present}
    if requested is None:
        outputs = tuple(name for name in DEFAULT_OUTPUTS if name not in unmet)
    outputs = check_lens_outputs(recipe.camera.distortion, outputs, source, str(job.recipe_path), requested is None)
    for index, camera in enumerate(recipe.rig.cameras if recipe.rig is not None else ()):
        outputs = check_lens_outputs(camera.distortion, outputs, source, str(job.recipe_path), requested is None,
                                     key=f"rig.cameras[{index}].distortion", pinhole_only=PINHOLE_ONLY_PER_CAMERA)
    for index, name in enumerate(outputs):
        if name in unmet:
            raise SynthscapeError(f"{source}[{index}]: {name!r} needs {unmet[name]} in the recipe; "
                                  f"add it or drop {name!r}")
    if "bop" in outputs:
        warn_randomized_bop_scales(recipe, job.recipe_path)
    return outputs, output_needs(outputs)


def warn_randomized_bop_scales(recipe: Recipe, source: str) -> None:
    """BOP models are rigid and fixed-size: a randomized scale makes every instance its own model."""
    for index, group in enumerate(recipe.objects):
        if group.scale.fixed_values() is None:
            log.warning("%s: objects[%d].scale is randomized: BOP models are rigid, so each object of the "
                        "%r group becomes its own model in bop/models (give a constant scale, or a choice "
                        "of a few, to share models across instances)", source, index, group.category)


def camera_needs(plan: RunPlan) -> frozenset[str]:
    """What the further cameras need beyond their passes: the needs of camera-scope formats (no LiDAR)."""
    from synthscape.writers.registry import selected_formats

    wanted = {n for f in selected_formats(plan.outputs, "camera") for n in f.needs}
    return frozenset(wanted & set(plan.needs)) - {"lidar"}


def render_views(renderer: Renderer, spec: SceneSpec,
                 further_needs: frozenset[str] = frozenset()) -> dict[str, FrameBuffers]:
    """One render per camera of the rig (main camera first), keyed by camera name.

    The main camera's view keeps the frame's needs (the scene mesh for LiDAR and KITTI);
    further cameras get ``further_needs`` only, so no mesh is exported for them needlessly.
    """
    views = {}
    for camera in spec.cameras():
        view = spec.view(camera.name)
        if camera is not spec.camera:
            view = dataclasses.replace(view, needs=tuple(sorted(further_needs)))
        views[camera.name] = renderer.render(view)
    return views


def write_views(plan: RunPlan, spec: SceneSpec, views: dict[str, FrameBuffers], blender_version: str) -> list[Path]:
    """Write one frame: camera-scope outputs per camera folder, frame-scope ones at the root, marker last.

    The sensors stage runs first, per camera (LiDAR only once, with the main camera).
    Frame-scope writers also get every camera's buffers as ``camera_buffers`` (by camera
    name; KITTI's ``image_3`` is the stereo right camera's image).
    """
    from synthscape.sensors import run_sensors
    from synthscape.writers import write_frame_files
    from synthscape.writers.layout import camera_dir, done_marker, write_done_marker

    needs, per_camera = set(spec.needs), set(camera_needs(plan))
    done_marker(plan.out_dir, spec.frame_index).unlink(missing_ok=True)
    written: list[Path] = []
    main: FrameBuffers | None = None
    seen: dict[str, FrameBuffers] = {}
    for camera in spec.cameras():
        view = spec.view(camera.name)
        buffers = run_sensors(view, views[camera.name], needs if main is None else per_camera)
        main = buffers if main is None else main
        seen[camera.name] = buffers
        folder = camera_dir(plan.out_dir, camera.name, spec.camera.name)
        written += write_frame_files(folder, view, buffers, plan.outputs, scope="camera",
                                     blender_version=blender_version)
    assert main is not None
    written += write_frame_files(plan.out_dir, spec, main, plan.outputs, scope="frame", blender_version=blender_version,
                                 camera_buffers=seen)
    return [*written, write_done_marker(plan.out_dir, spec.frame_index, written)]


def check_frame_memory(plan: RunPlan) -> None:
    """Refuse a render whose frames cannot fit in this machine's memory (warn when tight).

    Raises:
        RecipeError: a camera's frame is larger than all physical memory (names the key).
    """
    from synthscape.recipe.memory import warn_if_frame_too_large

    key = "--resolution" if plan.job.resolution is not None else "camera.resolution"
    warn_if_frame_too_large(plan.resolution, plan.recipe_path, key=key, refuse=True)
    rig = plan.recipe.rig
    for index, camera in enumerate(rig.cameras if rig is not None else ()):
        if camera.resolution is not None:
            warn_if_frame_too_large(camera.resolution, plan.recipe_path, key=f"rig.cameras[{index}].resolution",
                                    refuse=True)


def resolve_textures(recipe: Recipe, job: RenderJob) -> dict[str, list[Any]]:
    """Generate (or load from the cache) every texture pool the recipe needs, once per run."""
    wanted = recipe.generated_textures()
    if not wanted:
        return {}
    from synthscape.textures import resolve_texture_pools

    return resolve_texture_pools(wanted, job.texture_cache, offline=job.offline,
                                 max_calls=job.max_texture_calls)


def render_frames(plan: RunPlan, renderer: Renderer, summary: RunSummary,
                  progress: ProgressCallback | None = None, stop: threading.Event | None = None,
                  texture_pools: dict[str, list[Any]] | None = None) -> None:
    """Render and write each frame of the plan that is not already complete (resume-safe).

    Per frame: sample the spec, one render per camera, the sensors stage, the writers. The
    sensors and writers of a frame run on a background thread while the next frame renders
    (:class:`synthscape.io.background.BackgroundWriter`); a frame counts as rendered, and
    ``progress`` is called, once its write step (marker last) has finished.
    """
    from synthscape.io.background import BackgroundWriter
    from synthscape.writers.layout import frames_to_render

    indices = plan.frame_indices()
    further = camera_needs(plan)
    todo = frames_to_render(plan.out_dir, indices)  # logs each damaged frame it redoes
    summary.frames_skipped = [i for i in indices if i not in set(todo)]

    def finished(frames: list[int]) -> None:
        for index in frames:
            summary.frames_rendered.append(index)
            if progress is not None:
                progress(len(summary.frames_rendered), len(todo), index)

    with BackgroundWriter() as writer:
        for index in todo:
            if stop is not None and stop.is_set():
                summary.interrupted = True
                break
            spec = settle_frame(renderer, sample_frame(plan, index, texture_pools or {}), str(plan.recipe_path))
            started = time.perf_counter()
            views = render_views(renderer, spec, further)
            summary.render_seconds += time.perf_counter() - started
            finished(writer.submit(index, functools.partial(write_views, plan, spec, views, renderer.blender_version)))
        finished(writer.drain())


def settle_frame(renderer: Renderer, spec: SceneSpec, source: str = "") -> SceneSpec:
    """``spec`` with its physics bodies settled by the renderer (itself when it has no physics), so
    every render and writer sees the settled poses.

    Raises:
        SynthscapeError: the renderer cannot simulate physics, or an object failed the checks after
            settling with ``on_failure: error`` (prefixed with ``source``, the recipe file).
    """
    if spec.physics is None:
        return spec
    settle = getattr(renderer, "settle", None)
    if settle is None:
        raise SynthscapeError(f"{type(renderer).__name__} cannot settle physics (placement: physics); "
                              "render with the Cycles renderer")
    try:
        return settle(spec)
    except SynthscapeError as error:
        if not source:
            raise
        raise SynthscapeError(f"{source}: {error}") from None


def render_dataset(job: RenderJob | RunPlan, *, renderer_factory: Callable[[str], Renderer] | None = None,
                   progress: ProgressCallback | None = None, stop: threading.Event | None = None,
                   record: Any = None) -> RunSummary:
    """Render a dataset (or one shard of it) from a recipe.

    Validates the recipe and the output folder before anything renders, skips frames
    that are already complete, and (with ``job.finalize``) merges the annotations with
    :func:`synthscape.dataset.merge.merge_dataset`, the same code as ``synthscape merge``.
    A finalizing run owns its folder: it records ``run.json`` (refusing a folder of another
    run) and removes temporary files a killed run left. Shard runners prepare the folder
    themselves (:func:`synthscape.batch.shard_run.run_shard`), pass ``finalize=False`` and
    the ``record`` they wrote.

    Args:
        job: the request, or its already resolved plan.
        renderer_factory: ``(device) -> Renderer`` (default: Cycles).
        progress: called after each frame.
        stop: set to stop after the current frame.
        record: the ``run.json`` record a shard runner already wrote (None: this run writes it).

    Raises:
        RecipeError: the recipe is invalid.
        DeviceUnavailableError: ``--device gpu`` where Cycles finds no GPU.
        OutputDirError: the output folder cannot be written.
    """
    started = time.perf_counter()
    plan = job if isinstance(job, RunPlan) else plan_run(job)
    check_frame_memory(plan)
    # The device is checked first: a wrong --device leaves nothing on disk.
    renderer = (renderer_factory or default_renderer_factory)(plan.device)
    summary = RunSummary(out_dir=plan.out_dir, frames_total=plan.frames, device_info=dict(renderer.device_info))
    with contextlib.ExitStack() as run_lock:  # a finalizing run holds all of --out (shards: run_shard)
        try:
            if plan.job.finalize:
                run_lock.enter_context(hold_output_lock(plan.out_dir))
            if record is None:
                record = prepare_output(plan)
            pools = resolve_textures(plan.recipe, plan.job)
            render_frames(plan, renderer, summary, progress, stop, pools)
        finally:
            renderer.close()
        summary.seconds = time.perf_counter() - started
        if plan.job.finalize and not summary.interrupted:
            merged = merge_dataset(plan.out_dir, record=record, summary=summary,
                                   allow_partial=plan.job.frame_indices is not None)
            summary.category_counts = merged.category_counts
    return summary
