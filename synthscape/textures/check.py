"""Decoding and checking images before anything uses them (no bpy).

A corrupt image renders magenta in Blender with no error, so every image is decoded here
first: textures and environment maps of a recipe when it is loaded
(:func:`recipe_image_problems`), generated textures before they are cached
(:func:`check_image_bytes`) and cached textures before they are reused.

Decoders: Pillow for 8/16-bit formats (PNG, JPEG, WebP, TIFF), OpenEXR for ``.exr`` and
OpenCV for Radiance ``.hdr`` (when OpenCV is importable; inside Blender, which ships no
OpenCV, only the ``.hdr`` header is checked). An image passes when it decodes completely,
has a width and height > 0 and, for float images, only finite values.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

_CHECKED: dict[tuple[str, int, int], tuple[int, int]] = {}
"""(resolved path, size, mtime_ns) -> (width, height) of files already decoded in this process."""
_HDR_RESOLUTION = re.compile(rb"^[-+][XY] +(\d+) +[-+][XY] +(\d+)$")


class UnreadableImageError(ValueError):
    """An image that cannot be used: undecodable, truncated, empty or with non-finite values."""


def _finite_size(pixels: np.ndarray, what: str) -> tuple[int, int]:
    if pixels.ndim < 2 or pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise UnreadableImageError(f"{what} has no pixels (shape {pixels.shape})")
    if pixels.dtype.kind == "f" and not np.isfinite(pixels).all():
        bad = int((~np.isfinite(pixels)).sum())
        raise UnreadableImageError(f"{what} holds {bad} NaN or infinite value(s)")
    return int(pixels.shape[1]), int(pixels.shape[0])


def check_image_bytes(data: bytes, what: str = "image") -> tuple[int, int]:
    """Decode PNG/JPEG/WebP/TIFF bytes completely with Pillow.

    Returns:
        (width, height).

    Raises:
        UnreadableImageError: the bytes are not a complete image of a format Pillow reads.
    """
    if not data:
        raise UnreadableImageError(f"{what} is empty (0 bytes)")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            pixels = np.asarray(image)
    except Image.UnidentifiedImageError:   # its text is the repr of our BytesIO (a memory address)
        raise UnreadableImageError(f"{what} is not a readable image (not PNG, JPEG, WebP or TIFF data, "
                                   "or damaged)") from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UnreadableImageError(f"{what} is not a readable image ({exc})") from None
    return _finite_size(pixels, what)


def _check_exr(path: Path) -> tuple[int, int]:
    from synthscape.io.images import read_exr

    try:
        channels = read_exr(path)
    except Exception as exc:  # noqa: BLE001 - OpenEXR raises RuntimeError, ValueError, ...
        raise UnreadableImageError(f"OpenEXR cannot read it ({exc})") from None
    if not channels:
        raise UnreadableImageError("the EXR file holds no channels")
    sizes = {_finite_size(np.asarray(pixels), f"channel {name!r}") for name, pixels in channels.items()}
    return max(sizes)


def _check_hdr_header(data: bytes) -> tuple[int, int]:
    header, sep, rest = data.partition(b"\n\n")
    if not header.startswith((b"#?RADIANCE", b"#?RGBE")) or not sep:
        raise UnreadableImageError("not a Radiance HDR file (no '#?RADIANCE' header)")
    resolution = _HDR_RESOLUTION.match(rest.split(b"\n", 1)[0].strip())
    if resolution is None or not rest.partition(b"\n")[2]:
        raise UnreadableImageError("Radiance HDR header has no resolution line or no pixel data")
    height, width = int(resolution.group(1)), int(resolution.group(2))
    if width == 0 or height == 0:
        raise UnreadableImageError(f"Radiance HDR image is {width}x{height}")
    return width, height


def _check_hdr(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    size = _check_hdr_header(data)
    try:
        import cv2
    except ImportError:   # inside Blender: header check only
        return size
    level = cv2.getLogLevel()
    cv2.setLogLevel(0)   # our message says what is wrong; OpenCV's own line would only confuse
    try:
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
    finally:
        cv2.setLogLevel(level)
    if pixels is None:
        raise UnreadableImageError("OpenCV cannot decode the Radiance HDR pixel data "
                                   "(truncated or corrupt)")
    return _finite_size(pixels, "the image")


def _decode_file(path: Path) -> tuple[int, int]:
    suffix = path.suffix.lower()
    if suffix == ".exr":
        return _check_exr(path)
    if suffix == ".hdr":
        return _check_hdr(path)
    return check_image_bytes(path.read_bytes(), "the file")


def check_image_file(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Decode an image file completely (memoized per path, size and modification time).

    Returns:
        (width, height).

    Raises:
        UnreadableImageError: the file is missing, unreadable, corrupt, empty or non-finite.
    """
    file = Path(path)
    try:
        stat = file.stat()
    except OSError as exc:
        raise UnreadableImageError(f"cannot read it ({exc.strerror or exc})") from None
    memo = (str(file.resolve()), stat.st_size, stat.st_mtime_ns)
    if memo not in _CHECKED:
        if stat.st_size == 0:
            raise UnreadableImageError("the file is empty (0 bytes)")
        try:
            _CHECKED[memo] = _decode_file(file)
        except OSError as exc:
            raise UnreadableImageError(f"cannot read it ({exc.strerror or exc})") from None
    return _CHECKED[memo]


