"""Run one shard of a dataset in this process: the unit every engine (CLI, workers, Ray) runs."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from synthscape.dataset.lock import hold_output_lock
from synthscape.dataset.prepare import prepare_output
from synthscape.dataset.sharding import shard_frames
from synthscape.errors import SynthscapeError
from synthscape.pipeline import ProgressCallback, Renderer, RunSummary, plan_run, render_dataset
from synthscape.plan import RenderJob, RunPlan

RENDERER_ENV = "SYNTHSCAPE_RENDERER"
"""``module:callable`` of a renderer factory ``(device) -> Renderer`` (default: Cycles)."""

RendererFactory = Callable[[str], Renderer]


def load_renderer_factory(reference: str | None) -> RendererFactory | None:
    """Import a renderer factory from ``"package.module:callable"`` (None -> None: Cycles).

    Raises:
        SynthscapeError: the reference is malformed or cannot be imported.
    """
    if not reference:
        return None
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise SynthscapeError(f"{RENDERER_ENV}={reference!r}: use 'package.module:callable'")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise SynthscapeError(f"{RENDERER_ENV}={reference!r}: cannot import it ({error})") from None


def renderer_factory_from_env(environ: Mapping[str, str] = os.environ) -> RendererFactory | None:
    """The factory named by ``SYNTHSCAPE_RENDERER`` (None: the default Cycles renderer)."""
    return load_renderer_factory(environ.get(RENDERER_ENV))


def warm_texture_cache(plan: RunPlan) -> None:
    """Generate the recipe's texture pools once, before shards start, so they all hit the cache.

    Without this, N shards starting together would each call the texture API for the
    same pools.
    """
    from synthscape.pipeline import resolve_textures

    resolve_textures(plan.recipe, plan.job)


def run_shard(job: RenderJob, shard_index: int, num_shards: int, *,
              renderer_factory: RendererFactory | None = None, progress: ProgressCallback | None = None,
              stop: threading.Event | None = None) -> RunSummary:
    """Render shard ``shard_index`` of ``num_shards`` of ``job`` (frames ``i % M == K``), no merge.

    Safe to run at the same time as the other shards on a shared folder, and to rerun
    after a crash: complete frames are skipped, unfinished ones redone.
    """
    plan = plan_run(job)
    with hold_output_lock(plan.out_dir, shard=(shard_index, num_shards)):  # refuses a live run of these frames
        record = prepare_output(plan, num_shards, shard_index)
        frames = shard_frames(range(plan.frames), shard_index, num_shards)
        shard_plan = replace(plan, job=replace(job, frame_indices=frames, finalize=False))
        return render_dataset(shard_plan, renderer_factory=renderer_factory, progress=progress, stop=stop,
                              record=record)


def summary_dict(summary: RunSummary) -> dict[str, Any]:
    """A picklable/JSON-ready digest of a summary (for Ray results and logs)."""
    return {"frames_rendered": list(summary.frames_rendered), "frames_skipped": list(summary.frames_skipped),
            "seconds": summary.seconds, "render_seconds": summary.render_seconds,
            "device_info": dict(summary.device_info), "interrupted": summary.interrupted}
