"""Choosing from a texture pool, and the pools' provenance records for ``dataset.json``.

The scene-spec fields of a chosen texture are made by :mod:`synthscape.spec.textures`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthscape.textures.pool import TextureEntry


def sample_texture(pool: list[TextureEntry], rng: np.random.Generator) -> TextureEntry:
    """One entry of ``pool``, drawn with the caller's frame generator (one ``integers`` draw)."""
    if not pool:
        raise ValueError("cannot sample from an empty texture pool")
    return pool[int(rng.integers(len(pool)))]


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
