"""``synthscape status``: frames done / missing / failed of a dataset, per shard, and whether it is merged."""

from __future__ import annotations

from pathlib import Path

import click

from headless.errors import friendly_errors

EXIT_COMPLETE = 0
EXIT_INCOMPLETE = 3
EXIT_NOT_MERGED = 4
MAX_DAMAGED_SHOWN = 8


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--num-shards", type=click.IntRange(min=1),
              help="Group the counts by shard (default: the last run's, from run.json).")
@click.option("--frames", type=click.IntRange(min=1), help="Expected frame count (default: from run.json).")
@click.option("--verify", is_flag=True,
              help="Also compare every file's SHA-256 with its frame's .done marker (reads the whole dataset); "
                   "without it only sizes are compared.")
@friendly_errors
def status(dataset: Path, num_shards: int | None, frames: int | None, verify: bool) -> None:
    """Show which frames of DATASET are done, missing or failed (files but no valid completion marker,
    or files that no longer match it), and whether the merge covers exactly the done frames.

    Exits 0 when every frame is done and merged, 3 while frames are missing or failed, 4 when
    every frame is done but the dataset is not merged, or was merged before some frames were done
    (run `synthscape merge DATASET`).
    """
    from synthscape.dataset.run_record import read_run_record, require_run_record
    from synthscape.dataset.status import dataset_status, format_ranges, merge_state
    from synthscape.writers.layout import DONE_DIR, frame_name, frame_problem

    record = read_run_record(dataset) if frames is not None else require_run_record(dataset)
    shards = num_shards or (record.num_shards if record else 1)
    state = dataset_status(dataset, frames or record.frames, shards, verify=verify)
    click.echo(f"{dataset}: {len(state.done)}/{state.frames} done, {len(state.missing)} missing, "
               f"{len(state.failed)} failed")
    if state.failed:
        click.echo(f"failed      {format_ranges(state.failed)} (redone by the next render)")
    for index, problem in list(state.damaged.items())[:MAX_DAMAGED_SHOWN]:
        same_size = verify and frame_problem(dataset, index) is None  # a rerun compares sizes only
        click.echo(f"damaged     {index}: {problem}"
                   + (f"; delete {DONE_DIR}/{frame_name(index)} so the next render redoes it" if same_size else ""))
    if len(state.damaged) > MAX_DAMAGED_SHOWN:
        click.echo(f"damaged     ... {len(state.damaged) - MAX_DAMAGED_SHOWN} more")
    if state.missing:
        click.echo(f"missing     {format_ranges(state.missing)}")
    if shards > 1:
        for shard in state.shards:
            click.echo(f"shard {shard.index:>4}  {shard.done}/{shard.total} done, {shard.missing} missing, "
                       f"{shard.failed} failed")
    merged = merge_state(state)
    hint = {"yes": "", "no": f" (run `synthscape merge {dataset}`)",
            "stale": f" (stale: the last merge covered other frames than the {len(state.done)} done now; "
                     f"run `synthscape merge {dataset}`)"}[merged]
    click.echo(f"merged      {'yes' if merged == 'yes' else 'no'}{hint}")
    if not state.complete:
        raise SystemExit(EXIT_INCOMPLETE)
    raise SystemExit(EXIT_COMPLETE if merged == "yes" else EXIT_NOT_MERGED)
