"""Features whose library is missing (CoACD, python-fcl: not bundled everywhere) say so clearly."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from synthscape.errors import SynthscapeError
from synthscape.extension.wheels import ROOTS
from synthscape.io.optional import import_optional


def test_a_missing_package_names_the_feature_and_the_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "coacd", None)  # import coacd raises ImportError
    with pytest.raises(SynthscapeError, match=r"collision: decomposition needs the 'coacd' package.*pip install coacd"):
        import_optional("coacd", "coacd", "collision: decomposition")


def test_decomposition_without_coacd_is_a_clear_error(monkeypatch) -> None:
    from synthscape.assets.collision import decompose

    monkeypatch.setitem(sys.modules, "coacd", None)
    cube = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], dtype=float)
    with pytest.raises(SynthscapeError, match="coacd"):
        decompose(cube, np.array([[0, 1, 2]]))


def test_the_extension_bundles_fcl_for_collision_free_placement() -> None:
    assert "python-fcl" in ROOTS and "coacd" not in ROOTS
