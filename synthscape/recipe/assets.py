"""Recipe keys of asset libraries: ``objects[i].meshes`` (a list, a folder or a glob of mesh
files) and ``objects[i].normalize`` (target size, up axis, origin per asset).

A library is resolved and every file checked (through the per-asset cache) when the recipe is
validated, so a bad library is a recipe error naming ``objects[i].meshes`` and the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError, ValidationInfo
from pydantic.functional_validators import PlainValidator

from synthscape.assets.library import LibraryEntry, checked_info, folder_entries, glob_entries, mesh_file, resolve_path
from synthscape.assets.normalize import Normalization, measured_extent
from synthscape.recipe.blend_entry import BLEND_MARKER, parse_blend_entry
from synthscape.recipe.distributions import short_repr
from synthscape.recipe.fields import Number


class _AssetModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              validate_default=True, allow_inf_nan=False)


class MeshFileEntryRecipe(_AssetModel):
    """One file of a ``meshes`` list, with a weight."""

    path: str
    """A mesh file (.obj, .ply, .glb, .gltf, .stl), relative to the recipe's folder."""
    weight: float = Field(default=1.0, gt=0)
    """Relative probability of this file being picked for an object."""


class MeshFolderRecipe(_AssetModel):
    """Every mesh file of a folder whose name matches a pattern, each with weight 1."""

    folder: str
    """The folder, relative to the recipe's folder."""
    pattern: str = "*"
    """File-name pattern (``*.glb``); only mesh files (.obj, .ply, .glb, .gltf, .stl) are taken."""
    recursive: bool = False
    """Also search every subfolder."""


class MeshGlobRecipe(_AssetModel):
    """Every mesh file matching a glob (``**`` spans folders), each with weight 1."""

    glob: str
    """The pattern, relative to the recipe's folder, e.g. ``assets/**/*.obj``."""


class NormalizeRecipe(_AssetModel):
    """Per-asset normalization of mesh files: up axis, size, origin (``scale`` multiplies the result)."""

    size: Number(gt=0) | None = None
    """Target size in metres of the measured extent (drawn per object); null keeps the file's size."""
    measure: Literal["longest", "height"] = "longest"
    """What ``size`` sets: the longest side of the bounding box, or its height (after ``up_axis``)."""
    up_axis: Literal["+X", "-X", "+Y", "-Y", "+Z", "-Z"] | None = None
    """The file's own axis that points up; null trusts the format (OBJ and glTF are Y-up and
    Blender's importers turn them Z-up; PLY and STL are taken as Z-up)."""
    origin: Literal["base", "center", "file"] = "center"
    """Where the object's origin goes: ``base`` (bottom centre of the bounding box), ``center``
    (its centre) or ``file`` (the file's own origin)."""


class AssetGroup(Protocol):
    """What these helpers read of an ``objects[i]`` group (:class:`~synthscape.recipe.schema.ObjectGroupRecipe`)."""

    category: str | None
    mesh: str | None


@dataclass(frozen=True)
class MeshLibrary:
    """A resolved ``meshes`` value: the checked files and the recipe form (absolute paths)."""

    entries: tuple[LibraryEntry, ...]
    recipe: Any


EntryParser = Callable[[dict[str, Any], str], LibraryEntry]
ENTRY_KINDS: dict[str, EntryParser] = {BLEND_MARKER: parse_blend_entry}
"""Further entry kinds of a ``meshes`` list, by the key that marks them (``blend``): each turns
the entry (a mapping) and the recipe's folder into a checked :class:`LibraryEntry` or raises
ValueError naming the file."""


def _model(cls: type[_AssetModel], raw: Any, what: str) -> Any:
    try:
        return cls.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or what}: "
                             + (f"unknown key (check the spelling; allowed: {', '.join(cls.model_fields)})"
                                if e["type"] == "extra_forbidden" else e["msg"])
                             for e in error.errors(include_url=False))
        raise ValueError(f"{what}: {problems}") from None


def _list_entry(raw: Any, base_dir: str, index: int) -> LibraryEntry:
    if isinstance(raw, str):
        raw = {"path": raw}
    if not isinstance(raw, dict):
        raise ValueError(f"entry {index}: expected a path or {{path, weight}}, got {short_repr(raw)}")
    for marker, parser in ENTRY_KINDS.items():
        if marker in raw:
            return parser(raw, base_dir)
    entry = _model(MeshFileEntryRecipe, raw, f"entry {index}")
    return mesh_file(resolve_path(entry.path, base_dir), entry.weight)


def _entry_recipe(entry: LibraryEntry, raw: Any) -> Any:
    if isinstance(raw, dict) and any(marker in raw for marker in ENTRY_KINDS):
        return raw
    return {"path": entry.path, "weight": entry.weight}


