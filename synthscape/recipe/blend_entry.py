"""``.blend`` entries of a ``meshes`` list: ``{blend: file.blend, object: Name}`` or
``{blend: file.blend, collection: Name}``, with an optional ``weight``.

Two checks, so each error names the key and the file:

* when the recipe is parsed (:func:`parse_blend_entry`, registered in
  :data:`synthscape.recipe.assets.ENTRY_KINDS`): the entry's keys, and that the file exists;
* when a run is planned (:func:`check_blend_entries`, called by
  :func:`synthscape.pipeline.plan_run` once the Blender layer's reader is installed): the file is
  a .blend file, it holds the named object or collection, and that has faces. This reads the
  geometry once into the asset cache, so the sampler finds it there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from synthscape.assets.blend import BLEND_ENTRY_FIELDS, BlendAssetError, blend_geometry, entry_datablock
from synthscape.assets.library import LibraryEntry, resolve_path
from synthscape.errors import RecipeError

BLEND_MARKER = "blend"


class BlendEntryRecipe(BaseModel):
    """An object or a collection of a ``.blend`` file, appended headless (``bpy.data.libraries.load``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)

    blend: str
    """The ``.blend`` file, relative to the recipe's folder."""
    object: str | None = None
    """Name of an object in the file (its geometry with modifiers, as it looks in the file, the
    object's origin at the origin). Give exactly one of ``object`` and ``collection``."""
    collection: str | None = None
    """Name of a collection in the file: every visible geometry object in it (nested collections
    too) becomes ONE object, its origin at the collection's instance offset."""
    weight: float = Field(default=1.0, gt=0)
    """Relative probability of this entry being picked for an object."""

    @model_validator(mode="after")
    def _one_datablock(self) -> BlendEntryRecipe:
        if (self.object is None) == (self.collection is None):
            raise ValueError("give exactly one of 'object' and 'collection' (a name in the .blend file)")
        if not (self.object or self.collection or "").strip():
            raise ValueError("the object or collection name must not be blank")
        return self

    @property
    def kind(self) -> str:
        """``object`` or ``collection``."""
        return "object" if self.object is not None else "collection"

    @property
    def name(self) -> str:
        """The datablock's name in the file."""
        return self.object if self.object is not None else self.collection  # type: ignore[return-value]


def parse_blend_entry(raw: dict[str, Any], base_dir: str) -> LibraryEntry:
    """A ``meshes`` entry with a ``blend`` key as a :class:`LibraryEntry` (``extra`` names the datablock).

    Raises:
        ValueError: unknown or missing keys, not a ``.blend`` suffix, or the file does not exist.
    """
    try:
        entry = BlendEntryRecipe.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'blend entry'}: "
                             f"{e['msg'].removeprefix('Value error, ')}" for e in error.errors(include_url=False))
        raise ValueError(f".blend entry {raw.get('blend')!r}: {problems}") from None
    path = resolve_path(entry.blend, base_dir)
    if path.suffix.lower() != ".blend":
        raise ValueError(f"{path}: a 'blend' entry takes a .blend file; list mesh files as paths")
    if not path.is_file():
        raise ValueError(f"file not found: {path} (paths are relative to the recipe's folder)")
    source = f"blend:{path.resolve()}#{entry.kind}:{entry.name}"
    return LibraryEntry(path=str(path.resolve()), weight=entry.weight, source=source,
                        extra={BLEND_ENTRY_FIELDS[entry.kind]: entry.name})


def blend_entries(recipe: Any) -> Iterator[tuple[str, LibraryEntry, str, str]]:
    """``(key, entry, kind, name)`` of every ``.blend`` entry of a validated
    :class:`~synthscape.recipe.schema.Recipe` (not imported: the schema imports this module),
    ``key`` as ``objects[i].meshes[j]``."""
    for i, group in enumerate(recipe.objects):
        library = getattr(group, "meshes", None)
        for j, entry in enumerate(library.entries if library is not None else ()):
            datablock = entry_datablock(entry)
            if datablock is not None:
                yield f"objects[{i}].meshes[{j}]", entry, *datablock


def check_blend_entries(recipe: Any, recipe_path: str) -> None:
    """Read (or find in the asset cache) the geometry of every ``.blend`` entry.

    Raises:
        RecipeError: naming ``objects[i].meshes[j]`` and the file, for each entry that is not a
            .blend file, lacks the named datablock, has no faces, or cannot be read without Blender.
    """
    problems = []
    for key, entry, kind, name in blend_entries(recipe):
        try:
            blend_geometry(entry.path, kind, name)
        except BlendAssetError as error:
            problems.append((key, str(error)))
    if problems:
        raise RecipeError(recipe_path, problems)


def uses_asset_materials(group: Any, is_mesh: bool, is_blend: bool) -> bool:
    """Whether an object renders with its file's own materials instead of the group's ``material``.

    A mesh file keeps them with ``asset_materials: true``. A ``.blend`` entry keeps them unless
    the group writes ``asset_materials: false``; faces without a material in the file get the
    group's ``material`` either way.
    """
    if is_blend:
        return "asset_materials" not in group.model_fields_set or bool(getattr(group, "asset_materials", True))
    return is_mesh and bool(getattr(group, "asset_materials", False))


def uses_blend_assets(recipe: Any) -> bool:
    """True when some group's ``meshes`` has a ``.blend`` entry."""
    return next(blend_entries(recipe), None) is not None


__all__ = ["BLEND_MARKER", "BlendEntryRecipe", "blend_entries", "check_blend_entries", "entry_datablock",
           "parse_blend_entry", "uses_asset_materials", "uses_blend_assets"]
