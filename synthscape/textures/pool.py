"""Texture pools: N textures per recipe, generated once (cached), sampled per object/frame.

:func:`resolve_texture_pools` runs before rendering. It fills each pool from the cache,
calls the provider for what is missing (within the ``--max-texture-calls`` budget, retries
included), and on failure logs one warning per pool and fills it with procedural textures (or
raises :class:`TextureError` when the recipe says ``fallback: none``). The batch never dies on
a texture. Every answer is decoded before it is cached; an undecodable one is a failure.
When a server times out or cannot be reached, no further call goes to it in this run
(a circuit breaker keyed by its base URL, announced once in the log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from synthscape.textures.cache import TextureCache, cache_key
from synthscape.textures.check import UnreadableImageError, check_image_bytes
from synthscape.textures.errors import ProviderError, TextureError
from synthscape.textures.local import local_entries
from synthscape.textures.plan import plan_texture_calls, pool_key, unique_recipes
from synthscape.textures.providers import (
    ProceduralProvider, TextureProvider, TextureRequest, effective_base_url)
from synthscape.textures.recipe import TextureRecipe
from synthscape.textures.redact import redact_url
from synthscape.textures.tiling import (
    SEAM_THRESHOLD, decode_image, make_tileable_blend, offset_half, png_bytes, seam_mask,
    seam_score)

LOG = logging.getLogger("synthscape.textures")
ProviderFactory = Callable[[TextureRecipe], TextureProvider]
BREAKER_REASONS = frozenset({"timeout", "connection"})
"""Failures after which a server gets no further call in this run."""


@dataclass(frozen=True)
class TextureEntry:
    """One texture of a pool."""

    path: Path
    """Absolute path of the image to render."""
    provenance: dict[str, Any]
    """provider, model, prompt, ai_generated, variant, cache_key, fallback_reason."""


@dataclass
class _Run:
    """State shared by all pools of one resolve call."""

    cache: TextureCache
    factory: ProviderFactory
    offline: bool
    dry_run: bool
    max_calls: int | None
    logger: logging.Logger
    calls: int = 0
    stopped: ProviderError | None = None
    """Set by a run-wide failure (quota, missing key, auth, budget): no more API calls."""
    providers: dict[str | None, TextureProvider] = field(default_factory=dict)
    broken: dict[str, ProviderError] = field(default_factory=dict)
    """Open circuit breakers: server (redacted base URL) -> the failure that opened it."""

    def provider(self, recipe: TextureRecipe) -> TextureProvider:
        if recipe.base_url not in self.providers:
            try:
                provider = self.factory(recipe)
            except TextureError as exc:
                raise ProviderError("missing_key", str(exc), fatal_for_run=True) from None
            if hasattr(provider, "on_retry"):
                provider.on_retry = self.spend   # retries count against --max-texture-calls
            self.providers[recipe.base_url] = provider
        return self.providers[recipe.base_url]

    def check_server(self, recipe: TextureRecipe) -> None:
        """Raise the failure that opened the breaker of ``recipe``'s server, if it is open."""
        failure = self.broken.get(_server(recipe))
        if failure is not None:
            raise ProviderError(failure.reason, f"not called: {_server(recipe)} failed earlier "
                                f"in this run ({failure})")

    def record_failure(self, recipe: TextureRecipe, error: ProviderError) -> None:
        """Note a failed call: a run-wide stop, or an open breaker for a silent server."""
        if error.fatal_for_run:
            self.stopped = error
        server = _server(recipe)
        if error.reason in BREAKER_REASONS and server not in self.broken:
            self.broken[server] = error
            self.logger.warning("texture server %s: %s; no more calls to it in this run, its "
                                "textures fall back", server, error)

    def spend(self) -> None:
        if self.max_calls is not None and self.calls >= self.max_calls:
            raise ProviderError("budget", f"--max-texture-calls {self.max_calls} reached",
                                fatal_for_run=True)
        self.calls += 1


def _server(recipe: TextureRecipe) -> str:
    """The key of a recipe's server for the circuit breaker (credentials masked)."""
    return redact_url(effective_base_url(recipe.base_url) or "default OpenAI API")


def default_provider_factory(recipe: TextureRecipe) -> TextureProvider:
    """An :class:`~synthscape.textures.openai_provider.OpenAIProvider` for ``recipe.base_url``."""
    from synthscape.textures.openai_provider import OpenAIProvider
    return OpenAIProvider(recipe.base_url)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _entry(cached_path: Path, sidecar: dict[str, Any], fallback: str | None = None) -> TextureEntry:
    prov = {k: sidecar.get(k) for k in ("provider", "model", "prompt", "ai_generated",
                                         "variant", "key", "tile_method_applied")}
    prov["cache_key"] = prov.pop("key")
    if fallback:
        prov["fallback_reason"] = fallback
    return TextureEntry(cached_path, prov)


