"""``synthscape preview``: a contact sheet of a rendered or augmented dataset."""

from __future__ import annotations

from pathlib import Path

import click

from headless.errors import friendly_errors


def _frame_names(value: str | None) -> list[str] | None:
    """``--frames 0,3,000002_k1`` -> file stems (``000000``, ``000003``, ``000002_k1``)."""
    if value is None:
        return None
    names = []
    for item in (part.strip() for part in value.split(",")):
        if item.isdigit():
            names.append(f"{int(item):06d}")
        elif item:
            names.append(item)
    if not names:
        raise click.BadParameter("give frame indices or names, e.g. 0,3 or 000002_k1",
                                 param_hint="--frames")
    return names


@click.command("preview")
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_png", type=click.Path(dir_okay=False, path_type=Path),
              help="Contact sheet PNG (default: DATASET/preview.png).")
@click.option("--max-frames", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--frames", "frames", default=None, metavar="LIST",
              help="Frames to show, comma-separated: indices (0,3) or file names of augmented "
                   "copies (000002_k1). Default: the first finished frames.")
@friendly_errors
def preview(dataset: Path, out_png: Path | None, max_frames: int, frames: str | None) -> None:
    """Write a contact sheet of DATASET: RGB with boxes and masks, depth, instances."""
    from synthscape.preview import write_contact_sheet

    target = out_png or dataset / "preview.png"
    write_contact_sheet(dataset, target, frames=_frame_names(frames), max_frames=max_frames)
    click.echo(f"wrote {target}")
