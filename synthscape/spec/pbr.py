"""Drawing an object's PBR texture set from a ``material.library`` (pure Python).

Every draw comes from the object's own ``material_library`` stream, in this order: the set,
the mapping (offset, scale, rotation, as for ``texture``), then the normal strength, bump
strength and bump distance. The chosen set's maps are decoded once per process before they
are used (a corrupt map renders magenta in Blender with no error), and the colour map's mean
linear colour is read from the asset cache for the LiDAR reflectivity.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthscape.assets.materials import PbrSet, color_map_mean
from synthscape.errors import SynthscapeError
from synthscape.spec.scene_spec import PbrMaps, TextureMapping
from synthscape.textures.check import UnreadableImageError, check_image_file


class PbrMapError(SynthscapeError):
    """A map of a texture set cannot be decoded (names the file and the key)."""


def sample_texture_mapping(mapping: Any, rng: np.random.Generator) -> TextureMapping:
    """A spec mapping from a recipe ``mapping`` (distributions): offset, scale, then rotation (degrees)."""
    offset = mapping.offset.sample(rng)
    return TextureMapping(projection=mapping.projection, scale=float(mapping.scale.sample(rng)),
                          rotation=math.radians(mapping.rotation.sample(rng)),
                          offset=(float(offset[0]), float(offset[1])))


def _checked_maps(chosen: PbrSet, ambient_occlusion: bool) -> dict[str, str | None]:
    maps = {"color": chosen.color, "roughness": chosen.roughness, "normal": chosen.normal,
            "metalness": chosen.metalness, "displacement": chosen.displacement,
            "ao": chosen.ao if ambient_occlusion else None}
    for role, path in maps.items():
        if path is None:
            continue
        try:
            check_image_file(path)
        except UnreadableImageError as error:
            raise PbrMapError(f"material.library: the {role} map {path} of texture set {chosen.name!r} cannot be "
                              f"used: {error}; replace or re-export the file, or remove the set") from None
    return maps


def sample_pbr_maps(library: Any, rng: np.random.Generator) -> tuple[PbrMaps, TextureMapping]:
    """One texture set of ``library`` (a :class:`~synthscape.recipe.schema.MaterialLibraryRecipe`) and its mapping.

    Raises:
        PbrMapError: a map of the chosen set cannot be decoded.
    """
    chosen: PbrSet = library.choose(rng)
    mapping = sample_texture_mapping(library.mapping, rng)
    normal_strength = float(library.normal_strength.sample(rng))
    bump_strength = float(library.bump_strength.sample(rng))
    bump_distance = float(library.bump_distance.sample(rng))
    maps = _checked_maps(chosen, library.ambient_occlusion)
    try:
        mean = color_map_mean(chosen.color)
    except ValueError as error:
        raise PbrMapError(f"material.library: {error}") from None
    return PbrMaps(set_name=chosen.name, normal_convention=chosen.normal_convention, color_mean=mean,
                   normal_strength=normal_strength, bump_strength=bump_strength, bump_distance=bump_distance,
                   **maps), mapping  # type: ignore[arg-type]
