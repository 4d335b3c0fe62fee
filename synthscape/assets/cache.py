"""A content-addressed cache of per-asset preprocessing: computed once, reused by every frame,
worker and rerun.

Layout under the cache directory (``SYNTHSCAPE_ASSET_CACHE``, else
``<user cache dir>/synthscape/assets``)::

    <kind>/<key[:2]>/<key>.json        the entry's JSON, written last (atomically): it marks
                                       a complete entry
    <kind>/<key[:2]>/<key>.<suffix>    files the entry owns (a decomposition, a generated mesh)

``key`` is the sha256 of the canonical JSON of what the result depends on: the asset file's
content hash (never its path or mtime) and the preprocessing parameters.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

from synthscape.io.atomic import write_text_atomic

CACHE_ENV = "SYNTHSCAPE_ASSET_CACHE"


def asset_cache_dir() -> Path:
    """``$SYNTHSCAPE_ASSET_CACHE``, else ``<user cache dir>/synthscape/assets``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser() if configured else Path(user_cache_dir("synthscape")) / "assets"


@functools.lru_cache(maxsize=4096)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 hex digest of a file's bytes (memoized per path, size and mtime in this process)."""
    stat = os.stat(path)
    return _file_sha256(os.fspath(path), stat.st_size, stat.st_mtime_ns)


def cache_key(fields: dict[str, Any]) -> str:
    """sha256 hex digest of the canonical JSON of ``fields``."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class CacheStats:
    """Hits and misses since the process started (or since :meth:`reset`), per kind."""

    hits: dict[str, int] = field(default_factory=dict)
    misses: dict[str, int] = field(default_factory=dict)

    def hit_rate(self, kind: str | None = None) -> float:
        """Hits / lookups (all kinds when ``kind`` is None); 0 when nothing was looked up."""
        kinds = [kind] if kind else sorted(set(self.hits) | set(self.misses))
        hits = sum(self.hits.get(k, 0) for k in kinds)
        total = hits + sum(self.misses.get(k, 0) for k in kinds)
        return hits / total if total else 0.0

    def reset(self) -> None:
        """Forget the counts."""
        self.hits.clear()
        self.misses.clear()


STATS = CacheStats()
_LOCK = threading.Lock()


class AssetCache:
    """Entries under ``root`` (default :func:`asset_cache_dir`)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else asset_cache_dir()

    def entry_path(self, kind: str, key: str, suffix: str = ".json") -> Path:
        """Where an entry's JSON (or one of its files, by ``suffix``) lives."""
        return self.root / kind / key[:2] / f"{key}{suffix}"

    def load_or_compute(self, kind: str, key: str,
                        compute: Callable[[Callable[[str], Path]], dict[str, Any]]) -> dict[str, Any]:
        """The entry ``kind/key``: read from disk, or computed once and stored.

        Args:
            kind: the kind of preprocessing (``mesh_info``, ``collision``, ``procedural``...).
            key: :func:`cache_key` of everything the result depends on.
            compute: called on a miss with a function that maps a suffix to the path of a file
                the entry may write (write it completely before returning); returns the
                entry's JSON-ready dict.
        """
        path = self.entry_path(kind, key)
        entry = _read_json(path)
        with _LOCK:
            counts = STATS.hits if entry is not None else STATS.misses
            counts[kind] = counts.get(kind, 0) + 1
        if entry is not None:
            return entry
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = compute(lambda suffix: self.entry_path(kind, key, suffix))
        write_text_atomic(path, json.dumps(entry, sort_keys=True))
        return entry


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
