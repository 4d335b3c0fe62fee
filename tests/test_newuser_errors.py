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


def test_a_corrupt_map_of_a_drawn_set_names_the_recipe_the_group_and_the_file(tmp_path: Path) -> None:
    from tests.test_inputs_support import validate_cli
    from tests.test_materials_lib_discovery import ambientcg_set

    sub = ambientcg_set(tmp_path / "lib", "Tiles074")
    (sub / "Tiles074_Color.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    path = write_text(tmp_path, "placement: {area: [3, 3]}\nobjects:\n- {category: box, shape: cube, scale: 0.1}\n"
                                "- {category: tile, shape: cube, scale: 0.1, material: {library: {folder: lib}}}\n")
    result = validate_cli(path)
    assert result.exit_code == 2, result.output
    assert f"{path}: objects[1].material.library: the color map" in result.output, result.output
    assert "Tiles074_Color.png" in result.output and "Traceback" not in result.output, result.output


def test_an_undecodable_image_message_has_no_memory_address() -> None:
    from synthscape.textures.check import UnreadableImageError, check_image_bytes

    with pytest.raises(UnreadableImageError) as error:
        check_image_bytes(b"definitely not an image", "the color map x.png")
    assert str(error.value) == ("the color map x.png is not a readable image (not PNG, JPEG, WebP or TIFF data, "
                                "or damaged)")


def test_preview_video_refuses_frames_instead_of_ignoring_them(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from headless.cli import main
    from tests.test_tracking_support import write_sequences

    write_sequences(tmp_path / "ds", (0,), 2, outputs=("rgb", "instance", "meta"))
    result = CliRunner().invoke(main, ["preview", str(tmp_path / "ds"), "--video", "--frames", "0",
                                       "--out", str(tmp_path / "v")])
    assert result.exit_code == 2, result.output
    assert "--frames" in result.output and "--sequences" in result.output, result.output
    assert not (tmp_path / "v").exists()


def test_an_analytic_motion_on_a_distractor_group_is_refused_not_ignored(tmp_path: Path) -> None:
    text = ("frames: 2\nsequence: {frames: 2, fps: 10}\nobjects:\n- {category: box, shape: cube, scale: 0.1}\n"
            "- {category: junk, shape: cube, scale: 0.1, label: false, motion: {linear_velocity: [1, 0, 0]}}\n")
    from tests.test_inputs_support import validate_cli

    path = write_text(tmp_path, text)
    result = validate_cli(path)
    assert result.exit_code == 2, result.output
    assert f"{path}: objects[1].motion: distractors (label: false)" in result.output, result.output
    assert "remove the motion" in result.output and "Traceback" not in result.output, result.output


def test_frames_left_to_the_default_say_so_when_they_are_not_whole_sequences(tmp_path: Path) -> None:
    from tests.test_inputs_support import validate_cli

    result = validate_cli(write_text(tmp_path, CUBE + "sequence: {frames: 3, fps: 10}\n"))
    assert result.exit_code == 2, result.output
    assert "frames (10, the default: the recipe sets none) must be a multiple of sequence.frames (3)" in result.output


@pytest.mark.parametrize(("meshes", "words"), [
    ("{folder: lib, patern: '*.obj'}", "folder: patern: unknown key (check the spelling; allowed: folder, pattern, "
                                       "recursive)"),
    ("[{path: lib/a.obj, wieght: 2}]", "entry 0: wieght: unknown key (check the spelling; allowed: path, weight)"),
], ids=["folder", "entry"])
def test_a_mistyped_mesh_library_key_lists_the_allowed_keys(tmp_path: Path, meshes: str, words: str) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n")
    text = f"objects:\n- category: rock\n  meshes: {meshes}\n"
    output = assert_refused(write_text(tmp_path, text), "objects[0].meshes", words)
    assert "Extra inputs" not in output, output


def test_the_kitti_seqmap_counts_the_frames_a_partial_sequence_spans(tmp_path: Path) -> None:
    """A partial merge (one shard of two done) keeps steps 0, 2, 4: the devkit needs 5 frames, not 3."""
    from tests.test_tracking_support import finalize, write_sequences

    length = 6
    done = [g for g in write_sequences(tmp_path, (0,), length, outputs=("rgb", "instance", "meta", "kitti_tracking"))
            if g % 2 == 0]
    finalize(tmp_path, done, ["kitti_tracking"])
    root = tmp_path / "kitti_tracking"
    assert (root / "evaluate_tracking.seqmap.training").read_text() == "0000 empty 000000 000005\n"
    labels = (root / "training" / "label_02" / "0000.txt").read_text().splitlines()
    frames = {int(line.split(" ")[0]) for line in labels}
    assert frames and max(frames) < 5