def is_readable_image(path: str | os.PathLike[str]) -> bool:
    """True when :func:`check_image_file` accepts ``path``."""
    try:
        check_image_file(path)
    except UnreadableImageError:
        return False
    return True


def _file_problem(key: str, path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    try:
        check_image_file(path)
    except UnreadableImageError as exc:
        return [(key, f"image {str(path)!r} cannot be used: {exc}; replace or re-export the file")]
    return []


def _texture_problems(key: str, texture: Any) -> list[tuple[str, str]]:
    """Problems of one material's ``texture`` (a file, a folder pool or a generated pool)."""
    source = getattr(texture, "source", None)
    if source == "file":
        return _file_problem(f"{key}.path", texture.path)
    if source != "folder" or texture.folder is None:
        return []
    from synthscape.textures.errors import TextureError
    from synthscape.textures.providers import FolderProvider

    try:
        provider = FolderProvider(Path(texture.folder))
    except TextureError as exc:
        return [(f"{key}.folder", f"{exc}; add images or point the key at another folder")]
    problems = []
    for variant in range(min(texture.pool, len(provider.files))):
        problems += _file_problem(f"{key}.folder", provider.pick(variant))
    return problems


def recipe_image_problems(recipe: Any) -> list[tuple[str, str]]:
    """``(key path, message)`` for every user image of a validated recipe that cannot be used.

    Checks ``world.hdri``, every ``texture: {source: file, path}`` and, for ``source: folder``
    pools, the folder's images that the pool will use (an empty folder is a problem too).
    Generated textures are checked when they arrive (:func:`check_image_bytes`).

    Args:
        recipe: a :class:`synthscape.recipe.schema.Recipe` (read by attribute only).
    """
    problems: list[tuple[str, str]] = []
    hdri = getattr(getattr(recipe, "world", None), "hdri", None)
    for file in (hdri.paths() if hasattr(hdri, "paths") else [hdri] if hdri else []):   # a file or a library
        problems += _file_problem("world.hdri", file)
    materials = [(f"objects[{i}].material", group.material) for i, group in enumerate(recipe.objects)]
    if getattr(recipe, "ground", None) is not None:
        materials.append(("ground.material", recipe.ground.material))
    for key, material in materials:
        if getattr(material, "texture", None) is not None:
            problems += _texture_problems(f"{key}.texture", material.texture)
    return problems
