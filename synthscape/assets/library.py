"""Mesh libraries: the files of an object group (a list, a folder or a glob), each checked
once, and the weighted choice of one per object.

Resolution happens when the recipe is validated, so ``synthscape validate`` reports an empty
folder, a glob that matches nothing, or an unreadable file; the sampler then only draws.
"""

from __future__ import annotations

import glob as globbing
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.assets.mesh_info import MESH_SUFFIXES, MeshInfo, mesh_info


@dataclass(frozen=True)
class LibraryEntry:
    """One asset of a library."""

    path: str
    """Absolute path of the file."""
    weight: float = 1.0
    """Relative probability of being picked (weights need not sum to 1)."""
    source: str = ""
    """The library entry it came from (the file's absolute path, ``folder:DIR/PATTERN`` or
    ``glob:PATTERN``), for provenance."""
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """What a non-mesh entry kind needs (a ``.blend`` entry's object or collection name)."""

    @property
    def folder_name(self) -> str:
        """The name of the folder holding the file (the category with ``category_from: folder``)."""
        return Path(self.path).parent.name


def resolve_path(value: str, base_dir: str | os.PathLike[str]) -> Path:
    """``value`` (``~`` expanded) relative to ``base_dir`` when not absolute."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(base_dir) / path


def mesh_file(path: Path, weight: float, source: str = "") -> LibraryEntry:
    """A checked mesh-file entry (``source`` default: its absolute path).

    Raises:
        ValueError: not found, an unsupported suffix, unreadable or without faces (names the file).
    """
    if path.suffix.lower() not in MESH_SUFFIXES:
        raise ValueError(f"{path}: unsupported mesh file type; use one of {', '.join(MESH_SUFFIXES)}")
    if not path.is_file():
        raise ValueError(f"file not found: {path} (paths are relative to the recipe's folder)")
    checked_info(path)
    resolved = str(path.resolve())
    return LibraryEntry(path=resolved, weight=float(weight), source=source or resolved)


def checked_info(path: str | os.PathLike[str]) -> MeshInfo:
    """:func:`~synthscape.assets.mesh_info.mesh_info`, an unopenable file reported as ValueError."""
    try:
        return mesh_info(path)
    except OSError as error:
        raise ValueError(f"{path}: cannot open this mesh file ({error.strerror or error})") from None


def _mesh_files(paths: list[Path], what: str) -> list[Path]:
    files = sorted({p.resolve() for p in paths if p.is_file() and p.suffix.lower() in MESH_SUFFIXES})
    if not files:
        raise ValueError(f"{what} matches no mesh files ({', '.join(MESH_SUFFIXES)}); check the path and pattern")
    return files


def folder_entries(folder: str, pattern: str, recursive: bool, base_dir: str | os.PathLike[str]) -> list[LibraryEntry]:
    """Every mesh file in ``folder`` whose name matches ``pattern`` (sorted, weight 1 each).

    Raises:
        ValueError: the folder is missing or holds no matching mesh file, or one is unreadable.
    """
    root = resolve_path(folder, base_dir)
    if not root.is_dir():
        raise ValueError(f"folder not found: {root} (paths are relative to the recipe's folder)")
    found = list(root.rglob(pattern) if recursive else root.glob(pattern))
    where = f"folder {root.resolve()} with pattern {pattern!r}" + (" (recursive)" if recursive else "")
    source = f"folder:{root.resolve()}/{'**/' if recursive else ''}{pattern}"
    return [mesh_file(path, 1.0, source) for path in _mesh_files(found, where)]


def glob_entries(pattern: str, base_dir: str | os.PathLike[str]) -> list[LibraryEntry]:
    """Every mesh file matching ``pattern`` (``**`` spans folders), sorted, weight 1 each.

    Raises:
        ValueError: nothing matches, or a matched file is unreadable.
    """
    full = str(resolve_path(pattern, base_dir))
    found = [Path(p) for p in globbing.glob(full, recursive=True)]
    return [mesh_file(path, 1.0, f"glob:{full}") for path in _mesh_files(found, f"glob {full!r}")]


INFO_READERS: dict[str, Callable[[LibraryEntry], MeshInfo]] = {}
"""How the bounds of a non-mesh-file entry are read, by file suffix (``.blend``: registered by that kind)."""


def entry_info(entry: LibraryEntry) -> MeshInfo:
    """The cached :class:`~synthscape.assets.mesh_info.MeshInfo` of an entry (bounds, hash, counts)."""
    reader = INFO_READERS.get(Path(entry.path).suffix.lower())
    return reader(entry) if reader is not None else mesh_info(entry.path)


def pick_entry(entries: tuple[LibraryEntry, ...], rng: np.random.Generator) -> LibraryEntry:
    """One entry by weight (no draw when there is only one)."""
    if len(entries) == 1:
        return entries[0]
    weights = np.array([e.weight for e in entries], dtype=np.float64)
    return entries[int(rng.choice(len(entries), p=weights / weights.sum()))]


__all__ = ["INFO_READERS", "LibraryEntry", "checked_info", "entry_info", "folder_entries", "glob_entries", "mesh_file",
           "pick_entry", "resolve_path"]
