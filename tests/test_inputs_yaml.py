"""Issue 11 items 10-12: hostile or mistaken YAML (alias bombs, deep nesting, duplicate keys,
encodings) is refused quickly with exit 2, naming the file, the key and the line."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthscape.errors import RecipeError
from synthscape.recipe.load import load_recipe
from tests.conftest import REPO
from tests.test_inputs_support import CUBE, assert_refused, validate_cli, write_text


def alias_bomb(levels: int, under: str = "location") -> str:
    """A recipe whose ``under`` choice nests ``levels`` aliases, each repeating the last 9 times."""
    lines = ["objects:", "- category: box", "  shape: cube"]
    lines += ["  location:", "    choice:"] if under == "location" else \
        ["  material:", "    base_color:", "      choice:"]
    indent = "    " if under == "location" else "      "
    lines.append(f"{indent}- &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]")
    for level in range(1, levels):
        lines.append(f"{indent}- &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("under", ["location", "base_color"])
def test_a_nine_level_alias_bomb_fails_fast_with_exit_2(tmp_path: Path, under: str) -> None:
    """9 levels expand to ~4e8 values; before the fix validate ran past 120 s and 3 GB."""
    path = write_text(tmp_path, alias_bomb(9, under))
    assert path.stat().st_size < 700
    code = ("import sys, time\nfrom synthscape.recipe.load import load_recipe\n"
            "from synthscape.errors import RecipeError\nstart = time.perf_counter()\n"
            f"try:\n    load_recipe({str(path)!r})\nexcept RecipeError as error:\n"
            "    print(len(str(error)), time.perf_counter() - start)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    length, seconds = done.stdout.split()
    assert float(seconds) < 0.5 and int(length) < 500, done.stdout + done.stderr
    output = assert_refused(path, "", "alias")
    assert len(output) < 500


def test_a_bomb_under_the_node_limit_gives_a_short_message(tmp_path: Path) -> None:
    """5 levels (~66k values) pass the size bound; the error must not echo the whole expansion
    (before the fix it quoted all of it, ~180 kB)."""
    levels = ["&a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    levels += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 5)]
    text = CUBE.replace("}", ", location: {choice: [[" + ", ".join(levels) + "]]}}")
    output = assert_refused(write_text(tmp_path, text), "objects[0].location", "each choice")
    assert len(output) < 1000, len(output)


def test_a_six_level_bomb_gives_a_short_message(tmp_path: Path) -> None:
    """Before the fix, 6 levels gave a 5.8 MB message."""
    output = validate_cli(write_text(tmp_path, alias_bomb(6))).output
    assert len(output) < 1000 and "alias" in output


def test_long_values_are_truncated_in_messages(tmp_path: Path) -> None:
    vector = "[" + ", ".join(["1"] * 2000) + "]"
    output = assert_refused(write_text(tmp_path, CUBE + f"camera: {{target: {vector}}}\n"),
                            "camera.target", "expected a list of 3")
    assert len(output) < 1000


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    assert_refused(write_text(tmp_path, "objects: &a [*a]\n"), "", "alias")


def test_aliases_and_merge_keys_still_work(tmp_path: Path) -> None:
    text = ("objects:\n- &box {category: box, shape: cube, scale: &s 0.2}\n"
            "- <<: *box\n  category: ball\n  scale: *s\n")
    recipe = load_recipe(write_text(tmp_path, text))
    assert [g.category for g in recipe.objects] == ["box", "ball"]
    assert recipe.objects[1].shape == "cube"


@pytest.mark.parametrize("levels, key", [
    (100, "objects[0].location[0][0][0][0][0]..."),  # the composer stops it, naming the key
    (3000, ""), (100_000, ""),  # the scanner stops it first, naming line and column
])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, levels: int, key: str) -> None:
    text = CUBE.replace("}", ", location: " + "[" * levels + "]" * levels + "}")
    start = time.perf_counter()
    output = assert_refused(write_text(tmp_path, text), key, "nested", "line 2")
    assert time.perf_counter() - start < 5 and len(output) < 500


def test_deep_block_nesting_names_the_line(tmp_path: Path) -> None:
    text = "objects:\n" + "".join("  " * i + "- \n" for i in range(500))
    assert_refused(write_text(tmp_path, text), "objects[0][0][0][0][0][0][0]...", "line 66", "nested")


def test_deep_data_from_python_is_a_recipe_error() -> None:
    from synthscape.recipe.load import parse_recipe

    location: list = []
    for _ in range(5000):
        location = [location]
    with pytest.raises(RecipeError, match="nested too deeply|expected"):
        parse_recipe({"objects": [{"category": "box", "shape": "cube", "location": location}]})


def test_duplicate_top_level_keys_are_refused(tmp_path: Path) -> None:
    text = "camera: {distance: 1}\n" + CUBE + "camera: {distance: 2}\n"
    assert_refused(write_text(tmp_path, text), "camera", "duplicate key 'camera'", "line 4", "line 1")


def test_duplicate_nested_keys_are_refused(tmp_path: Path) -> None:
    text = CUBE + "camera:\n  distance: 1\n  elevation: 30\n  distance: 2\n"
    assert_refused(write_text(tmp_path, text), "camera.distance", "duplicate key 'distance'",
                   "line 6", "first given on line 4")


def test_duplicate_keys_in_a_list_item_are_refused(tmp_path: Path) -> None:
    text = "objects:\n- {category: a, shape: cube}\n- {category: b, shape: cube, category: c}\n"
    assert_refused(write_text(tmp_path, text), "objects[1].category", "duplicate key")


def test_a_latin1_recipe_is_refused_with_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(("description: caf\u00e9\n" + CUBE).encode("latin-1"))
    assert_refused(path, "", "not UTF-8", "0xe9", "line 1")


def test_utf16_without_a_byte_order_mark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "utf16le.yaml"
    path.write_bytes(CUBE.encode("utf-16-le"))
    assert_refused(path, "", "UTF-16", "UTF-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_recipes_with_a_byte_order_mark_are_read(tmp_path: Path, encoding: str) -> None:
    """The YAML specification requires UTF-16/32 with a BOM to be read; PyYAML does the same."""
    path = tmp_path / "bom.yaml"
    path.write_bytes(("description: caf\u00e9\n" + CUBE).encode(encoding))
    recipe = load_recipe(path)
    assert recipe.description == "caf\u00e9" and recipe.objects[0].category == "box"
    assert validate_cli(path).exit_code == 0