def _base_sidecar(request: TextureRequest, variant: int, ai: bool) -> dict[str, Any]:
    return {"provider": request.provider, "model": request.model, "prompt": request.prompt,
            "ai_generated": ai, "variant": variant, "created_at": _now(),
            "parameters": request.key_fields(variant)}


def _edited_seam(run: _Run, provider: Any, recipe: TextureRecipe, request: TextureRequest,
                 image: Any) -> tuple[Any, dict[str, Any]]:
    """Repaint the seam through the edits endpoint: (the checked answer or None, sidecar facts)."""
    shifted = offset_half(image)
    try:
        run.check_server(recipe)
        run.spend()
        edited = provider.edit_seam(request, png_bytes(shifted),
                                    png_bytes(seam_mask((image.shape[1], image.shape[0]))))
        check_image_bytes(edited.data, "the images.edit answer")
    except UnreadableImageError as exc:
        return None, {"edit_error": f"the API returned an unreadable image: {exc}"}
    except ProviderError as exc:
        run.record_failure(recipe, exc)
        return None, {"edit_error": str(exc)}
    return edited, {"edit": edited.sidecar}


def _tileable(run: _Run, provider: Any, recipe: TextureRecipe, request: TextureRequest,
              data: bytes) -> tuple[bytes, str, dict[str, Any]]:
    """Make ``data`` tileable; returns (bytes, mime, sidecar facts). Edit errors fall back to blend."""
    image = decode_image(data)
    facts: dict[str, Any] = {}
    if request.tile_method == "edit" and hasattr(provider, "edit_seam"):
        edited, facts = _edited_seam(run, provider, recipe, request, image)
        if edited is not None:
            result = decode_image(edited.data)
            facts["seam_score"] = seam_score(result)
            if facts["seam_score"] <= SEAM_THRESHOLD:
                return edited.data, edited.mime, dict(facts, tile_method_applied="edit")
            image = result
            facts["tile_method_applied"] = "edit+blend"
    blended = make_tileable_blend(image)
    facts.setdefault("tile_method_applied", "blend")
    facts["seam_score"] = seam_score(blended)
    return png_bytes(blended), "image/png", facts


def _fetch(run: _Run, recipe: TextureRecipe, request: TextureRequest, variant: int,
           key: str) -> TextureEntry:
    """Generate one API texture, check and make it tileable, store it; ProviderError on failure."""
    if run.stopped is not None:
        raise run.stopped
    run.check_server(recipe)
    provider = run.provider(recipe)
    run.spend()
    generated = provider.generate(request, variant)
    try:
        check_image_bytes(generated.data, "the answer")
    except UnreadableImageError as exc:
        raise ProviderError("bad_response", f"the API returned an unreadable image: {exc}") from None
    sidecar = dict(_base_sidecar(request, variant, provider.ai_generated),
                   generation=generated.sidecar,
                   revised_prompt=generated.sidecar.get("revised_prompt"),
                   usage=generated.sidecar.get("usage"),
                   request_id=generated.sidecar.get("request_id"))
    if request.tile_method == "none":
        stored = run.cache.put(key, generated.data, generated.mime,
                               dict(sidecar, tile_method_applied="none"))
    else:
        try:
            data, mime, facts = _tileable(run, provider, recipe, request, generated.data)
        except (OSError, ValueError) as exc:
            raise ProviderError("bad_response", f"the API returned an unreadable image: {exc}") from None
        stored = run.cache.put(key, data, mime, dict(sidecar, **facts),
                               source=(generated.data, generated.mime))
    return _entry(stored.path, stored.sidecar)


def _procedural(run: _Run, request: TextureRequest, variants: list[int],
                fallback: str | None = None) -> list[TextureEntry]:
    """Procedural entries (from the cache when present) for ``variants``."""
    provider = ProceduralProvider()
    entries = []
    for variant in variants:
        key = cache_key(request.key_fields(variant))
        hit = run.cache.get(key)
        if hit is None:
            texture = provider.generate(request, variant)
            sidecar = dict(_base_sidecar(request, variant, False), generation=texture.sidecar,
                           tile_method_applied="builtin")
            hit = run.cache.put(key, texture.data, texture.mime, sidecar)
        entries.append(_entry(hit.path, hit.sidecar, fallback))
    return entries


def _fallback_request(recipe: TextureRecipe) -> TextureRequest:
    return TextureRequest.from_recipe(recipe.model_copy(update={"source": "procedural"}))


