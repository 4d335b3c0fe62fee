"""``run.json``: the run parameters, written before the first frame, read by merge and status.

The record holds what defines the dataset (resolved recipe, frame count, seed,
resolution, samples, categories), so ``synthscape merge`` and ``synthscape status`` know
which frames to expect without the recipe file. It has no timestamps or host names,
so shards that start at the same time write identical bytes. A run whose parameters
differ from an existing record is refused: mixing two datasets in one folder would
silently produce frames from both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthscape.errors import SynthscapeError
from synthscape.io.atomic import write_text_atomic
from synthscape.plan import CategorySpec, RunPlan

log = logging.getLogger("synthscape.dataset.run_record")

RUN_FILE = "run.json"
RUN_SCHEMA_VERSION = 2
_DEFINING = ("recipe_sha256", "frames", "seed", "resolution", "samples", "outputs", "cameras", "sequence_frames",
             "fps")


class RunRecordError(SynthscapeError):
    """``run.json`` is missing, unreadable, or disagrees with the run being started."""


@dataclass(frozen=True)
class RunRecord:
    """The parameters of a dataset run.

    Attributes:
        recipe_path: the recipe file as given on the command line (informational).
        recipe: the resolved recipe (``recipe_to_dict``).
        name: the recipe's ``name`` (COCO ``info.description``).
        frames: frame count of the whole dataset.
        seed: dataset seed.
        resolution: effective ``(width, height)`` of the main camera.
        samples: effective Cycles samples.
        categories: the resolved categories (id, name, kitti_type).
        num_shards: how the last run split the frames (informational; 1 = one process).
        outputs: the output formats every frame writes.
        cameras: the rig's camera names, main camera first.
        sequence_frames: frames per sequence (1 for stills).
        fps: frames per second of the sequences (0 for stills).
    """

    recipe_path: str
    recipe: dict[str, Any]
    name: str
    frames: int
    seed: int
    resolution: tuple[int, int] | None
    samples: int | None
    categories: tuple[CategorySpec, ...]
    num_shards: int = 1
    outputs: tuple[str, ...] = ()
    cameras: tuple[str, ...] = ("camera",)
    sequence_frames: int = 1
    fps: float = 0.0

    @property
    def recipe_sha256(self) -> str:
        """Hash of the canonical JSON of the resolved recipe."""
        text = json.dumps(self.recipe, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the ``run.json`` content)."""
        return {
            "schema_version": RUN_SCHEMA_VERSION, "recipe_path": self.recipe_path, "recipe": self.recipe,
            "recipe_sha256": self.recipe_sha256, "name": self.name, "frames": self.frames, "seed": self.seed,
            "resolution": list(self.resolution) if self.resolution else None, "samples": self.samples,
            "categories": [{"id": c.id, "name": c.name, "kitti_type": c.kitti_type} for c in self.categories],
            "num_shards": self.num_shards, "outputs": list(self.outputs), "cameras": list(self.cameras),
            "sequence_frames": self.sequence_frames, "fps": self.fps,
        }


def record_for_plan(plan: RunPlan, num_shards: int = 1) -> RunRecord:
    """The :class:`RunRecord` of a run plan: its effective values, never the raw overrides.

    So a rerun that passes ``--resolution`` equal to the recipe's own value matches a run
    that passed nothing.
    """
    return RunRecord(recipe_path=str(plan.recipe_path), recipe=plan.recipe_dict, name=plan.name,
                     frames=plan.frames, seed=plan.seed, resolution=plan.resolution, samples=plan.samples,
                     categories=plan.categories, num_shards=num_shards, outputs=plan.outputs,
                     cameras=plan.cameras, sequence_frames=plan.sequence_frames, fps=plan.fps)


def record_from_dict(data: dict[str, Any], source: str = RUN_FILE) -> RunRecord:
    """Rebuild a :class:`RunRecord` from ``run.json`` data.

    Raises:
        RunRecordError: a key is missing or has the wrong type.
    """
    try:
        return RunRecord(recipe_path=str(data["recipe_path"]), recipe=dict(data["recipe"]), name=str(data["name"]),
                         frames=int(data["frames"]), seed=int(data["seed"]),
                         resolution=tuple(data["resolution"]) if data.get("resolution") else None,
                         samples=data.get("samples"), num_shards=int(data.get("num_shards", 1)),
                         outputs=tuple(data.get("outputs") or ()), cameras=tuple(data.get("cameras") or ("camera",)),
                         sequence_frames=int(data.get("sequence_frames", 1)), fps=float(data.get("fps", 0.0)),
                         categories=tuple(CategorySpec(int(c["id"]), str(c["name"]), c.get("kitti_type"))
                                          for c in data["categories"]))
    except (KeyError, TypeError, ValueError) as error:
        raise RunRecordError(f"{source}: bad or missing key ({error!r}); delete it and rerun "
                             "`synthscape render` with the same options to rewrite it") from None


