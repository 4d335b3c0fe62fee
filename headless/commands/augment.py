"""``synthscape augment``: write randomized, label-safe copies of a rendered dataset."""

from __future__ import annotations

import json
from pathlib import Path

import click

from headless.errors import friendly_errors
from synthscape.augment.dataset import AugmentError, augment_dataset
from synthscape.augment.pipeline import AugmentRecipe, Compose, load_augment, parse_augment
from synthscape.errors import SynthscapeError

DEFAULT_OPS = [
    {"op": "brightness_contrast", "p": 0.8},
    {"op": "hue_saturation", "p": 0.5},
    {"op": "gaussian_noise", "p": 0.3},
    {"op": "hflip", "p": 0.5},
]
"""Used without --config: photometric ops plus a flip (all KITTI-safe)."""


def _default_recipe(dataset: Path) -> AugmentRecipe:
    """The ``augment:`` section of the dataset's resolved recipe, else :data:`DEFAULT_OPS`."""
    info = dataset / "dataset.json"
    try:
        data = json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}
    except (OSError, ValueError) as error:
        raise AugmentError(f"{info}: cannot read ({type(error).__name__}); re-render the source "
                           "dataset, or pass the ops with --config") from None
    section = (data.get("recipe") or {}).get("augment") if isinstance(data, dict) else None
    if section:
        return parse_augment(section, f"{info} (recipe.augment)")
    return AugmentRecipe.model_validate({"ops": DEFAULT_OPS})


@click.command("augment")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option("--copies", "-k", type=click.IntRange(min=1), default=1, show_default=True,
              help="Augmented copies per frame.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="New, empty output folder (never the source).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Augmentation seed (>= 0).")
@click.option("--config", type=click.Path(path_type=Path), default=None,
              help="YAML with the augment section (or a recipe with an 'augment:' key).")
@click.option("--no-kitti", is_flag=True, help="Do not write kitti/ even if the source has it.")
@friendly_errors
def augment(dataset: Path, copies: int, out: Path, seed: int, config: Path | None,
            no_kitti: bool) -> None:
    """Write --copies randomized copies of every frame of DATASET into --out.

    Ops come from --config, else the ``augment:`` section of the recipe recorded in
    DATASET/dataset.json, else a KITTI-safe default (photometric ops and a flip). Rerunning
    the same command after an interruption resumes: finished copies are kept.
    """
    if not dataset.is_dir():
        raise SynthscapeError(f"{dataset}: dataset folder not found")
    if config is not None and not config.is_file():
        raise SynthscapeError(f"{config}: --config file not found")
    recipe = load_augment(config) if config is not None else _default_recipe(dataset)
    summary = augment_dataset(dataset, out, copies, seed, Compose(recipe),
                              kitti=False if no_kitti else None)
    click.echo(json.dumps(summary, indent=2))