def parse_library(raw: Any, base_dir: str) -> MeshLibrary:
    """Resolve and check a ``meshes`` value.

    Raises:
        ValueError: a malformed value, a missing or empty folder, a glob that matches nothing,
            or an unreadable file / one without faces (the message names it).
    """
    if isinstance(raw, list):
        if not raw:
            raise ValueError("the list is empty; give at least one mesh file")
        entries = tuple(_list_entry(item, base_dir, i) for i, item in enumerate(raw))
        return MeshLibrary(entries, [_entry_recipe(e, item) for e, item in zip(entries, raw)])
    if isinstance(raw, dict) and "folder" in raw:
        spec = _model(MeshFolderRecipe, raw, "folder")
        entries = tuple(folder_entries(spec.folder, spec.pattern, spec.recursive, base_dir))
        folder = str(resolve_path(spec.folder, base_dir).resolve())
        return MeshLibrary(entries, {"folder": folder, "pattern": spec.pattern, "recursive": spec.recursive})
    if isinstance(raw, dict) and "glob" in raw:
        spec = _model(MeshGlobRecipe, raw, "glob")
        entries = tuple(glob_entries(spec.glob, base_dir))
        return MeshLibrary(entries, {"glob": str(resolve_path(spec.glob, base_dir))})
    raise ValueError("give a list of mesh files (each a path or {path, weight}), "
                     "{folder: DIR, pattern: '*.glb', recursive: false} or {glob: 'DIR/**/*.obj'}; "
                     f"got {short_repr(raw)}")


def _validate_library(raw: Any, info: ValidationInfo) -> MeshLibrary | None:
    if raw is None or isinstance(raw, MeshLibrary):
        return raw
    return parse_library(raw, str((info.context or {}).get("base_dir", ".")))


MeshLibraryField = Annotated[MeshLibrary | None, PlainValidator(_validate_library),
                             PlainSerializer(lambda library: None if library is None else library.recipe)]
"""``objects[i].meshes``: a list of files (each a path or ``{path, weight}``), ``{folder,
pattern, recursive}`` or ``{glob}``; paths relative to the recipe's folder."""


def group_entries(group: AssetGroup) -> tuple[LibraryEntry, ...] | None:
    """The files a group picks from: its ``meshes``, its one ``mesh``, or None (not a file group)."""
    library = getattr(group, "meshes", None)
    if library is not None:
        return library.entries
    if group.mesh is not None:
        return (LibraryEntry(path=group.mesh, source=group.mesh),)
    return None


def group_category_names(group: AssetGroup) -> list[str]:
    """The categories a group's objects get: its ``category``, or (``category_from: folder``)
    the sorted names of the folders holding its files."""
    if getattr(group, "category_from", "group") == "folder":
        return sorted({entry.folder_name for entry in group_entries(group) or ()})
    return [group.category] if group.category is not None else []


def normalization_of(normalize: NormalizeRecipe, size: float | None) -> Normalization:
    """The :class:`Normalization` of a recipe section with its ``size`` drawn."""
    return Normalization(size=size, measure=normalize.measure, up_axis=normalize.up_axis, origin=normalize.origin)


def check_group_assets(group: AssetGroup) -> None:
    """Cross-key rules of a group's asset keys (run by the group's validator).

    Raises:
        ValueError: ``normalize``/``asset_materials``/``category_from: folder`` without mesh
            files, ``category`` missing, or a file with no extent along ``normalize.measure``.
    """
    entries = group_entries(group)
    folder = getattr(group, "category_from", "group") == "folder"
    if folder and getattr(group, "meshes", None) is None:
        raise ValueError("category_from: folder takes the category from the folders of 'meshes'; give 'meshes'")
    if folder and group.category is not None:
        raise ValueError(f"'category' ({group.category!r}) and category_from: folder both name the category "
                         "(the folders' names would win); remove one of the two")
    if not folder and group.category is None:
        raise ValueError("'category' is required (or category_from: folder with 'meshes')")
    if entries is None:
        for key in ("normalize", "asset_materials"):
            if getattr(group, key, None):
                raise ValueError(f"'{key}' applies to mesh files: give 'mesh' or 'meshes'")
        return
    normalize = getattr(group, "normalize", None)
    if normalize is None or normalize.size is None:
        return
    for entry in entries:
        if entry.extra:  # a .blend entry: its geometry is read by the Blender layer
            continue
        info = checked_info(entry.path)
        extent = measured_extent(info.bbox_min, info.bbox_max, Path(entry.path).suffix,
                                 normalization_of(normalize, 1.0))
        if extent <= 0:
            raise ValueError(f"normalize: {entry.path} has no {normalize.measure} extent to scale; "
                             "use measure: longest")


__all__ = ["ENTRY_KINDS", "MeshFileEntryRecipe", "MeshFolderRecipe", "MeshGlobRecipe", "MeshLibrary",
           "MeshLibraryField", "NormalizeRecipe", "check_group_assets", "group_category_names", "group_entries",
           "normalization_of", "parse_library"]
