"""Objects and collections of ``.blend`` files as assets: their geometry for the sampler, cached.

The sampler has no ``bpy``, so the geometry of a ``.blend`` asset is read once by the Blender
layer (:mod:`synthscape.blender.blend_assets`, which registers its reader here with
:func:`register_blend_reader` when it is imported, as the BVH ray caster does in
:mod:`synthscape.lidar.raycast`) and stored in the :class:`~synthscape.assets.cache.AssetCache`
(kind ``blend_geometry``), keyed by the file's sha256 and the datablock's kind and name. Every
later frame, worker and rerun reads the cache entry, with or without Blender.

The asset's own frame: its geometry as it looks in the file (world space, modifiers applied,
parents included), moved so that the object's origin (a collection: its instance offset) is
at 0. The spec's location, rotation and scale pose that frame as one object.
"""

from __future__ import annotations

import atexit
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthscape.assets.cache import AssetCache, asset_cache_dir, cache_key, file_sha256
from synthscape.assets.library import INFO_READERS, LibraryEntry
from synthscape.assets.mesh_info import MeshInfo

BLEND_GEOMETRY_KIND = "blend_geometry"
BLEND_GEOMETRY_VERSION = 1
"""Bump when what the reader returns or how it is computed changes (old entries are then ignored)."""
BLEND_KINDS = ("object", "collection")
BLEND_ENTRY_FIELDS = {"object": "blend_object", "collection": "blend_collection"}
"""Datablock kind -> its key in ``LibraryEntry.extra`` (and the ``ObjectSpec`` field)."""
BLEND_MAGICS = (b"BLENDER", b"\x28\xb5\x2f\xfd", b"\x1f\x8b")
"""A .blend file starts with ``BLENDER``, or is zstd (Blender 3.0+) or gzip (older) compressed."""

Vec3 = tuple[float, float, float]
BlendReader = Callable[[str, str, str], "BlendGeometry"]
"""``(path, kind, name) -> BlendGeometry``; raises :class:`BlendAssetError` naming the file."""


class BlendAssetError(ValueError):
    """A ``.blend`` asset that cannot be used: not a .blend file, no such object or collection, no geometry."""


class BlendReaderMissing(BlendAssetError):
    """The geometry is not cached and this process has no Blender (``bpy``) to read it."""


@dataclass(frozen=True)
class BlendGeometry:
    """The triangles of a ``.blend`` object or collection in its own frame (see module docstring).

    Attributes:
        vertices: (V, 3) float64, metres.
        triangles: (T, 3) int32 indices into ``vertices``.
        materials: names of the materials its objects use, sorted.
    """

    vertices: np.ndarray
    triangles: np.ndarray
    materials: tuple[str, ...] = ()
    watertight: bool = False
    """Closed and consistently wound after merging coincident vertices (trimesh)."""
    hull_volume: float = 0.0
    """Volume of the convex hull, cubic metres (0 for flat or degenerate geometry)."""

    @property
    def bounds(self) -> tuple[Vec3, Vec3]:
        """Axis-aligned (min, max) of the vertices."""
        low, high = self.vertices.min(axis=0), self.vertices.max(axis=0)
        return tuple(float(v) for v in low), tuple(float(v) for v in high)  # type: ignore[return-value]


_READERS: dict[str, BlendReader] = {}
# Blender 4.2's bpy crashes the interpreter at exit (SIGSEGV) when a Blender-side function, whose
# globals hold bpy, outlives the module teardown in this registry: drop it before teardown.
atexit.register(_READERS.clear)


def register_blend_reader(reader: BlendReader, name: str = "blender") -> None:
    """Install the function that reads a ``.blend`` datablock's geometry (the Blender layer's)."""
    _READERS[name] = reader


def blend_reader() -> BlendReader | None:
    """The registered reader, or None when the Blender layer was not imported."""
    return next(iter(_READERS.values()), None)


