"""Shared helpers of the batch tests: the recipe, the fake renderer and dataset comparison."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MINIMAL = str(REPO / "scenes" / "minimal.yaml")
FAKE = "synthscape.batch.fake_renderer:FakeRenderer"
RUN_SPECIFIC = {"dataset.json", "run.json", ".lock"}
"""Files that record how a run went (timings, shard count, the setup lock) rather than the dataset."""


def tree(out_dir: Path) -> dict[str, bytes]:
    """Every file of a dataset by relative path, except the run-specific ones."""
    return {p.relative_to(out_dir).as_posix(): p.read_bytes() for p in sorted(out_dir.rglob("*"))
            if p.is_file() and p.relative_to(out_dir).as_posix() not in RUN_SPECIFIC}
