"""``synthscape build-extension``: build the Blender extension zip with its bundled wheels."""

from __future__ import annotations

from pathlib import Path

import click

from headless.errors import friendly_errors
from synthscape.extension.wheels import PLATFORM_TAGS


@click.command("build-extension")
@click.option("--out", "out_dir", default="dist", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for synthscape-<version>.zip.")
@click.option("--platform", "platforms", multiple=True, type=click.Choice(sorted(PLATFORM_TAGS)),
              help="Bundle wheels for this Blender platform (repeatable; default linux-x64).")
@click.option("--wheel-cache", type=click.Path(file_okay=False, path_type=Path),
              help="Keep downloaded wheels here between builds (default: the user cache folder).")
@friendly_errors
def build_extension(out_dir: Path, platforms: tuple[str, ...], wheel_cache: Path | None) -> None:
    """Build dist/synthscape-<version>.zip; install it in Blender with Install from Disk."""
    from synthscape.extension.build import build_extension as build

    try:
        target = build(out_dir, platforms=platforms or ("linux-x64",), wheel_cache=wheel_cache)
    except (FileNotFoundError, RuntimeError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    size = target.stat().st_size / 1e6
    click.echo(f"wrote {target} ({size:.1f} MB)\n"
               "install: Blender > Edit > Preferences > Get Extensions > Install from Disk")