def _label(recipe: TextureRecipe) -> str:
    prompt = recipe.prompt or ""
    return f"{recipe.source} texture '{prompt[:60]}{'...' if len(prompt) > 60 else ''}'"


def _api_pool(run: _Run, recipe: TextureRecipe) -> list[TextureEntry]:
    """Cached + newly generated entries; the rest procedural after one warning."""
    request = TextureRequest.from_recipe(recipe)
    entries, missing, failure = [], [], None
    for variant in range(recipe.pool):
        key = cache_key(request.key_fields(variant))
        hit = run.cache.get(key)
        if hit is not None:
            entries.append(_entry(hit.path, hit.sidecar))
        elif run.dry_run:
            continue
        elif failure is None and not run.offline:
            try:
                entries.append(_fetch(run, recipe, request, variant, key))
                continue
            except ProviderError as exc:
                failure = exc
                run.record_failure(recipe, exc)
                missing.append(variant)
        else:
            missing.append(variant)
    if not missing:
        return entries
    if run.offline:
        keys = ", ".join(cache_key(request.key_fields(v))[:12] for v in missing)
        reason = f"offline and {len(missing)} of {recipe.pool} textures are not cached ({keys})"
    else:
        reason = str(failure)
    message = f"{_label(recipe)}: {reason}"
    if recipe.fallback == "none":
        raise TextureError(f"{message}; the recipe says fallback: none")
    run.logger.warning("%s; using procedural '%s' textures for %d of %d variants",
                       message, recipe.kind, len(missing), recipe.pool)
    code = failure.reason if failure is not None else "offline"
    return entries + _procedural(run, _fallback_request(recipe), missing, code)


def _pool(run: _Run, recipe: TextureRecipe) -> list[TextureEntry]:
    if recipe.is_api:
        return _api_pool(run, recipe)
    if recipe.source == "procedural":
        if run.dry_run:
            return []
        return _procedural(run, TextureRequest.from_recipe(recipe), list(range(recipe.pool)))
    return [TextureEntry(path, prov) for path, prov in
            local_entries(recipe, run.cache, write=not run.dry_run)]


def resolve_texture_pools(texture_recipes: list[TextureRecipe], cache_dir: str | Path | None,
                          *, offline: bool = False, max_calls: int | None = None,
                          dry_run: bool = False, logger: logging.Logger | None = None,
                          provider_factory: ProviderFactory | None = None,
                          ) -> dict[str, list[TextureEntry]]:
    """Fill one texture pool per distinct texture recipe.

    Args:
        texture_recipes: every material's ``texture:`` (duplicates share a pool).
        cache_dir: ``--texture-cache``; None = :func:`~synthscape.textures.cache.default_cache_dir`.
        offline: use the cache only; missing API textures are reported and fall back.
        max_calls: ``--max-texture-calls``: most API calls (generate + edit, retries
            included) in this run.
        dry_run: log the plan, make no call and write nothing; pools hold cached entries only.
        logger: where warnings go (default ``synthscape.textures``).
        provider_factory: builds the API provider for a recipe (tests, other providers).

    Returns:
        ``{pool_key(recipe): [TextureEntry, ...]}``; look pools up with :func:`pool_key`.

    Raises:
        TextureError: a texture failed and its recipe says ``fallback: none``, a folder/file
            source is unusable, or ``SYNTHSCAPE_TEXTURE_DEADLINE_S`` is not a positive number.
    """
    if not (offline or dry_run) and any(recipe.is_api for recipe in texture_recipes):
        from synthscape.textures.openai_provider import texture_deadline_s
        texture_deadline_s()   # a bad SYNTHSCAPE_TEXTURE_DEADLINE_S is bad input: say so first
    run = _Run(TextureCache(cache_dir), provider_factory or default_provider_factory,
               offline, dry_run, max_calls, logger or LOG)
    if dry_run:
        run.logger.info("dry run: %s", plan_texture_calls(texture_recipes, cache_dir).summary())
    return {pool_key(recipe): _pool(run, recipe) for recipe in unique_recipes(texture_recipes)}


def missing_textures(texture_recipes: list[TextureRecipe], cache_dir: str | Path | None) -> list[str]:
    """Human-readable list of API textures not in the cache (for ``--offline`` reports)."""
    cache, missing = TextureCache(cache_dir), []
    for recipe in unique_recipes(texture_recipes):
        if not recipe.is_api:
            continue
        request = TextureRequest.from_recipe(recipe)
        for variant in range(recipe.pool):
            key = cache_key(request.key_fields(variant))
            if cache.get(key) is None:
                missing.append(f"{_label(recipe)} variant {variant} (cache key {key[:12]})")
    return missing
