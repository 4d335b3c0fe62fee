"""From a texture pool to scene-spec fields and dataset provenance."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthscape.spec.scene_spec import TextureMapping, TextureSource
from synthscape.textures.pool import TextureEntry
from synthscape.textures.recipe import TextureMappingRecipe


def sample_texture(pool: list[TextureEntry], rng: np.random.Generator) -> TextureEntry:
    """One entry of ``pool``, drawn with the caller's frame generator (one ``integers`` draw)."""
    if not pool:
        raise ValueError("cannot sample from an empty texture pool")
    return pool[int(rng.integers(len(pool)))]


def texture_source(entry: TextureEntry) -> TextureSource:
    """The :class:`TextureSource` of an entry (provider, model, prompt, AI-generated)."""
    prov = entry.provenance
    return TextureSource(provider=str(prov.get("provider")), model=prov.get("model"),
                         prompt=prov.get("prompt") or None,
                         ai_generated=bool(prov.get("ai_generated")))


def texture_mapping(mapping: TextureMappingRecipe) -> TextureMapping:
    """Spec mapping from the recipe's constants (rotation degrees -> radians)."""
    return TextureMapping(projection=mapping.projection, scale=float(mapping.scale),
                          rotation=math.radians(mapping.rotation),
                          offset=(float(mapping.offset[0]), float(mapping.offset[1])))


def material_texture_fields(entry: TextureEntry, mapping: TextureMappingRecipe) -> dict[str, Any]:
    """Keyword arguments for :class:`~synthscape.spec.scene_spec.MaterialSpec`.

    Example::

        MaterialSpec(base_color=..., **material_texture_fields(entry, recipe.mapping))
    """
    return {"texture_path": str(entry.path), "texture_mapping": texture_mapping(mapping),
            "texture_source": texture_source(entry)}


def provenance_entries(pools: dict[str, list[TextureEntry]]) -> list[dict[str, Any]]:
    """``dataset.json`` records: one per texture, with provider, model, prompt, AI flag.

    File paths are given by name only (the cache may live anywhere). Sorted by pool key and
    variant, so the list is stable.
    """
    records = []
    for key in sorted(pools):
        for entry in pools[key]:
            prov = entry.provenance
            records.append({"pool": key, "file": entry.path.name,
                            "provider": prov.get("provider"), "model": prov.get("model"),
                            "prompt": prov.get("prompt"),
                            "ai_generated": bool(prov.get("ai_generated")),
                            "variant": prov.get("variant"),
                            "tile_method": prov.get("tile_method_applied"),
                            "fallback_reason": prov.get("fallback_reason")})
    return records
