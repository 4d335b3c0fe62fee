"""Label-safe 2D augmentation of rendered datasets (no bpy)."""

from synthscape.augment.base import KittiFrame, Sample
from synthscape.augment.ops_geometric import KittiRefused
from synthscape.augment.pipeline import AugmentRecipe, Compose, load_augment, parse_augment

__all__ = ["AugmentRecipe", "Compose", "KittiFrame", "KittiRefused", "Sample",
           "load_augment", "parse_augment"]
