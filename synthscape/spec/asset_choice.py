"""Which file of a group's mesh library an object is, and its normalized bounds.

One entry per object by weight from the object's own ``("assets", instance_id)`` stream (a
one-file group draws nothing); a normalization ``size`` distribution draws from the same
stream after the pick. Bounds come from the per-asset cache, never from reading the mesh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synthscape.assets.library import LibraryEntry, entry_info, pick_entry
from synthscape.assets.normalize import normalization_transform
from synthscape.recipe.assets import group_entries, normalization_of
from synthscape.recipe.schema import ObjectGroupRecipe
from synthscape.spec.draft import FrameDraft
from synthscape.spec.scene_spec import IDENTITY4, Matrix, Vec3


@dataclass(frozen=True)
class AssetChoice:
    """One object's asset: the file, its bounds after normalization, and where it came from."""

    entry: LibraryEntry
    bbox_min: Vec3
    bbox_max: Vec3
    mesh_transform: Matrix
    asset_hash: str
    category: str | None
    """The asset's folder name with ``category_from: folder``, else None (the group's category)."""


def choose_asset(draft: FrameDraft, group: ObjectGroupRecipe, instance_id: int) -> AssetChoice | None:
    """The asset of one object of a mesh-file group (None for a primitive group)."""
    entries = group_entries(group)
    if entries is None:
        return None
    rng = draft.rng("assets", instance_id)
    entry = pick_entry(entries, rng)
    info = entry_info(entry)
    bbox_min, bbox_max, transform = info.bbox_min, info.bbox_max, IDENTITY4
    normalize = getattr(group, "normalize", None)
    if normalize is not None:
        size = float(normalize.size.sample(rng)) if normalize.size is not None else None
        transform, bbox_min, bbox_max = normalization_transform(
            info.bbox_min, info.bbox_max, Path(entry.path).suffix, normalization_of(normalize, size))
    category = entry.folder_name if getattr(group, "category_from", "group") == "folder" else None
    return AssetChoice(entry=entry, bbox_min=bbox_min, bbox_max=bbox_max, mesh_transform=transform,
                       asset_hash=info.sha256, category=category)
