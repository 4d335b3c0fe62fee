"""PBR texture sets on disk: discovery in the ambientCG and Poly Haven layouts (pure Python).

A texture *set* is the maps of one material that share a file-name prefix: ambientCG's
``Wood049_1K-JPG_Color.jpg``, ``..._Roughness.jpg``, ``..._NormalGL.jpg`` or Poly Haven's
``brick_wall_001_diff_1k.jpg``, ``..._rough_1k.jpg``, ``..._nor_gl_1k.exr``. Sets may sit one per
folder or several side by side in one folder. A set needs a colour map; every other map is
optional. Map names (case-insensitive, after the set prefix and ``_``, ``-``, ``.`` or a space,
optionally followed by a resolution such as ``_1k``):

========================  =====================================================================
role                      names
========================  =====================================================================
colour (sRGB)             ``Color``, ``BaseColor``, ``Colour``, ``Albedo``, ``Diffuse``, ``diff``, ``col``
roughness                 ``Roughness``, ``rough``
normal, OpenGL (+Y)       ``NormalGL``, ``nor_gl``
normal, DirectX (-Y)      ``NormalDX``, ``nor_dx``
normal, unspecified       ``Normal``, ``nor``, ``nrm`` (taken as OpenGL unless the library says ``dx``)
metalness                 ``Metalness``, ``Metallic``, ``metal``
displacement (height)     ``Displacement``, ``disp``, ``Height``
ambient occlusion         ``AmbientOcclusion``, ``ao``
========================  =====================================================================

Files: ``.png``, ``.jpg``/``.jpeg``, ``.exr``, ``.tif``/``.tiff``. When a set has one map in
several formats the first of that order is used; when it has both normal conventions the
OpenGL map is used. Sets with the same prefix but another resolution suffix (``_1k``,
``_2k``) are separate sets named with the suffix.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from synthscape.assets.cache import AssetCache, cache_key, file_sha256

MAP_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr")
"""Image formats of texture maps, in order of preference when a map exists in several."""

NormalConvention = Literal["gl", "dx"]

MAP_TOKENS: dict[str, tuple[str, ...]] = {
    "color": ("basecolor", "base_color", "color", "colour", "albedo", "diffuse", "diff", "col"),
    "roughness": ("roughness", "rough"),
    "normal_gl": ("normalgl", "normal_gl", "nor_gl"),
    "normal_dx": ("normaldx", "normal_dx", "nor_dx"),
    "normal": ("normal", "nor", "nrm"),
    "metalness": ("metalness", "metallic", "metal"),
    "displacement": ("displacement", "disp", "height"),
    "ao": ("ambientocclusion", "ambient_occlusion", "ao"),
}
"""Map role -> the lower-case names that mark it at the end of a file name."""

_TOKEN_ROLE = {token: role for role, tokens in MAP_TOKENS.items() for token in tokens}
_MAP_NAME = re.compile(
    r"^(?P<set>.+?)[_\-. ](?P<map>" + "|".join(sorted(map(re.escape, _TOKEN_ROLE), key=len, reverse=True))
    + r")(?:[_\-](?P<res>\d+k))?$", re.IGNORECASE)
MAX_LISTED_FILES = 12
"""How many of a folder's files an error message names."""


class MaterialLibraryError(ValueError):
    """A material library folder holds no usable texture set (the message names the files found)."""


@dataclass(frozen=True)
class PbrSet:
    """One texture set: absolute paths of its maps (None = the set has no such map)."""

    name: str
    """The set's name: its file prefix (with the resolution suffix, if any)."""
    color: str
    roughness: str | None = None
    normal: str | None = None
    normal_convention: NormalConvention = "gl"
    """``gl``: +Y (OpenGL, Blender's convention); ``dx``: -Y (DirectX, green flipped when rendered)."""
    metalness: str | None = None
    displacement: str | None = None
    ao: str | None = None


def parse_map_name(path: Path) -> tuple[str, str] | None:
    """``(set name, role)`` of a texture map's file name, or None when it names no map."""
    if path.suffix.lower() not in MAP_SUFFIXES:
        return None
    match = _MAP_NAME.match(path.stem)
    if match is None:
        return None
    name = match.group("set") + (f"_{match.group('res')}" if match.group("res") else "")
    return name, _TOKEN_ROLE[match.group("map").lower()]


def _preferred(paths: list[Path]) -> Path:
    return min(paths, key=lambda p: (MAP_SUFFIXES.index(p.suffix.lower()), p.name))


def _build_set(name: str, maps: dict[str, list[Path]], unspecified_normal: NormalConvention) -> PbrSet | None:
    """The set of one prefix's maps, or None without a colour map."""
    if "color" not in maps:
        return None
    chosen = {role: str(_preferred(paths)) for role, paths in maps.items()}
    if "normal_gl" in chosen:
        normal, convention = chosen["normal_gl"], "gl"
    elif "normal_dx" in chosen:
        normal, convention = chosen["normal_dx"], "dx"
    else:
        normal, convention = chosen.get("normal"), unspecified_normal
    return PbrSet(name=name, color=chosen["color"], roughness=chosen.get("roughness"), normal=normal,
                  normal_convention=convention, metalness=chosen.get("metalness"),
                  displacement=chosen.get("displacement"), ao=chosen.get("ao"))


