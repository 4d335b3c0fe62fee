"""Content-addressed texture cache: one image (plus the received original) and a JSON sidecar.

Layout under the cache directory::

    <key[:2]>/<key>.json            sidecar, written last: its presence marks a complete entry
    <key[:2]>/<key>.<ext>           the texture to render (tileable when asked)
    <key[:2]>/<key>.source.<ext>    the image exactly as the provider returned it, when the
                                    texture was changed (seam blending, seam edit)

``key`` is the sha256 of the canonical JSON of the request's key fields (provider, model,
prompt, size, quality, output format, variant index, tile method and, for servers other than
the official OpenAI API, the base URL with its credentials masked). Every file is written to
a temporary name and renamed, so a failed texture never leaves a partial entry, and an entry
whose image no longer decodes (:func:`~synthscape.textures.check.check_image_file`) counts as
missing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

from synthscape.io.atomic import write_bytes_atomic, write_text_atomic
from synthscape.textures.check import is_readable_image

EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


def default_cache_dir() -> Path:
    """``<user cache dir>/synthscape/textures`` (e.g. ``~/.cache/synthscape/textures``)."""
    return Path(user_cache_dir("synthscape")) / "textures"


def cache_key(fields: dict[str, Any]) -> str:
    """sha256 hex digest of the canonical JSON of ``fields``."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedTexture:
    """A complete cache entry."""

    path: Path
    """Absolute path of the texture to render."""
    sidecar: dict[str, Any]


class TextureCache:
    """Reads and writes entries under ``root``."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()

    def sidecar_path(self, key: str) -> Path:
        """Where the sidecar of ``key`` lives."""
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> CachedTexture | None:
        """The entry for ``key``, or None when missing, incomplete or not a readable image."""
        sidecar_path = self.sidecar_path(key)
        if not sidecar_path.is_file():
            return None
        try:
            sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        image = sidecar_path.parent / str(sidecar.get("file", ""))
        if not sidecar.get("file") or not image.is_file() or not is_readable_image(image):
            return None
        return CachedTexture(image.resolve(), sidecar)

    def put(self, key: str, data: bytes, mime: str, sidecar: dict[str, Any],
            source: tuple[bytes, str] | None = None) -> CachedTexture:
        """Store a texture (and optionally the received original) and then its sidecar.

        Args:
            key: from :func:`cache_key`.
            data: encoded texture bytes.
            mime: MIME type of ``data``.
            sidecar: JSON-serializable facts; ``file`` / ``source_file`` are filled in here.
            source: (bytes, mime) of the image as received, when ``data`` differs from it.
        """
        folder = self.root / key[:2]
        record = dict(sidecar, key=key, file=f"{key}{EXTENSIONS.get(mime, '.bin')}")
        if source is not None:
            record["source_file"] = f"{key}.source{EXTENSIONS.get(source[1], '.bin')}"
            write_bytes_atomic(folder / record["source_file"], source[0])
        write_bytes_atomic(folder / record["file"], data)
        write_text_atomic(self.sidecar_path(key), json.dumps(record, indent=1, sort_keys=True,
                                                             default=str))
        return CachedTexture((folder / record["file"]).resolve(), record)
