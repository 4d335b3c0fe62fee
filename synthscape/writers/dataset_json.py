"""``dataset.json``: the resolved recipe, seed, counts, versions, device and timings.

This is the only file of a dataset with timestamps, host names and timings. It must
never hold credentials: :func:`drop_secrets` removes every key that looks like one
(``*api_key*``, ``*token*``, ``*secret*``, ``*password*``, ...), redacts string
values that look like API keys and masks credentials inside URLs
(:func:`synthscape.textures.redact.redact_url`), whatever the caller passes in.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from synthscape.io.atomic import write_text_atomic
from synthscape.textures.redact import redact_text

log = logging.getLogger("synthscape.writers.dataset_json")

DATASET_FILE = "dataset.json"
DATASET_SCHEMA_VERSION = 1
SECRET_KEY_PARTS = ("api_key", "apikey", "token", "secret", "password", "passwd", "credential",
                    "authorization", "private_key")
_SECRET_VALUE = re.compile(r"^(sk-|sk_|ghp_|github_pat_|xox[abp]-|AKIA)[A-Za-z0-9_\-]{12,}$")
REDACTED = "<redacted>"


def is_secret_key(key: str) -> bool:
    """True for key names like ``OPENAI_API_KEY``, ``auth-token``, ``client_secret``."""
    norm = re.sub(r"[\s\-.]", "_", str(key).lower())
    return any(part in norm for part in SECRET_KEY_PARTS)


def drop_secrets(value: Any, path: str = "") -> Any:
    """A copy of ``value`` without secret-looking keys (at any depth) and with key-like strings redacted."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if is_secret_key(key):
                log.warning("dataset.json: dropped secret-looking key %s", where)
                continue
            out[key] = drop_secrets(item, where)
        return out
    if isinstance(value, (list, tuple)):
        return [drop_secrets(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str) and _SECRET_VALUE.match(value.strip()):
        log.warning("dataset.json: redacted a key-like value at %s", path)
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)   # user:pass@ and ?api-key= inside URLs
    return value


def dataset_record(*, recipe_dict: Mapping[str, Any], dataset_seed: int, frame_count: int,
                   versions: Mapping[str, Any], category_counts: Mapping[str, int],
                   timings: Mapping[str, Any], device_info: Mapping[str, Any],
                   extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``dataset.json`` dict, secrets removed (see :func:`drop_secrets`)."""
    record = {
        "schema_version": DATASET_SCHEMA_VERSION,
        "recipe": recipe_dict,
        "dataset_seed": int(dataset_seed),
        "frame_count": int(frame_count),
        "versions": versions,
        "category_counts": {str(k): int(v) for k, v in category_counts.items()},
        "timings": timings,
        "device": device_info,
    }
    clash = sorted(set(extra or {}) & set(record))
    if clash:
        raise ValueError(f"dataset.json: extra keys {clash} would replace fixed fields; rename them")
    return drop_secrets({**record, **(extra or {})})


def write_dataset_json(out_dir: str | os.PathLike[str], *, recipe_dict: Mapping[str, Any], dataset_seed: int,
                       frame_count: int, versions: Mapping[str, Any], category_counts: Mapping[str, int],
                       timings: Mapping[str, Any], device_info: Mapping[str, Any],
                       extra: Mapping[str, Any] | None = None) -> Path:
    """Atomically write ``out_dir/dataset.json`` (sorted keys, 2-space indent).

    Args:
        category_counts: annotated instances per category name, from the merged COCO
            (:func:`synthscape.writers.coco.category_counts`).
        timings: seconds, host, platform, finish time... (free-form, JSON-ready).
        extra: more top-level keys (e.g. ``recipe_path``); they may not replace fixed ones.

    Raises:
        ValueError: a key of ``extra`` clashes with a fixed field.
    """
    record = dataset_record(recipe_dict=recipe_dict, dataset_seed=dataset_seed, frame_count=frame_count,
                            versions=versions, category_counts=category_counts, timings=timings,
                            device_info=device_info, extra=extra)
    text = json.dumps(record, sort_keys=True, indent=2, default=str) + "\n"
    return write_text_atomic(Path(out_dir) / DATASET_FILE, text)
