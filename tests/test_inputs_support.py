"""Helpers shared by the ``test_inputs_*`` files (bad recipes through ``load_recipe`` and the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from synthscape.errors import RecipeError
from synthscape.recipe.load import load_recipe

CUBE = "objects:\n- {category: box, shape: cube}\n"
"""The smallest valid recipe, as YAML text."""


def write_text(tmp_path: Path, text: str, name: str = "recipe.yaml") -> Path:
    """Write ``text`` as ``tmp_path/name`` and return the path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def validate_cli(path: Path) -> Result:
    """``synthscape validate PATH`` in this process (click's CliRunner)."""
    from headless.cli import main

    return CliRunner().invoke(main, ["validate", str(path)])


def assert_refused(path: Path, key: str, *words: str) -> str:
    """``load_recipe`` raises a RecipeError naming ``path`` and ``key``; ``validate`` exits 2 saying so.

    Returns:
        The CLI's output.
    """
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    message = str(info.value)
    assert str(path) in message
    assert any(k == key for k, _ in info.value.problems), message
    for word in words:
        assert word in message, message
    result = validate_cli(path)
    assert result.exit_code == 2, result.output
    assert key in result.output and "Traceback" not in result.output, result.output
    for word in words:
        assert word in result.output, result.output
    return result.output
