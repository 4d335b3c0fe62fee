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
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthscape.errors import SynthscapeError
from synthscape.io.atomic import write_text_atomic
from synthscape.spec.scene_spec import CategorySpec

RUN_FILE = "run.json"
RUN_SCHEMA_VERSION = 1
_DEFINING = ("recipe_sha256", "frames", "seed", "resolution", "samples")


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
        resolution: ``[width, height]`` override, or None (the recipe's).
        samples: Cycles samples override, or None (the recipe's).
        categories: the resolved categories (id, name, kitti_type).
        num_shards: how the last run split the frames (informational; 1 = one process).
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
            "num_shards": self.num_shards,
        }


def record_for_job(recipe_path: str, frames: int | None, seed: int | None,
                   resolution: Sequence[int] | None, samples: int | None, num_shards: int = 1) -> RunRecord:
    """Load the recipe and resolve the run parameters of a render job.

    Raises:
        RecipeError: the recipe is invalid.
    """
    from synthscape.recipe.load import load_recipe, recipe_to_dict, resolve_categories

    recipe = load_recipe(recipe_path)
    return RunRecord(recipe_path=str(recipe_path), recipe=recipe_to_dict(recipe), name=recipe.name,
                     frames=int(frames if frames is not None else recipe.frames),
                     seed=int(seed if seed is not None else recipe.seed),
                     resolution=tuple(int(v) for v in resolution) if resolution else None,
                     samples=samples, categories=resolve_categories(recipe), num_shards=num_shards)


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
    independent, so the existing ones stay valid.

    Raises:
        RunRecordError: the folder holds a run with another recipe, seed, resolution or
            samples, or with more frames than asked for now.
    """
    existing = read_run_record(out_dir)
    if existing is not None:
        old, new = existing.to_dict(), record.to_dict()
        changed = [key for key in _DEFINING if old[key] != new[key]]
        if changed == ["frames"] and new["frames"] > old["frames"]:
            changed = []
        if changed:
            detail = ", ".join(f"{k}: {old[k]!r} -> {new[k]!r}" for k in changed if k != "recipe_sha256")
            if "recipe_sha256" in changed:
                detail = ", ".join(filter(None, ["the recipe changed", detail]))
            raise RunRecordError(f"{Path(out_dir) / RUN_FILE}: this folder holds a dataset rendered with other "
                                 f"parameters ({detail}); use a new --out folder, or the original options")
    text = json.dumps(record.to_dict(), sort_keys=True, indent=2) + "\n"
    return write_text_atomic(Path(out_dir) / RUN_FILE, text)
