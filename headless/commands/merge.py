"""``synthscape merge``: assemble a dataset's fragments (COCO, KITTI ImageSets, dataset.json)."""

from __future__ import annotations

from pathlib import Path

import click

from headless.errors import friendly_errors


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--allow-partial", is_flag=True,
              help="Merge the done frames even when some are missing or unfinished.")
@friendly_errors
def merge(dataset: Path, allow_partial: bool) -> None:
    """Merge DATASET's per-frame fragments into coco/annotations.json, KITTI ImageSets and dataset.json.

    Run it once every shard of a sharded render is done (a single-machine render merges by itself).
    """
    from synthscape.dataset.merge import merge_dataset

    result = merge_dataset(dataset, allow_partial=allow_partial)
    status = result.status
    counts = ", ".join(f"{name} {count}" for name, count in result.category_counts.items())
    click.echo(f"merged {result.frames_merged}/{status.frames} frames of {dataset}"
               + ("" if status.complete else f" (partial: {len(status.missing)} missing, "
                                             f"{len(status.failed)} unfinished)"))
    click.echo(f"instances   {counts}")
    for path in result.written:
        click.echo(f"wrote       {path}")