def read_run_record(out_dir: str | os.PathLike[str]) -> RunRecord | None:
    """The record of ``out_dir`` (None when there is no ``run.json``).

    Raises:
        RunRecordError: the file is not valid JSON or lacks keys.
    """
    path = Path(out_dir) / RUN_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise RunRecordError(f"{path}: cannot read ({error}); delete it and rerun `synthscape render`") from None
    return record_from_dict(data, str(path))


def require_run_record(out_dir: str | os.PathLike[str]) -> RunRecord:
    """Like :func:`read_run_record` but a missing file is an error naming the fix."""
    record = read_run_record(out_dir)
    if record is None:
        raise RunRecordError(f"{Path(out_dir) / RUN_FILE} not found: {out_dir} was not written by "
                             "`synthscape render` (or the run never started); render into it first")
    return record


def write_run_record(out_dir: str | os.PathLike[str], record: RunRecord) -> Path:
    """Write ``run.json``, refusing when an existing record describes another dataset.

    A larger frame count with everything else equal extends the dataset: frames are
    independent, so the existing ones stay valid. A folder where no frame ever finished
    (no ``.done`` marker at all: a failed first attempt) accepts a new plan: its record is replaced and the failed
    attempt's leftovers removed, unless another live run writes into it. The check and
    the write happen under the folder's setup lock, so two runs starting together
    cannot both pass the check.

    Raises:
        RunRecordError: the folder holds a run with another recipe, seed, resolution or
            samples, or with more frames than asked for now, and finished frames of it
            (or a live run) are there.
    """
    from synthscape.dataset.lock import setup_lock

    with setup_lock(out_dir):
        try:
            existing = read_run_record(out_dir)
        except RunRecordError:
            if _plan_holders(out_dir) is not None:
                raise
            existing = None
            _replace_plan(out_dir, "unreadable")
        changed = _changed_parameters(existing, record) if existing is not None else ""
        if changed:
            holders = _plan_holders(out_dir)
            if holders is not None:
                raise RunRecordError(f"{Path(out_dir) / RUN_FILE}: this folder holds a dataset rendered with other "
                                     f"parameters ({changed}){holders}; use a new --out folder, or the original "
                                     "options")
            _replace_plan(out_dir, changed)
        text = json.dumps(record.to_dict(), sort_keys=True, indent=2) + "\n"
        return write_text_atomic(Path(out_dir) / RUN_FILE, text)


def _changed_parameters(existing: RunRecord, record: RunRecord) -> str:
    """What differs between two records (empty when ``record`` may continue ``existing``)."""
    old, new = existing.to_dict(), record.to_dict()
    changed = [key for key in _DEFINING if old.get(key) != new.get(key)]
    if changed == ["frames"] and new["frames"] > old["frames"]:
        return ""
    detail = ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in changed if k != "recipe_sha256")
    if "recipe_sha256" in changed:
        detail = ", ".join(filter(None, ["the recipe changed", detail]))
    return detail


def _plan_holders(out_dir: str | os.PathLike[str]) -> str | None:
    """None when the folder's plan may be replaced (no finished frame, no other live run), else why not."""
    from synthscape.dataset.lock import live_holders
    from synthscape.writers.layout import complete_frames, done_marker

    holders = live_holders(out_dir)
    if holders:
        return " and a live run writes into it: " + "; ".join(h.describe() for h in holders[:4])
    # Any non-empty marker, even of a since-damaged or older-format frame, means a frame finished
    # once (markers are renamed into place whole): those files are the user's data, never removed.
    if any(done_marker(out_dir, i).stat().st_size > 0 for i in complete_frames(out_dir)):
        return ""
    return None


def _replace_plan(out_dir: str | os.PathLike[str], why: str) -> None:
    from synthscape.dataset.resume import clean_failed_attempt

    removed = clean_failed_attempt(out_dir)
    log.warning("%s: no frame of the previous attempt finished (%s); starting over with the new parameters "
                "(%d leftover files removed)", Path(out_dir) / RUN_FILE, why, len(removed))
