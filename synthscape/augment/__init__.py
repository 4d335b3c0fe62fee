"""Label-safe 2D augmentation of rendered datasets (no bpy)."""

from synthscape.augment.base import AugmentError, KittiFrame, KittiLabel, Sample
from synthscape.augment.ops_geometric import KittiRefused
from synthscape.augment.pipeline import AugmentRecipe, Compose, load_augment, parse_augment

__all__ = ["AugmentError", "AugmentRecipe", "Compose", "KittiFrame", "KittiLabel", "KittiRefused",
           "Sample", "load_augment", "parse_augment"]
