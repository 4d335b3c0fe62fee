"""Pool entries for local image sources (``folder`` and ``file``).

Images are used in place. When the recipe asks for a tileable texture and an image has a
visible seam (:func:`~synthscape.textures.tiling.seam_score` above the threshold), a
seam-blended copy is stored in the cache, keyed on the image's content.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from synthscape.textures.cache import TextureCache, cache_key
from synthscape.textures.errors import TextureError
from synthscape.textures.providers import FolderProvider
from synthscape.textures.recipe import TextureRecipe
from synthscape.textures.tiling import (
    SEAM_THRESHOLD, decode_image, make_tileable_blend, png_bytes, seam_score)


def _local_files(recipe: TextureRecipe) -> list[Path]:
    if recipe.source == "file":
        path = Path(recipe.path or "").resolve()
        if not path.is_file():
            raise TextureError(f"texture.path {str(recipe.path)!r} does not exist; give an "
                               "image file (absolute, or relative to the recipe's folder)")
        return [path]
    provider = FolderProvider(Path(recipe.folder or ""))
    count = min(recipe.pool, len(provider.files))
    return [provider.pick(v).resolve() for v in range(count)]


def _tileable_copy(path: Path, cache: TextureCache, write: bool) -> tuple[Path, str]:
    """(path to render, tile method applied) for a local image."""
    data = path.read_bytes()
    try:
        image = decode_image(data)
    except OSError:
        return path, "none"
    if seam_score(image) <= SEAM_THRESHOLD:
        return path, "none"
    key = cache_key({"provider": "local-blend", "sha256": hashlib.sha256(data).hexdigest()})
    hit = cache.get(key)
    if hit is None and write:
        hit = cache.put(key, png_bytes(make_tileable_blend(image)), "image/png",
                        {"provider": "local-blend", "source": str(path),
                         "tile_method_applied": "blend"})
    return (hit.path, "blend") if hit is not None else (path, "none")


def local_entries(recipe: TextureRecipe, cache: TextureCache,
                  write: bool = True) -> list[tuple[Path, dict[str, Any]]]:
    """(path, provenance) of each texture of a ``folder`` or ``file`` pool.

    Args:
        recipe: a recipe with ``source`` ``folder`` or ``file``.
        cache: where seam-blended copies go.
        write: False in dry runs: never write, use images as they are.
    """
    entries = []
    for variant, path in enumerate(_local_files(recipe)):
        render_path, method = (_tileable_copy(path, cache, write) if recipe.tileable
                               else (path, "none"))
        entries.append((render_path, {"provider": recipe.source, "model": None,
                                      "prompt": None, "ai_generated": False,
                                      "variant": variant, "source_file": str(path),
                                      "tile_method_applied": method}))
    return entries
