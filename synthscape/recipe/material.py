"""Recipe sections of a material: the Principled BSDF values, a texture (file or generated pool),
procedural noise and PBR texture-set libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from synthscape.recipe.base import RecipeModel
from synthscape.recipe.fields import Color, ExistingFile, Number, Vector, existing_folder
from synthscape.recipe.material_library import MaterialLibraryBase
from synthscape.textures.recipe import TextureRecipe

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".exr", ".hdr", ".tif", ".tiff", ".webp")


class TextureMappingRecipe(RecipeModel):
    """How a texture is laid on a surface."""

    projection: Literal["box", "uv"] = "box"
    """``box``: tri-planar projection in object space; ``uv``: the mesh's UV map."""
    scale: Number(gt=0) = 1.0
    """Repeats per metre (box) or per UV unit."""
    rotation: Number() = 0.0
    """Rotation about the surface normal, degrees."""
    offset: Vector(2) = [0.0, 0.0]
    """Offset in texture units."""


class ImageTextureRecipe(RecipeModel):
    """An image file used as the base-colour texture."""

    source: Literal["file"] = "file"
    """Where the image comes from."""
    path: ExistingFile(*IMAGE_SUFFIXES)
    """Image file, relative to the recipe's folder."""
    mapping: TextureMappingRecipe = TextureMappingRecipe()
    """Projection, scale, rotation and offset of the texture."""


class GeneratedTextureRecipe(TextureRecipe):
    """A texture pool from a provider: ``openai`` (or a compatible server), ``procedural``, ``folder``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              validate_default=True, allow_inf_nan=False)
    source: Literal["openai", "procedural", "folder"] = "procedural"
    """Provider of the pool; ``procedural`` works offline with no key."""
    mapping: TextureMappingRecipe = TextureMappingRecipe()
    """Projection, scale, rotation and offset of the texture (distributions allowed)."""

    @field_validator("folder")
    @classmethod
    def _resolve_folder(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else existing_folder(value, info)


def _texture_kind(value: Any) -> str:
    source = value.get("source") if isinstance(value, dict) else getattr(value, "source", None)
    if source is None and isinstance(value, dict):
        source = "file" if "path" in value else "procedural"
    return "file" if source == "file" else "generated"


TextureChoice = Annotated[
    Annotated[ImageTextureRecipe, Tag("file")] | Annotated[GeneratedTextureRecipe, Tag("generated")],
    Discriminator(_texture_kind)]


class MaterialLibraryRecipe(MaterialLibraryBase):
    """A folder of PBR texture sets (ambientCG / Poly Haven layout); each object gets one set."""

    mapping: TextureMappingRecipe = TextureMappingRecipe()
    """Projection (``box`` or ``uv``), scale, rotation and offset of every map of the set (drawn per object)."""


class NoiseRecipe(RecipeModel):
    """Procedural noise mixed into the base colour."""

    scale: Number(gt=0) = 5.0
    """Noise frequency (Blender Noise Texture scale)."""
    strength: Number(ge=0, le=1) = 0.3
    """How strongly the noise modulates the base colour."""


class MaterialRecipe(RecipeModel):
    """A Principled BSDF material."""

    base_color: Color = [0.8, 0.8, 0.8]
    """Linear RGB in [0, 1]: ``[r, g, b]`` (each may be a distribution) or ``{choice: [[r, g, b], ...]}``."""
    roughness: Number(ge=0, le=1) = 0.5
    """Principled BSDF roughness."""
    metallic: Number(ge=0, le=1) = 0.0
    """Principled BSDF metallic."""
    texture: TextureChoice | None = None
    """A texture multiplied into the base colour: an image file (``source: file``, ``path``) or a
    generated pool (``source: openai|procedural|folder``, see the textures section)."""
    noise: NoiseRecipe | None = None
    """Procedural noise mixed into the base colour."""
    library: MaterialLibraryRecipe | None = None
    """A folder of PBR texture sets, one drawn per object (``{folder, pattern}``): colour (tinted by
    ``base_color``), roughness, normal, metalness, displacement (as bump) and AO maps. Not with ``texture``."""
    lidar_reflectivity: float | None = Field(default=None, ge=0.0, le=1.0)
    """LiDAR reflectivity in [0, 1] (a Lambertian target of that reflectivity at the sensor's
    wavelength); None = from base colour, metallic and roughness."""
    retroreflective: bool = False
    """Retro-reflective sheeting (signs, number plates): a strong LiDAR return near normal
    incidence that falls off only weakly with angle."""

    @model_validator(mode="after")
    def _texture_or_library(self) -> MaterialRecipe:
        if self.texture is not None and self.library is not None:
            raise ValueError("give either 'texture' (one image or a pool) or 'library' (PBR texture sets), not both")
        return self
