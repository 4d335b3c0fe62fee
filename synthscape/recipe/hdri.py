"""The library form of ``world.hdri``: Blender's built-in HDRIs by name, a folder, or a list of files.

One HDRI is drawn per frame from the sampler's ``hdri`` stream; its path goes into the frame's
``WorldSpec.hdri_path`` (meta and provenance). The files are found when the recipe is loaded, so
an unknown name, an empty folder or a missing file is a recipe error (exit 2).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import (AfterValidator, BaseModel, ConfigDict, PrivateAttr, TypeAdapter, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from synthscape.assets.hdri import (BuiltinHdrisMissing, HdriError, builtin_hdri_paths, check_builtin_names,
                                    folder_hdris)
from synthscape.recipe.fields import ExistingFile, existing_folder


log = logging.getLogger("synthscape.recipe")

_HDRI_FILE = TypeAdapter(ExistingFile(".hdr", ".exr"))


def hdri_file(value: str, info: ValidationInfo) -> str:
    """An existing ``.exr``/``.hdr`` file resolved against the recipe's folder (as ``ExistingFile``)."""
    try:
        return _HDRI_FILE.validate_python(value, context=info.context)
    except ValidationError as error:
        raise ValueError(error.errors()[0]["msg"].removeprefix("Value error, ")) from None


HdriFile = Annotated[str, AfterValidator(hdri_file)]
"""One environment map file (the plain ``world.hdri: sky.exr`` form)."""


class HdriLibraryRecipe(BaseModel):
    """Several environment maps, one drawn per frame: give exactly one of ``builtin``, ``folder``, ``files``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                              allow_inf_nan=False)

    builtin: list[str] | Literal["all"] | None = None
    """Blender's eight CC0 Poly Haven HDRIs by name (they come with the ``bpy`` module, no download):
    ``city``, ``courtyard``, ``forest``, ``interior``, ``night``, ``studio``, ``sunrise``, ``sunset``,
    or ``all``. Where ``bpy`` is not installed (nothing can render there) the names are still checked,
    a warning says so, and frames get no HDRI."""
    folder: Path | None = None
    """A folder of ``.exr``/``.hdr`` files, relative to the recipe's folder."""
    pattern: str = "*"
    """Glob on the file names of ``folder`` (case-insensitive), e.g. ``"*_2k.exr"``."""
    recursive: bool = False
    """Search the subfolders of ``folder`` too."""
    files: list[str] | None = None
    """A list of ``.exr``/``.hdr`` files, relative to the recipe's folder."""

    _paths: tuple[str, ...] = PrivateAttr(default=())
    _missing: int = PrivateAttr(default=0)
    """How many built-in HDRIs were named on a machine without them (then every frame gets none)."""

    @field_validator("builtin", mode="before")
    @classmethod
    def _names_as_list(cls, value: object) -> object:
        """One clear message for a single name (``builtin: forest``) instead of one per union member."""
        if isinstance(value, str) and value != "all":
            raise ValueError(f"give a list of names, e.g. builtin: [{value}], or builtin: all; got {value!r}")
        return value

    @field_validator("folder")
    @classmethod
    def _resolve_folder(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else existing_folder(value, info)

    @field_validator("files")
    @classmethod
    def _existing_files(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return None
        resolved = []
        for index, file in enumerate(value):
            try:
                resolved.append(hdri_file(file, info))
            except ValueError as error:
                raise ValueError(f"files[{index}]: {error}") from None
        return resolved

    @model_validator(mode="after")
    def _resolve(self) -> HdriLibraryRecipe:
        given = [key for key in ("builtin", "folder", "files") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'builtin' (names), 'folder' and 'files'"
                             + (f"; got {', '.join(given)}" if given else ""))
        try:
            self._paths = self._find()
        except BuiltinHdrisMissing as error:
            self._missing = len(check_builtin_names(self.builtin))   # names still checked
            log.warning("world.hdri.builtin: %s; frames get no HDRI here (world.color instead)", error)
        except HdriError as error:
            raise ValueError(f"{given[0]}: {error}") from None
        return self

    def _find(self) -> tuple[str, ...]:
        if self.builtin is not None:
            return builtin_hdri_paths(self.builtin)
        if self.folder is not None:
            return folder_hdris(self.folder, self.pattern, self.recursive)
        if not self.files:
            raise HdriError("the list is empty; name at least one .exr or .hdr file")
        return tuple(str(f) for f in self.files)

    def paths(self) -> tuple[str, ...]:
        """Every HDRI file of the library, absolute; empty only for built-ins on a machine without ``bpy``."""
        if not self._paths and not self._missing:   # a copy made without validation
            self._paths = self._find()
        return self._paths

    def choose(self, rng: np.random.Generator) -> str | None:
        """One HDRI file, uniformly (one draw from ``rng``); None for built-ins on a machine without ``bpy``."""
        paths = self.paths()
        index = int(rng.integers(len(paths) or self._missing))
        return paths[index] if paths else None
