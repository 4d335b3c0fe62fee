"""Shared test fixtures and helpers."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCENES = REPO / "scenes"

HAS_BPY = importlib.util.find_spec("bpy") is not None

# Per-asset preprocessing goes to a cache of this test session, never the user's (child processes inherit it).
os.environ.setdefault("SYNTHSCAPE_ASSET_CACHE", tempfile.mkdtemp(prefix="synthscape_test_assets_"))


@pytest.fixture(scope="module")
def renderer():
    """A CPU Cycles renderer shared by a test module's renders (needs bpy: mark the test ``blender``)."""
    from synthscape.blender.render import CyclesRenderer

    r = CyclesRenderer("cpu")
    yield r
    r.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``blender`` need the bpy module; CI installs it, so they must not skip there."""
    if HAS_BPY:
        return
    skip = pytest.mark.skip(reason="bpy is not installed (pip install -e '.[headless]')")
    for item in items:
        if "blender" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On CI (``CI`` set, as .ci/run runs) a skipped test fails the run: CI installs everything."""
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; on CI every test must run", red=True)
        session.exitstatus = 1
