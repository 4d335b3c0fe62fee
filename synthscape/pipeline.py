"""The one pipeline every front end calls: recipe -> specs -> renders -> writers.

The CLI, the batch runners and the Blender add-on all call :func:`render_dataset`.
It does not import ``bpy`` itself: the renderer is created by ``renderer_factory``
(by default :class:`synthscape.blender.render.CyclesRenderer`, imported lazily).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from synthscape.buffers import FrameBuffers
from synthscape.errors import OutputDirError
from synthscape.recipe.load import load_recipe
from synthscape.recipe.schema import Recipe
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import SceneSpec

log = logging.getLogger("synthscape.pipeline")


class Renderer(Protocol):
    """Anything that turns a spec into frame buffers (the Cycles renderer, or a fake in tests)."""

    device_info: dict[str, Any]
    blender_version: str

    def render(self, spec: SceneSpec) -> FrameBuffers:
        """Render one frame."""

    def close(self) -> None:
        """Free what the renderer holds."""


@dataclass(frozen=True)
class RenderJob:
    """What to render and where.

    Attributes:
        recipe_path: the recipe YAML.
        out_dir: the dataset folder.
        frames: total frame count of the dataset (None: the recipe's ``frames``).
        seed: dataset seed (None: the recipe's ``seed``).
        resolution: ``(width, height)`` override.
        samples: Cycles samples override.
        device: ``auto|cpu|gpu`` override.
        frame_indices: only these frames (a shard); None = all.
        finalize: merge COCO and write ``dataset.json`` after the frames.
        texture_cache: ``--texture-cache`` folder (None: the user cache folder).
        offline: use cached textures only (``--offline``).
        max_texture_calls: most texture API calls this run may make.
    """

    recipe_path: str
    out_dir: Path
    frames: int | None = None
    seed: int | None = None
    resolution: tuple[int, int] | None = None
    samples: int | None = None
    device: str | None = None
    frame_indices: Sequence[int] | None = None
    finalize: bool = True
    texture_cache: str | None = None
    offline: bool = False
    max_texture_calls: int | None = None


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


def check_output_dir(out_dir: Path) -> None:
    """Create ``out_dir`` and prove it is writable, before any rendering.

    Raises:
        OutputDirError: naming the folder and what to do.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise OutputDirError(f"--out {out_dir}: cannot write there ({error.strerror or error}); "
                             "choose a folder you can write to") from None


def default_renderer_factory(device: str) -> Renderer:
    """The Cycles renderer (imports ``bpy``)."""
    from synthscape.blender.render import CyclesRenderer

    return CyclesRenderer(device=device)


def _frame_indices(job: RenderJob, frames: int) -> list[int]:
    if job.frame_indices is None:
        return list(range(frames))
    return [i for i in job.frame_indices if 0 <= i < frames]


def resolve_textures(recipe: Recipe, job: RenderJob) -> dict[str, list[Any]]:
    """Generate (or load from the cache) every texture pool the recipe needs, once per run."""
    wanted = recipe.generated_textures()
    if not wanted:
        return {}
    from synthscape.textures import resolve_texture_pools

    return resolve_texture_pools(wanted, job.texture_cache, offline=job.offline,
                                 max_calls=job.max_texture_calls)


def render_frames(recipe: Recipe, job: RenderJob, seed: int, indices: Sequence[int], renderer: Renderer,
                  summary: RunSummary, progress: ProgressCallback | None = None,
                  stop: threading.Event | None = None,
                  texture_pools: dict[str, list[Any]] | None = None) -> None:
    """Render and write each frame that is not already complete (resume-safe)."""
    from synthscape.writers import frame_is_complete, write_frame

    todo = [i for i in indices if not frame_is_complete(job.out_dir, i)]
    summary.frames_skipped = [i for i in indices if i not in set(todo)]
    for done, index in enumerate(todo, start=1):
        if stop is not None and stop.is_set():
            summary.interrupted = True
            break
        spec = sample_scene(recipe, seed, index, resolution=job.resolution, samples=job.samples,
                            device=job.device, texture_pools=texture_pools or {})
        started = time.perf_counter()
        buffers = renderer.render(spec)
        summary.render_seconds += time.perf_counter() - started
        write_frame(job.out_dir, spec, buffers, renderer.blender_version)
        summary.frames_rendered.append(index)
        if progress is not None:
            progress(done, len(todo), index)


def prepare_output_dir(job: RenderJob) -> Any:
    """Check the output folder; a finalizing run also records ``run.json`` and cleans up.

    Returns:
        The run record (:class:`synthscape.batch.run_record.RunRecord`), or None for shards.
    """
    if not job.finalize:
        check_output_dir(job.out_dir)
        return None
    from synthscape.batch.shard_run import prepare_output

    return prepare_output(job)


def render_dataset(job: RenderJob, *, renderer_factory: Callable[[str], Renderer] | None = None,
                   progress: ProgressCallback | None = None,
                   stop: threading.Event | None = None) -> RunSummary:
    """Render a dataset (or one shard of it) from a recipe.

    Validates the recipe and the output folder before anything renders, skips frames
    that are already complete, and (with ``job.finalize``) merges the annotations with
    :func:`synthscape.batch.merge.merge_dataset`, the same code as ``synthscape merge``.
    A finalizing run owns its folder: it records ``run.json`` (refusing a folder of another
    run) and removes temporary files a killed run left. Shard runners prepare the folder
    themselves (:func:`synthscape.batch.shard_run.run_shard`) and pass ``finalize=False``.

    Raises:
        RecipeError: the recipe is invalid.
        DeviceUnavailableError: ``--device gpu`` where Cycles finds no GPU.
        OutputDirError: the output folder cannot be written.
    """
    started = time.perf_counter()
    recipe = load_recipe(job.recipe_path)
    frames = job.frames if job.frames is not None else recipe.frames
    seed = job.seed if job.seed is not None else recipe.seed
    # The device is checked first: a wrong --device leaves nothing on disk.
    renderer = (renderer_factory or default_renderer_factory)(job.device or recipe.render.device)
    summary = RunSummary(out_dir=job.out_dir, frames_total=frames, device_info=dict(renderer.device_info))
    try:
        record = prepare_output_dir(job)
        pools = resolve_textures(recipe, job)
        render_frames(recipe, job, seed, _frame_indices(job, frames), renderer, summary, progress, stop,
                      pools)
    finally:
        renderer.close()
    summary.seconds = time.perf_counter() - started
    if job.finalize and not summary.interrupted:
        from synthscape.batch.merge import merge_dataset

        merged = merge_dataset(job.out_dir, record=record, summary=summary,
                               allow_partial=job.frame_indices is not None)
        summary.category_counts = merged.category_counts
    return summary
