"""Textures for materials: providers (openai, procedural, folder), cache, budget, tiling.

The public API; see :func:`resolve_texture_pools` for the run-level entry point.
"""

from synthscape.textures.apply import provenance_entries, sample_texture
from synthscape.textures.cache import TextureCache, cache_key, default_cache_dir
from synthscape.textures.errors import ProviderError, TextureError
from synthscape.textures.plan import TexturePlan, output_tokens, plan_texture_calls, pool_key
from synthscape.textures.pool import TextureEntry, missing_textures, resolve_texture_pools
from synthscape.textures.providers import (
    FolderProvider, GeneratedTexture, ProceduralProvider, TextureProvider, TextureRequest)
from synthscape.textures.recipe import TextureMappingRecipe, TextureRecipe
from synthscape.textures.tiling import (
    SEAM_THRESHOLD, make_tileable_blend, seam_mask, seam_score)

__all__ = [
    "FolderProvider", "GeneratedTexture", "ProceduralProvider", "ProviderError",
    "SEAM_THRESHOLD", "TextureCache", "TextureEntry", "TextureError", "TextureMappingRecipe",
    "TexturePlan", "TextureProvider", "TextureRecipe", "TextureRequest", "cache_key",
    "default_cache_dir", "make_tileable_blend", "missing_textures",
    "output_tokens", "plan_texture_calls", "pool_key", "provenance_entries",
    "resolve_texture_pools", "sample_texture", "seam_mask", "seam_score",
]
