"""Shared test fixtures and helpers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCENES = REPO / "scenes"

HAS_BPY = importlib.util.find_spec("bpy") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``blender`` need the bpy module; CI installs it, so they must not skip there."""
    if HAS_BPY:
        return
    skip = pytest.mark.skip(reason="bpy is not installed (pip install -e '.[headless]')")
    for item in items:
        if "blender" in item.keywords:
            item.add_marker(skip)
