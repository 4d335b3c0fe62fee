"""The ``material.library:`` recipe key: a folder of PBR texture sets, one set drawn per object.

The folder is searched when the recipe is loaded (:func:`synthscape.assets.materials.discover_pbr_sets`:
ambientCG ``<Set>_Color.png`` / Poly Haven ``<set>_diff_1k.jpg`` layouts), so a folder with no
usable set is a recipe error naming the key, the folder and the files found. The sampler draws
the set and the per-object strengths from the object's own ``material_library`` stream.
The texture mapping (``mapping:``) is added by :class:`synthscape.recipe.schema.MaterialLibraryRecipe`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationInfo, field_validator, model_validator

from synthscape.assets.materials import MaterialLibraryError, PbrSet, discover_pbr_sets
from synthscape.recipe.fields import Number, existing_folder


class MaterialLibraryBase(BaseModel):
    """A folder of PBR texture sets (ambientCG / Poly Haven layout); each object gets one set."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    folder: Path
    """Folder of texture sets, relative to the recipe's folder: one subfolder per set, or several sets
    side by side (maps named ``<Set>_Color``/``_BaseColor``/``_diff``, ``_Roughness``/``_rough``,
    ``_NormalGL``/``_NormalDX``/``_Normal``/``_nor_gl``/``_nor_dx``, ``_Metalness``/``_metal``,
    ``_Displacement``/``_disp``, ``_AmbientOcclusion``/``_ao``; png, jpg, exr, tif). A set needs a colour map."""
    pattern: str = "*"
    """Glob on set names (case-insensitive), e.g. ``"Wood*"``; sets in subfolders also match ``sub/name``."""
    recursive: bool = True
    """Search subfolders too."""
    normal_convention: Literal["gl", "dx"] = "gl"
    """Convention of normal maps named just ``Normal``/``nor`` (``NormalGL``/``nor_gl`` are OpenGL,
    ``NormalDX``/``nor_dx`` DirectX whatever this says): ``gl`` (+Y) or ``dx`` (-Y, green flipped)."""
    normal_strength: Number(ge=0, le=10) = 1.0
    """Strength of the normal map (Blender Normal Map node), drawn per object. ``normal/`` holds the shading
    normal, so normal and bump maps show in it: set this and ``bump_strength`` to 0 for geometric normals."""
    bump_strength: Number(ge=0, le=1) = 0.3
    """Strength of the displacement map, rendered as bump mapping (0 = off), drawn per object."""
    bump_distance: Number(ge=0) = 0.02
    """Height of a white displacement texel in metres (Blender Bump node distance), drawn per object."""
    ambient_occlusion: bool = True
    """Multiply the set's AO map into the colour."""

    _sets: tuple[PbrSet, ...] = PrivateAttr(default=())

    @field_validator("folder")
    @classmethod
    def _resolve_folder(cls, value: Path, info: ValidationInfo) -> Path:
        return existing_folder(value, info)

    @model_validator(mode="after")
    def _discover(self) -> MaterialLibraryBase:
        try:
            self._sets = discover_pbr_sets(self.folder, self.pattern, self.recursive, self.normal_convention)
        except MaterialLibraryError as error:
            raise ValueError(f"{error}; add texture sets or point 'folder' at another folder") from None
        return self

    @property
    def sets(self) -> tuple[PbrSet, ...]:
        """The texture sets found in the folder, sorted (never empty)."""
        if not self._sets:   # a copy made without validation
            self._sets = discover_pbr_sets(self.folder, self.pattern, self.recursive, self.normal_convention)
        return self._sets

    def choose(self, rng: np.random.Generator) -> PbrSet:
        """One set, uniformly (one draw from ``rng``)."""
        sets = self.sets
        return sets[int(rng.integers(len(sets)))]
