"""A physics frame that fails its checks with ``on_failure: error``: exit 2 from the CLI, naming the recipe.

In its own module: the CLI's renderer resets Blender, which would pull the scene from under a
module's shared ``renderer`` fixture.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.blender


def test_on_failure_error_exits_2_naming_the_recipe_and_writes_no_frame(tmp_path) -> None:
    from click.testing import CliRunner

    from headless.cli import main

    recipe = tmp_path / "airborne.yaml"
    recipe.write_text("objects:\n- {category: part, shape: cube, scale: 0.02, count: 2, placement: physics, "
                      "on_failure: error}\nsupports:\n- {kind: bin}\n"
                      "physics: {time_cap: 0.02, rest_time: 0.0, drop_height: 0.3}\noutputs: [rgb, meta]\n")
    result = CliRunner().invoke(main, ["render", str(recipe), "--out", str(tmp_path / "out"), "--frames", "1",
                                       "--resolution", "32x24", "--samples", "1", "--device", "cpu"])
    assert result.exit_code == 2, result.output
    assert str(recipe) in result.output and "objects[0].on_failure" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "meta").exists() and not (tmp_path / "out" / "rgb").exists()
