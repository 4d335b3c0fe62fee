"""``synthscape status``: frames done / missing / failed of a dataset, per shard."""

from __future__ import annotations

from pathlib import Path

import click

from headless.errors import friendly_errors


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--num-shards", type=click.IntRange(min=1),
              help="Group the counts by shard (default: the last run's, from run.json).")
@click.option("--frames", type=click.IntRange(min=1), help="Expected frame count (default: from run.json).")
@friendly_errors
def status(dataset: Path, num_shards: int | None, frames: int | None) -> None:
    """Show which frames of DATASET are done, missing or failed (files but no completion marker).

    Exits 0 when every frame is done, 3 otherwise (handy in scripts).
    """
    from synthscape.batch.run_record import read_run_record, require_run_record
    from synthscape.batch.status import dataset_status, format_ranges

    record = read_run_record(dataset) if frames is not None else require_run_record(dataset)
    shards = num_shards or (record.num_shards if record else 1)
    state = dataset_status(dataset, frames or record.frames, shards)
    click.echo(f"{dataset}: {len(state.done)}/{state.frames} done, {len(state.missing)} missing, "
               f"{len(state.failed)} failed")
    if state.failed:
        click.echo(f"failed      {format_ranges(state.failed)} (redone by the next render)")
    if state.missing:
        click.echo(f"missing     {format_ranges(state.missing)}")
    if shards > 1:
        for shard in state.shards:
            click.echo(f"shard {shard.index:>4}  {shard.done}/{shard.total} done, {shard.missing} missing, "
                       f"{shard.failed} failed")
    merged = (dataset / "coco" / "annotations.json").is_file()
    click.echo(f"merged      {'yes' if merged else 'no'}")
    raise SystemExit(0 if state.complete else 3)
