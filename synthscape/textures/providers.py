"""The texture provider interface and the local providers (procedural, folder).

The OpenAI provider lives in :mod:`synthscape.textures.openai_provider`.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from synthscape.textures.errors import TextureError
from synthscape.textures.procedural import procedural_texture
from synthscape.textures.recipe import TextureRecipe
from synthscape.textures.redact import redact_url
from synthscape.textures.tiling import png_bytes

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".exr", ".hdr")
PROCEDURAL_SIZE = 512
"""Side of procedural textures in pixels."""
OFFICIAL_BASE_URL = "https://api.openai.com/v1"
"""The SDK's default server; cache keys of its textures leave the URL out (as in 0.1)."""


def effective_base_url(base_url: str | None) -> str | None:
    """The server a recipe's ``base_url`` means: itself, else ``OPENAI_BASE_URL``, else None."""
    return base_url or os.environ.get("OPENAI_BASE_URL") or None


def base_url_key(base_url: str | None) -> str | None:
    """The server part of a cache key: the URL with credentials masked and no trailing slash;
    None for the official OpenAI API (so caches filled by 0.1 stay valid)."""
    if not base_url:
        return None
    public = redact_url(base_url.strip()).rstrip("/")
    return None if public == OFFICIAL_BASE_URL else public


@dataclass(frozen=True)
class TextureRequest:
    """What to ask a provider for; every field is part of the cache key (``base_url`` without
    its credentials, see :func:`base_url_key`)."""

    provider: str
    model: str
    prompt: str
    size: str
    quality: str
    output_format: str
    tile_method: str
    """``edit``, ``blend`` or ``none`` (not tileable)."""
    base_url: str | None = None
    """The server actually called (recipe ``base_url`` or ``OPENAI_BASE_URL``); API sources only."""

    @classmethod
    def from_recipe(cls, recipe: TextureRecipe) -> "TextureRequest":
        """The request for a texture recipe (model is the pattern kind for procedural)."""
        procedural = recipe.source == "procedural"
        return cls(
            provider=recipe.source,
            model=recipe.kind if procedural else recipe.model,
            prompt=recipe.prompt or "",
            size=f"{PROCEDURAL_SIZE}x{PROCEDURAL_SIZE}" if procedural else recipe.size,
            quality="n/a" if procedural else recipe.quality,
            output_format="png" if procedural else recipe.output_format,
            tile_method=("none" if not recipe.tileable else "builtin" if procedural
                         else recipe.tile_method),
            base_url=effective_base_url(recipe.base_url) if recipe.is_api else None,
        )

    def key_fields(self, variant: int) -> dict[str, Any]:
        """The fields hashed into the cache key for one pool variant (never credentials)."""
        fields: dict[str, Any] = {"provider": self.provider, "model": self.model,
                                  "prompt": self.prompt, "size": self.size,
                                  "quality": self.quality, "output_format": self.output_format,
                                  "variant": variant, "tile_method": self.tile_method}
        server = base_url_key(self.base_url)
        if server is not None:
            fields["base_url"] = server
        return fields


@dataclass(frozen=True)
class GeneratedTexture:
    """Image bytes as the provider returned them, with what to record in the sidecar."""

    data: bytes
    mime: str
    """e.g. ``image/png``."""
    sidecar: dict[str, Any] = field(default_factory=dict)
    """Provider facts: revised prompt, usage, request id, ... (never credentials)."""


class TextureProvider(Protocol):
    """Makes one texture image for a request and a pool variant index."""

    name: str
    """``openai``, ``procedural`` or ``folder``: recorded in provenance."""
    ai_generated: bool

    def generate(self, request: TextureRequest, variant: int) -> GeneratedTexture:
        """Return the image of pool variant ``variant`` (0-based) for ``request``."""
        ...


def variant_seed(*parts: object) -> int:
    """A stable 64-bit seed from text parts (independent of Python's hash salt)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


class ProceduralProvider:
    """Offline noise/Voronoi/wave textures, seeded from (kind, prompt, variant)."""

    name = "procedural"
    ai_generated = False

    def __init__(self, size: int = PROCEDURAL_SIZE):
        self.size = size

    def generate(self, request: TextureRequest, variant: int) -> GeneratedTexture:
        """A tileable PNG; ``request.model`` is the kind (noise, voronoi, wave)."""
        rng = np.random.default_rng(variant_seed(request.model, request.prompt, variant))
        image = procedural_texture(request.model, self.size, rng)
        return GeneratedTexture(png_bytes(image), "image/png",
                                {"kind": request.model, "size_px": self.size})


def list_images(folder: Path) -> list[Path]:
    """Sorted image files directly inside ``folder``; TextureError if none."""
    if not folder.is_dir():
        raise TextureError(f"texture.folder {str(folder)!r} is not a directory; "
                           "point it at a folder of .png/.jpg images")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise TextureError(f"texture.folder {str(folder)!r} holds no images "
                           f"({', '.join(IMAGE_SUFFIXES)})")
    return files


class FolderProvider:
    """Samples existing images from a directory; variant ``i`` is a seeded pick."""

    name = "folder"
    ai_generated = False

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.files = list_images(self.folder)

    def pick(self, variant: int) -> Path:
        """The file of pool variant ``variant``: a seeded permutation, cycled."""
        order = np.random.default_rng(variant_seed("folder", self.folder)).permutation(len(self.files))
        return self.files[int(order[variant % len(self.files)])]

    def generate(self, request: TextureRequest, variant: int) -> GeneratedTexture:
        """The picked file's bytes, unchanged."""
        path = self.pick(variant)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return GeneratedTexture(path.read_bytes(), mime, {"source_file": str(path)})
