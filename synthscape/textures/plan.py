"""``--dry-run`` planning: how many API calls a run would make and the image tokens it would buy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthscape.textures.cache import TextureCache, cache_key
from synthscape.textures.providers import TextureRequest
from synthscape.textures.recipe import TextureRecipe
from synthscape.textures.redact import redact_data

# Image output tokens per generated image, by quality and size, from the OpenAI image
# generation guide ("Cost and latency" table; /work/shared/reference/003_*.txt,
# https://platform.openai.com/docs/guides/image-generation). The guide publishes one table
# for the GPT Image models (gpt-image-1.5, gpt-image-1, gpt-image-1-mini); they differ in
# price per token, not in token counts.
_GPT_IMAGE_TOKENS: dict[str, dict[str, int]] = {
    "low": {"1024x1024": 272, "1024x1536": 408, "1536x1024": 400},
    "medium": {"1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568},
    "high": {"1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208},
}
OUTPUT_TOKENS: dict[str, dict[str, dict[str, int]]] = {
    "gpt-image-1.5": _GPT_IMAGE_TOKENS,
    "gpt-image-1": _GPT_IMAGE_TOKENS,
    "gpt-image-1-mini": _GPT_IMAGE_TOKENS,
}


def output_tokens(model: str, quality: str, size: str) -> int:
    """Image output tokens of one image; ``auto`` quality/size count as the most expensive
    choice, so the estimate is an upper bound."""
    table = OUTPUT_TOKENS.get(model, _GPT_IMAGE_TOKENS)
    rows = table.values() if quality == "auto" else [table[quality]]
    return max(row[s] for row in rows for s in (row if size == "auto" else [size]))


@dataclass(frozen=True)
class TexturePlan:
    """What a run would spend on texture APIs."""

    calls: int
    """API calls still needed (cached textures cost nothing)."""
    output_tokens: int
    """Estimated image output tokens of those calls (upper bound for ``auto``)."""
    cached: int
    """Pool textures already in the cache."""
    pools: list[dict[str, Any]] = field(default_factory=list)
    """Per pool: prompt, model, quality, size, pool, cached, calls, output_tokens."""

    def summary(self) -> str:
        """One line for the CLI."""
        return (f"texture API: {self.calls} call(s), ~{self.output_tokens} image output tokens "
                f"({self.cached} texture(s) already cached)")


def unique_recipes(recipes: list[TextureRecipe]) -> list[TextureRecipe]:
    """Recipes with duplicates (same texture settings, any mapping) removed, order kept."""
    seen: dict[str, TextureRecipe] = {}
    for recipe in recipes:
        seen.setdefault(pool_key(recipe), recipe)
    return list(seen.values())


def pool_key(recipe: TextureRecipe) -> str:
    """Stable id of a texture pool: the texture settings without mapping and fallback (and
    without credentials in ``base_url``: the id is recorded in ``dataset.json``)."""
    return cache_key(redact_data(recipe.model_dump(mode="json", exclude={"mapping", "fallback"})))[:16]


def plan_texture_calls(recipes: list[TextureRecipe], cache_dir: str | Path | None) -> TexturePlan:
    """Count the API calls and image output tokens a run would need, touching nothing.

    A texture costs one ``images.generate`` call, plus one ``images.edit`` call with
    ``tile_method: edit``. Cached textures cost nothing.
    """
    cache = TextureCache(cache_dir)
    calls = tokens = cached = 0
    pools = []
    for recipe in unique_recipes(recipes):
        if not recipe.is_api:
            continue
        request = TextureRequest.from_recipe(recipe)
        hits = sum(cache.get(cache_key(request.key_fields(v))) is not None
                   for v in range(recipe.pool))
        per_texture = 2 if request.tile_method == "edit" else 1
        pool_calls = (recipe.pool - hits) * per_texture
        pool_tokens = pool_calls * output_tokens(recipe.model, recipe.quality, recipe.size)
        calls, tokens, cached = calls + pool_calls, tokens + pool_tokens, cached + hits
        pools.append({"pool": pool_key(recipe), "prompt": recipe.prompt, "model": recipe.model,
                      "quality": recipe.quality, "size": recipe.size, "textures": recipe.pool,
                      "cached": hits, "calls": pool_calls, "output_tokens": pool_tokens})
    return TexturePlan(calls, tokens, cached, pools)