def check_blend_file(path: str | os.PathLike[str]) -> None:
    """Refuse a file that is not a .blend file by its first bytes (no Blender needed).

    Raises:
        BlendAssetError: missing, unreadable, or not a .blend file (random bytes, another format).
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise BlendAssetError(f"{path}: cannot read this .blend file ({error.strerror or error})") from None
    if not head.startswith(BLEND_MAGICS):
        raise BlendAssetError(f"{path}: not a Blender file (it does not start with 'BLENDER' and is not "
                              "zstd or gzip compressed); it is corrupt or another format: save it again "
                              "from Blender (File > Save As)")


def check_blend_kind(kind: str) -> None:
    """Raise ValueError unless ``kind`` is ``object`` or ``collection``."""
    if kind not in BLEND_KINDS:
        raise ValueError(f"a .blend asset is an 'object' or a 'collection', not {kind!r}")


def blend_geometry(path: str | os.PathLike[str], kind: str, name: str,
                   cache_root: str | os.PathLike[str] | None = None) -> BlendGeometry:
    """The geometry of the object or collection ``name`` of a ``.blend`` file: cached, else read.

    Memoized in this process by content hash; another process or a rerun reads the cache
    entry, not the file, and needs no Blender.

    Raises:
        BlendAssetError: not a .blend file, no datablock of that name, no geometry in it.
        BlendReaderMissing: not cached and no Blender in this process.
    """
    check_blend_kind(kind)
    check_blend_file(path)
    root = os.fspath(cache_root if cache_root is not None else asset_cache_dir())
    return _cached_geometry(file_sha256(path), kind, name, os.path.abspath(path), root)


def blend_cache_key(sha256: str, kind: str, name: str) -> str:
    """The cache key of one datablock of one ``.blend`` content."""
    return cache_key({"kind": BLEND_GEOMETRY_KIND, "version": BLEND_GEOMETRY_VERSION, "sha256": sha256,
                      "datablock": kind, "name": name})


@functools.lru_cache(maxsize=1024)
def _cached_geometry(sha256: str, kind: str, name: str, path: str, root: str) -> BlendGeometry:
    cache = AssetCache(root)
    key = blend_cache_key(sha256, kind, name)

    def compute(file_for: Callable[[str], Path]) -> dict[str, object]:
        geometry = _read(path, kind, name)
        arrays = file_for(".npz")
        _save_arrays(arrays, geometry)
        low, high = geometry.bounds
        return {"sha256": sha256, "datablock": kind, "name": name, "arrays": arrays.name,
                "bbox_min": list(low), "bbox_max": list(high), "materials": list(geometry.materials),
                "vertex_count": int(len(geometry.vertices)), "triangle_count": int(len(geometry.triangles)),
                **_solid_measures(geometry)}

    entry = cache.load_or_compute(BLEND_GEOMETRY_KIND, key, compute)
    try:
        with np.load(cache.entry_path(BLEND_GEOMETRY_KIND, key, ".npz")) as data:
            vertices, triangles = data["vertices"], data["triangles"]
    except (OSError, KeyError, ValueError):  # the arrays went missing: read the file again
        geometry = _read(path, kind, name)
        _save_arrays(cache.entry_path(BLEND_GEOMETRY_KIND, key, ".npz"), geometry)
        vertices, triangles = geometry.vertices, geometry.triangles
    vertices.setflags(write=False)
    triangles.setflags(write=False)
    return BlendGeometry(vertices=vertices, triangles=triangles, materials=tuple(entry.get("materials", ())),
                         watertight=bool(entry.get("watertight", False)),
                         hull_volume=float(entry.get("hull_volume", 0.0)))


def _solid_measures(geometry: BlendGeometry) -> dict[str, object]:
    """Watertightness and convex hull volume (trimesh), as :class:`MeshInfo` has them for mesh files."""
    import trimesh  # deferred: only asset groups need it

    mesh = trimesh.Trimesh(vertices=geometry.vertices, faces=geometry.triangles, process=True)
    try:
        hull_volume = float(mesh.convex_hull.volume)
    except Exception:  # noqa: BLE001 - qhull refuses flat or degenerate point sets
        hull_volume = 0.0
    return {"watertight": bool(mesh.is_watertight), "hull_volume": hull_volume}


def entry_datablock(entry: LibraryEntry) -> tuple[str, str] | None:
    """``(kind, name)`` of a ``.blend`` library entry; None for a mesh file."""
    for kind, key in BLEND_ENTRY_FIELDS.items():
        if entry.extra.get(key):
            return kind, str(entry.extra[key])
    return None


def blend_entry_geometry(entry: LibraryEntry) -> BlendGeometry:
    """:func:`blend_geometry` of a ``.blend`` library entry.

    Raises:
        ValueError: the entry names no object or collection.
        BlendAssetError: see :func:`blend_geometry`.
    """
    datablock = entry_datablock(entry)
    if datablock is None:
        raise ValueError(f"{entry.path}: a .blend entry needs an object or a collection name")
    return blend_geometry(entry.path, *datablock)


def blend_entry_info(entry: LibraryEntry) -> MeshInfo:
    """The :class:`MeshInfo` of a ``.blend`` entry (bounds in its own frame), for the sampler."""
    geometry = blend_entry_geometry(entry)
    low, high = geometry.bounds
    return MeshInfo(sha256=file_sha256(entry.path), bbox_min=low, bbox_max=high,
                    vertex_count=int(len(geometry.vertices)), face_count=int(len(geometry.triangles)),
                    watertight=geometry.watertight, hull_volume=geometry.hull_volume)


INFO_READERS[".blend"] = blend_entry_info


def _read(path: str, kind: str, name: str) -> BlendGeometry:
    reader = blend_reader()
    if reader is None:
        raise BlendReaderMissing(
            f"{path}: reading {kind} {name!r} of a .blend file needs Blender's Python module (bpy), which "
            "this Python does not have, and its geometry is not in the asset cache yet; run synthscape from "
            "its headless install (pip install -e '.[headless]', which has bpy) or inside Blender once")
    geometry = reader(path, kind, name)
    if len(geometry.triangles) == 0:
        raise BlendAssetError(f"{path}: {kind} {name!r} has no faces to render (no mesh, or only "
                              "hidden or empty objects); give an object or collection with mesh geometry")
    if not np.isfinite(geometry.vertices).all():
        raise BlendAssetError(f"{path}: {kind} {name!r} has NaN or infinite vertex coordinates")
    return geometry


def _save_arrays(target: Path, geometry: BlendGeometry) -> None:
    """Write the arrays completely under a temporary name, then rename (no half-written entry)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp.npz")
    np.savez(temporary, vertices=np.asarray(geometry.vertices, np.float64),
             triangles=np.asarray(geometry.triangles, np.int32))
    os.replace(temporary, target)


__all__ = ["BLEND_ENTRY_FIELDS", "BLEND_KINDS", "BlendAssetError", "BlendGeometry", "BlendReader",
           "BlendReaderMissing", "blend_cache_key", "blend_entry_geometry", "blend_entry_info", "blend_geometry",
           "blend_reader", "check_blend_file", "entry_datablock", "register_blend_reader"]
