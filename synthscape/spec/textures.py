"""From a chosen texture-pool entry to scene-spec material fields."""

from __future__ import annotations

import math
from typing import Any

from synthscape.spec.scene_spec import TextureMapping, TextureSource
from synthscape.textures.pool import TextureEntry
from synthscape.textures.recipe import TextureMappingRecipe


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
