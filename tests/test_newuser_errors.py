"""A new user's bad recipes (issues 13 and 15): one message, naming the key as it is written in the recipe.

Found by trying the CLI as a new user: pydantic's names for union members (the trajectory tag
``orbit``, the ``library``/``file``/``generated`` tags, ``list[str]``) leaked into the key paths, a
single built-in HDRI name gave two messages, a mistyped trajectory gave pydantic's tag wording, and
``category`` next to ``category_from: folder`` was silently ignored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_inputs_support import CUBE, assert_refused, write_text

SEQUENCE = CUBE + "frames: 2\nsequence: {frames: 2, fps: 10, camera: {trajectory: orbit, angular_speed: %s}}\n"


UNION_MEMBER_ERRORS = [
    (SEQUENCE % "fast", "sequence.camera.angular_speed", ("expected a number",)),
    (CUBE + "frames: 2\nsequence: {frames: 2, camera: {trajectory: orbit, angular_sped: 3}}\n",
     "sequence.camera.angular_sped", ("unknown key",)),
    (CUBE + "world: {hdri: {folder: nope}}\n", "world.hdri.folder", ("folder not found",)),
    (CUBE + "world: {hdri: {builtins: [forest]}}\n", "world.hdri.builtins", ("unknown key",)),
    ("objects:\n- {category: box, shape: cube, material: {texture: {path: x.png, sise: 1}}}\n",
     "objects[0].material.texture.sise", ("unknown key",)),
]


@pytest.mark.parametrize(("text", "key", "words"), UNION_MEMBER_ERRORS, ids=[key for _, key, _ in UNION_MEMBER_ERRORS])
def test_union_members_do_not_appear_in_the_key_path(tmp_path: Path, text: str, key: str,
                                                     words: tuple[str, ...]) -> None:
    output = assert_refused(write_text(tmp_path, text), key, *words)
    for leaked in (".orbit.", ".library.", ".file.", ".generated."):
        assert leaked not in output, output


def test_a_mistyped_trajectory_names_the_trajectory_key_and_the_choices(tmp_path: Path) -> None:
    text = CUBE + "frames: 2\nsequence: {frames: 2, camera: {trajectory: orbitt}}\n"
    output = assert_refused(write_text(tmp_path, text), "sequence.camera.trajectory", "'orbitt'",
                            "'orbit'", "'random_walk'")
    assert "Input tag" not in output, output


def test_a_single_builtin_hdri_name_is_one_message_showing_the_list_form(tmp_path: Path) -> None:
    output = assert_refused(write_text(tmp_path, CUBE + "world: {hdri: {builtin: forest}}\n"),
                            "world.hdri.builtin", "builtin: [forest]", "all")
    assert output.count("world.hdri") == 1 and "list[str]" not in output, output


def test_category_next_to_category_from_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "lib" / "rocks").mkdir(parents=True)
    (tmp_path / "lib" / "rocks" / "a.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n"
                                                      "f 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n")
    text = "objects:\n- {category: rock, category_from: folder, meshes: {folder: lib, recursive: true}}\n"
    assert_refused(write_text(tmp_path, text), "objects[0]", "'category'", "category_from: folder",
                   "remove one of the two")
