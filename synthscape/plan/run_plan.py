"""The run plan: every effective value of a run, resolved once from the recipe and the overrides.

A front end (CLI, workers, Ray, the Blender add-on) describes *what it was asked* with one
:class:`RenderJob` (only the overrides it was given; ``None`` = "the recipe's value").
:func:`synthscape.pipeline.plan_run` loads the recipe once and resolves a :class:`RunPlan`:
frames, seed, resolution, samples, device, categories, outputs, cameras. ``run.json``, the frame
loop, the sampler, the workers, Ray and the add-on all read that one object, so no default is
applied in two places.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from synthscape.errors import SynthscapeError
from synthscape.plan.categories import CategorySpec, resolve_categories
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synthscape.recipe.schema import Recipe


@dataclass(frozen=True)
class RenderJob:
    """What a front end asks for: the recipe, the folder, and only the overrides it was given.

    Attributes:
        recipe_path: the recipe YAML.
        out_dir: the dataset folder.
        frames: total frame count of the dataset (None: the recipe's ``frames``).
        seed: dataset seed (None: the recipe's ``seed``).
        resolution: ``(width, height)`` override of the main camera.
        samples: Cycles samples override.
        device: ``auto|cpu|gpu`` override.
        outputs: output formats override (``--outputs``; None: the recipe's ``outputs:``).
        frame_indices: only these frames (a shard); None = all.
        finalize: merge the annotations and write ``dataset.json`` after the frames.
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
    outputs: tuple[str, ...] | None = None
    frame_indices: Sequence[int] | None = None
    finalize: bool = True
    texture_cache: str | None = None
    offline: bool = False
    max_texture_calls: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for child processes: the add-on's worker, Ray tasks)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["out_dir"] = str(self.out_dir)
        for key in ("resolution", "outputs", "frame_indices"):
            data[key] = list(data[key]) if data[key] is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenderJob:
        """Inverse of :meth:`to_dict` (unknown keys are an error)."""
        data = dict(data)
        data["out_dir"] = Path(data["out_dir"])
        for key in ("resolution", "outputs"):
            if data.get(key) is not None:
                data[key] = tuple(data[key])
        return cls(**data)

    def overrides(self) -> dict[str, Any]:
        """The dataset-defining overrides that were given (for command lines and logs)."""
        keys = ("frames", "seed", "resolution", "samples", "device", "outputs")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


@dataclass(frozen=True)
class RunPlan:
    """Every effective value of one run. Build it with :func:`synthscape.pipeline.plan_run`.

    Attributes:
        job: the request it was resolved from (folder, shard, texture options).
        recipe: the validated recipe, loaded once.
        recipe_dict: the recipe as plain data (for ``run.json`` and ``dataset.json``).
        name: dataset name.
        frames: frame count of the whole dataset.
        seed: dataset seed.
        resolution: ``(width, height)`` of the main camera.
        samples: Cycles samples per pixel.
        device: ``auto``, ``cpu`` or ``gpu``.
        categories: resolved categories (stable ids).
        outputs: the output formats every frame writes, in writing order.
        needs: what the outputs need beyond the render passes (``mesh``, ``visibility``, ``lidar``).
        cameras: names of the rig's cameras, main camera first.
        sequence_frames: frames per sequence (N; 1 for stills): frame ``g`` is step ``g % N`` of
            sequence ``g // N``.
        fps: frames per second of the sequences (0 for stills).
    """

    job: RenderJob
    recipe: Recipe
    recipe_dict: dict[str, Any]
    name: str
    frames: int
    seed: int
    resolution: tuple[int, int]
    samples: int
    device: str
    categories: tuple[CategorySpec, ...]
    outputs: tuple[str, ...]
    needs: frozenset[str] = field(default_factory=frozenset)
    cameras: tuple[str, ...] = ("camera",)
    sequence_frames: int = 1
    fps: float = 0.0

    @property
    def recipe_path(self) -> str:
        """The recipe file as given."""
        return self.job.recipe_path

    @property
    def out_dir(self) -> Path:
        """The dataset folder."""
        return Path(self.job.out_dir)

    def frame_indices(self) -> list[int]:
        """The frames this run renders: the job's shard, or every frame of the dataset."""
        if self.job.frame_indices is None:
            return list(range(self.frames))
        return [int(i) for i in self.job.frame_indices if 0 <= int(i) < self.frames]


def camera_names(recipe: Recipe) -> tuple[str, ...]:
    """The rig's camera names, main camera first."""
    extra = tuple(c.name for c in recipe.rig.all_cameras()) if recipe.rig is not None else ()
    return (recipe.camera.name, *extra)


def sequence_of(recipe: Recipe, job: RenderJob) -> tuple[int, float]:
    """Frames per sequence and fps of the run (``(1, 0.0)`` for stills).

    Raises:
        SynthscapeError: ``--frames`` is not a multiple of ``sequence.frames`` (exit 2).
    """
    if recipe.sequence is None:
        return 1, 0.0
    length = int(recipe.sequence.frames)
    if job.frames is not None and job.frames % length:
        raise SynthscapeError(f"--frames {job.frames}: {job.recipe_path}: sequence.frames is {length}, and the "
                              f"frames must be whole sequences; pass --frames as a multiple of {length} "
                              f"(e.g. {max(length, job.frames // length * length)}) or change sequence.frames")
    return length, float(recipe.sequence.fps)


def resolve_plan(recipe: Recipe, recipe_dict: dict[str, Any], job: RenderJob, outputs: Sequence[str],
                 needs: frozenset[str] = frozenset(),
                 categories: tuple[CategorySpec, ...] | None = None) -> RunPlan:
    """Resolve the effective values of ``job`` against ``recipe`` (pure; no file access).

    Args:
        recipe: the validated recipe.
        recipe_dict: its plain-data form (credentials already redacted).
        job: the overrides.
        outputs: the resolved, validated output formats.
        needs: what those outputs need (see :func:`synthscape.writers.output_needs`).
        categories: the recipe's resolved categories, when the caller has them already.
    """
    width, height = job.resolution or recipe.camera.resolution
    sequence_frames, fps = sequence_of(recipe, job)
    return RunPlan(sequence_frames=sequence_frames, fps=fps,
        job=job, recipe=recipe, recipe_dict=recipe_dict, name=recipe.name,
        frames=int(job.frames if job.frames is not None else recipe.frames),
        seed=int(job.seed if job.seed is not None else recipe.seed),
        resolution=(int(width), int(height)),
        samples=int(job.samples if job.samples is not None else recipe.render.samples),
        device=str(job.device or recipe.render.device),
        categories=categories if categories is not None else resolve_categories(recipe, job.recipe_path),
        outputs=tuple(outputs), needs=frozenset(needs), cameras=camera_names(recipe))