def _image_files(folder: Path, recursive: bool) -> list[Path]:
    found = folder.rglob("*") if recursive else folder.glob("*")
    return sorted(p for p in found if p.is_file() and not p.name.startswith("."))


def _found_files_text(folder: Path, files: list[Path]) -> str:
    if not files:
        return "it holds no files"
    names = [str(p.relative_to(folder)) for p in files[:MAX_LISTED_FILES]]
    more = f" and {len(files) - MAX_LISTED_FILES} more" if len(files) > MAX_LISTED_FILES else ""
    return f"found {len(files)} file(s): {', '.join(names)}{more}"


@functools.lru_cache(maxsize=64)
def _discover(folder: str, pattern: str, recursive: bool, unspecified_normal: NormalConvention,
              stamp: float) -> tuple[PbrSet, ...]:
    root = Path(folder)
    files = _image_files(root, recursive)
    groups: dict[tuple[Path, str], dict[str, list[Path]]] = {}
    for path in files:
        parsed = parse_map_name(path)
        if parsed is not None:
            groups.setdefault((path.parent, parsed[0]), {}).setdefault(parsed[1], []).append(path)
    sets = []
    for (parent, name), maps in sorted(groups.items()):
        label = name if parent == root else f"{parent.relative_to(root).as_posix()}/{name}"
        if not fnmatch.fnmatch(name.lower(), pattern.lower()) and not fnmatch.fnmatch(label.lower(), pattern.lower()):
            continue
        built = _build_set(label, maps, unspecified_normal)
        if built is not None:
            sets.append(built)
    if not sets:
        which = f" matching pattern {pattern!r}" if pattern != "*" else ""
        raise MaterialLibraryError(
            f"no PBR texture set{which} in {root} ({_found_files_text(root, files)}); a set needs a colour map "
            "named like <Set>_Color.png (ambientCG) or <set>_diff_1k.jpg (Poly Haven), "
            f"in {', '.join(MAP_SUFFIXES)}")
    return tuple(sets)


def discover_pbr_sets(folder: str | Path, pattern: str = "*", recursive: bool = True,
                      unspecified_normal: NormalConvention = "gl") -> tuple[PbrSet, ...]:
    """Every texture set under ``folder``, sorted by folder and name.

    Args:
        folder: the library folder (absolute, or relative to the working directory).
        pattern: a glob on set names (case-insensitive), e.g. ``Wood*``; a set in a subfolder also
            matches by ``subfolder/name``.
        recursive: look in subfolders too (one folder per set).
        unspecified_normal: the convention of maps named just ``Normal``.

    Raises:
        MaterialLibraryError: ``folder`` is not a folder, or holds no set with a colour map
            (the message lists the files it found).
    """
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise MaterialLibraryError(f"folder not found: {root}")
    return _discover(str(root), pattern, recursive, unspecified_normal, root.stat().st_mtime)


def _srgb_to_linear(values: np.ndarray) -> np.ndarray:
    return np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)


def _decode_mean(path: str) -> tuple[float, float, float]:
    """Mean linear RGB of an image file (sRGB-decoded unless it is an EXR)."""
    if path.lower().endswith(".exr"):
        from synthscape.io.images import read_exr

        channels = read_exr(path)
        if "RGB" in channels:
            pixels = np.asarray(channels["RGB"], dtype=np.float64)[..., :3]
        else:
            names = [c for c in ("R", "G", "B") if c in channels] or sorted(channels)[:1]
            pixels = np.stack([np.asarray(channels[n], np.float64) for n in (names * 3)[:3]], axis=-1)
        mean = np.clip(pixels.reshape(-1, 3).mean(axis=0), 0.0, None)
        return (float(mean[0]), float(mean[1]), float(mean[2]))
    from PIL import Image

    with Image.open(path) as image:
        image.draft("RGB", (512, 512))   # JPEG: decode at a reduced size, enough for a mean
        rgb = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
    mean = _srgb_to_linear(rgb).reshape(-1, 3).mean(axis=0)
    return (float(mean[0]), float(mean[1]), float(mean[2]))


def color_map_mean(path: str) -> tuple[float, float, float]:
    """Mean linear RGB of a colour map, rounded to 4 decimals; cached by the file's hash.

    Used for LiDAR reflectivity (base colour x this mean), so a dark texture reflects less.

    Raises:
        ValueError: the image cannot be decoded (the message names the file).
    """
    key = cache_key({"file_sha256": file_sha256(path), "what": "color_map_mean", "version": 1})

    def compute(_: object) -> dict[str, list[float]]:
        try:
            mean = _decode_mean(path)
        except Exception as error:  # noqa: BLE001 - Pillow/OpenEXR raise many types
            raise ValueError(f"{path}: cannot read this colour map ({error})") from None
        return {"mean": [round(v, 4) for v in mean]}

    mean = AssetCache().load_or_compute("color_map_mean", key, compute)["mean"]
    return (float(mean[0]), float(mean[1]), float(mean[2]))
