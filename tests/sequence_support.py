"""Shared helpers of the sequence tests: recipes from scenes/minimal.yaml with a ``sequence:`` section."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from synthscape.pipeline import plan_run
from synthscape.plan import RenderJob, RunPlan
from tests.batch_support import MINIMAL


def sequence_recipe(tmp_path: Path, sequence: dict[str, Any] | None, frames: int = 6,
                    edit: Callable[[dict[str, Any]], None] | None = None, name: str = "r.yaml") -> Path:
    """minimal.yaml with ``sequence`` (None: a still recipe) and ``frames``, written to ``tmp_path``."""
    data = yaml.safe_load(Path(MINIMAL).read_text())
    data["frames"] = frames
    if sequence is not None:
        data["sequence"] = sequence
    if edit is not None:
        edit(data)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def sequence_plan(tmp_path: Path, sequence: dict[str, Any] | None, frames: int = 6,
                  edit: Callable[[dict[str, Any]], None] | None = None, **job: Any) -> RunPlan:
    """The run plan of :func:`sequence_recipe` (``job``: RenderJob overrides)."""
    path = sequence_recipe(tmp_path, sequence, frames, edit)
    return plan_run(RenderJob(str(path), tmp_path / "out", **job))


def camera_centre(world_to_camera: Any) -> np.ndarray:
    """World position of a camera's centre."""
    m = np.asarray(world_to_camera, dtype=np.float64)
    return -m[:3, :3].T @ m[:3, 3]


def move_objects(velocity: list[Any], angular: list[Any] | None = None, path: list[dict] | None = None,
                 groups: tuple[int, ...] = (0,)) -> Callable[[dict[str, Any]], None]:
    """An ``edit`` giving groups ``groups`` of minimal.yaml a ``motion:``."""
    def edit(data: dict[str, Any]) -> None:
        for index in groups:
            motion: dict[str, Any] = {"linear_velocity": velocity}
            if angular is not None:
                motion["angular_velocity"] = angular
            if path is not None:
                motion["path"] = path
            data["objects"][index]["motion"] = motion
    return edit
