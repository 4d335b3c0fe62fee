"""The ``texture:`` key of a material: where a texture comes from and how it is laid on.

Plain constants only; the recipe schema may wrap these fields in distributions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ImageModel = Literal["gpt-image-1.5", "gpt-image-1", "gpt-image-1-mini"]
ImageSize = Literal["1024x1024", "1536x1024", "1024x1536", "auto"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              allow_inf_nan=False)


class TextureMappingRecipe(_Frozen):
    """How the texture sits on a surface."""

    projection: Literal["box", "uv"] = "box"
    """``box``: tri-planar projection in object space; ``uv``: the mesh's UV map."""
    scale: float = Field(default=1.0, gt=0)
    """Repeats per metre (box) or per UV unit."""
    rotation: float = 0.0
    """Rotation about the surface normal, degrees."""
    offset: tuple[float, float] = (0.0, 0.0)
    """Offset in texture units."""


class TextureRecipe(_Frozen):
    """A material's texture: an AI-generated pool, procedural, a folder or one file."""

    source: Literal["openai", "procedural", "folder", "file"] = "procedural"
    """Provider: ``openai`` (Images API or any compatible server), ``procedural`` (offline,
    the default), ``folder`` (images from a directory) or ``file`` (one image)."""
    prompt: str | None = None
    """Text prompt for ``openai`` (required there); seeds ``procedural`` variants."""
    pool: int = Field(default=4, ge=1)
    """Number of distinct textures generated once and sampled per object/frame."""
    model: ImageModel = "gpt-image-1.5"
    """Image model for ``openai``."""
    quality: Literal["low", "medium", "high", "auto"] = "medium"
    """Rendering quality; drives cost (image output tokens)."""
    size: ImageSize = "1024x1024"
    """Image size in pixels, width x height."""
    output_format: Literal["png", "jpeg", "webp"] = "png"
    """Format the API returns; stored as received."""
    base_url: str | None = None
    """OpenAI-compatible server, e.g. ``http://localhost:8000/v1``; default ``OPENAI_BASE_URL``."""
    tileable: bool = True
    """Make the texture repeat without a visible seam."""
    tile_method: Literal["edit", "blend"] = "blend"
    """``edit``: repaint the offset seam through the edits endpoint with a mask (one more
    call per texture); ``blend``: local seam blending, no extra call."""
    fallback: Literal["procedural", "none"] = "procedural"
    """On failure use a procedural texture (with one warning) or stop with an error."""
    kind: Literal["noise", "voronoi", "wave"] = "noise"
    """Pattern of ``procedural`` textures (and of the procedural fallback)."""
    folder: Path | None = None
    """Directory of images for ``source: folder``."""
    path: Path | None = None
    """Image file for ``source: file``."""
    mapping: TextureMappingRecipe = TextureMappingRecipe()

    @model_validator(mode="after")
    def _check_source_fields(self) -> "TextureRecipe":
        if self.source == "openai" and not (self.prompt and self.prompt.strip()):
            raise ValueError("texture.prompt is required when texture.source is 'openai'; "
                             "add e.g. prompt: 'worn oak planks, top-down, seamless'")
        if self.source == "folder" and self.folder is None:
            raise ValueError("texture.folder is required when texture.source is 'folder'")
        if self.source == "file" and self.path is None:
            raise ValueError("texture.path is required when texture.source is 'file'")
        return self

    @property
    def is_api(self) -> bool:
        """True when textures come from a paid/remote API."""
        return self.source == "openai"
