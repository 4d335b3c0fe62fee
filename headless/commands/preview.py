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
@click.option("--out", "out_png", type=click.Path(path_type=Path),
              help="Contact sheet PNG (default: DATASET/preview.png); with --video the videos' folder "
                   "(default: DATASET/preview/).")
@click.option("--max-frames", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--frames", "frames", default=None, metavar="LIST",
              help="Frames to show, comma-separated: indices (0,3) or file names of augmented "
                   "copies (000002_k1). Default: the first finished frames.")
@click.option("--video", is_flag=True,
              help="Write one MP4 per sequence instead (RGB with boxes and track ids, flow colour wheel when "
                   "flow_fw/ exists, instances) into --out (default: DATASET/preview/).")
@click.option("--gif", is_flag=True, help="Write GIF videos instead of MP4s (implies --video).")
@click.option("--sequences", default=None, metavar="LIST",
              help="Videos of only these sequences, comma-separated (implies --video; default: every one).")
@friendly_errors
def preview(dataset: Path, out_png: Path | None, max_frames: int, frames: str | None, video: bool, gif: bool,
            sequences: str | None) -> None:
    """Write a contact sheet of DATASET: RGB with boxes and masks, depth, instances (or, with --video,
    one video per sequence)."""
    if video or gif or sequences is not None:
        if frames is not None:
            raise click.BadParameter("picks the contact sheet's frames; videos show whole sequences: "
                                     "choose them with --sequences", param_hint="--frames")
        _videos(dataset, out_png, gif, sequences)
        return
    from synthscape.preview import write_contact_sheet

    target = out_png or dataset / "preview.png"
    if target.is_dir():
        raise click.BadParameter(f"{target} is a folder; give the contact sheet's PNG file name", param_hint="--out")
    write_contact_sheet(dataset, target, frames=_frame_names(frames), max_frames=max_frames)
    click.echo(f"wrote {target}")


def _videos(dataset: Path, out_dir: Path | None, gif: bool, sequences: str | None) -> None:
    """``preview --video``: one MP4 (or GIF) per sequence."""
    from synthscape.preview_video import write_sequence_videos

    chosen = None
    if sequences is not None:
        parts = [part.strip() for part in sequences.split(",") if part.strip()]
        if not parts or not all(part.isdigit() for part in parts):
            raise click.BadParameter("give sequence numbers, e.g. 0,3", param_hint="--sequences")
        chosen = [int(part) for part in parts]
    for path in write_sequence_videos(dataset, out_dir, gif=gif, sequences=chosen):
        click.echo(f"wrote {path}")
