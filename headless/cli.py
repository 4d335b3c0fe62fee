"""The ``synthscape`` command line (click). Thin: every command calls library functions.

Exit codes: 0 success, 2 bad input (recipe, paths, options), 1 internal error, 130/143 a render
stopped early by Ctrl-C/SIGTERM (rerun to resume), 141 stdout closed by its reader (``| head``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from headless.errors import flush_stdout, friendly_errors
from headless.progress import FrameProgress


def parse_resolution(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    """Parse ``WxH``."""
    if value is None:
        return None
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: use WIDTHxHEIGHT, e.g. 640x480") from None
    if not (1 <= width <= 16384 and 1 <= height <= 16384):
        raise click.BadParameter(f"{value!r}: width and height must be in 1..16384")
    return (width, height)


def parse_outputs(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    """Parse ``rgb,coco,yolo`` (names are checked against the writer registry by the run plan)."""
    if value is None:
        return None
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    if not names:
        raise click.BadParameter(f"{value!r}: give one or more output names separated by commas")
    return names


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", "-v", is_flag=True, help="Log debug messages and show tracebacks.")
@click.version_option(package_name="synthscape")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Turn a YAML scene recipe into a labeled synthetic dataset."""
    ctx.call_on_close(flush_stdout)  # a reader that went away (| head) exits 141, not a traceback
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@main.command()
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Dataset folder (created; existing complete frames are kept).")
@click.option("--frames", type=click.IntRange(min=1), help="Number of frames (default: the recipe's).")
@click.option("--seed", type=click.IntRange(min=0), help="Dataset seed (default: the recipe's).")
@click.option("--device", type=click.Choice(["auto", "cpu", "gpu"]), help="Cycles device (default: recipe).")
@click.option("--resolution", callback=parse_resolution, help="WIDTHxHEIGHT, overrides the recipe.")
@click.option("--samples", type=click.IntRange(min=1), help="Cycles samples, overrides the recipe.")
@click.option("--outputs", callback=parse_outputs,
              help="Comma-separated output formats, overrides the recipe's outputs: (e.g. rgb,coco,yolo).")
@click.option("--shard-index", type=click.IntRange(min=0),
              help="Render only frames i with i mod --num-shards == this (default: from a Kubernetes "
                   "Indexed Job, Slurm array or AWS Batch array environment). Sharded runs do not merge.")
@click.option("--num-shards", type=click.IntRange(min=1),
              help="Number of shards (with --shard-index or JOB_COMPLETION_INDEX); with --engine ray, "
                   "the number of tasks.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Worker processes on this machine, each with its own Blender (default 1).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: this machine; ray: one Ray task per shard on a Ray cluster.")
@click.option("--address", help="Ray cluster address for --engine ray (default: start a local Ray).")
@click.option("--texture-cache", type=click.Path(file_okay=False),
              help="Folder of generated textures (default: the user cache folder, synthscape/textures).")
@click.option("--offline", is_flag=True, help="Use cached textures only; list the missing ones.")
@click.option("--max-texture-calls", type=click.IntRange(min=0),
              help="Most texture API calls this run may make; beyond it, procedural fallback.")
@click.option("--dry-run", is_flag=True,
              help="Print how many texture API calls and image tokens the run would spend, then stop.")
@friendly_errors
def render(recipe: Path, out_dir: Path, frames: int | None, seed: int | None, device: str | None,
           resolution: tuple[int, int] | None, samples: int | None, outputs: tuple[str, ...] | None,
           shard_index: int | None,
           num_shards: int | None, workers: int | None, engine: str, address: str | None,
           texture_cache: str | None, offline: bool, max_texture_calls: int | None, dry_run: bool) -> None:
    """Render RECIPE into a dataset under --out."""
    from headless.render_command import print_texture_plan, run_render

    if dry_run:
        print_texture_plan(recipe, texture_cache)
        return
    from synthscape.plan import RenderJob

    job = RenderJob(recipe_path=str(recipe), out_dir=out_dir, frames=frames, seed=seed, resolution=resolution,
                    samples=samples, device=device, outputs=outputs, texture_cache=texture_cache,
                    offline=offline, max_texture_calls=max_texture_calls)
    run_render(job, progress_factory=FrameProgress, shard_index=shard_index, num_shards=num_shards,
               workers=workers, engine=engine, address=address)


@main.command()
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=Path))
@friendly_errors
def validate(recipe: Path) -> None:
    """Check RECIPE against the schema without rendering."""
    from synthscape.pipeline import plan_run
    from synthscape.plan import RenderJob
    from synthscape.spec.sample import sample_frame

    plan = plan_run(RenderJob(recipe_path=str(recipe), out_dir=Path(".")))
    spec = sample_frame(plan, 0)
    names = ", ".join(f"{c.id}:{c.name}" for c in plan.categories)
    cameras = f"; cameras {', '.join(plan.cameras)}" if len(plan.cameras) > 1 else ""
    click.echo(f"{recipe}: ok — {len(plan.recipe.objects)} object group(s), categories {names}; "
               f"outputs {', '.join(plan.outputs) or 'default'}{cameras}; frame 0 has {len(spec.objects)} object(s)")


def register_commands() -> None:
    """Add the commands that live in their own modules under ``headless/commands``."""
    from headless.commands.augment import augment
    from headless.commands.build_extension import build_extension
    from headless.commands.merge import merge
    from headless.commands.preview import preview
    from headless.commands.status import status

    for command in (augment, merge, status, build_extension, preview):
        main.add_command(command)


register_commands()

if __name__ == "__main__":
    main()
