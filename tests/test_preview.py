"""Contact sheet of a synthetic dataset (no Blender)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscape.io.images import read_png
from synthscape.errors import SynthscapeError
from synthscape.preview import colorize_depth, colorize_ids, tile_scale, write_contact_sheet
from synthscape.writers import write_frame
from synthscape.writers.coco import write_coco_annotations
from tests.test_writers_common import CATEGORIES, HEIGHT, WIDTH, make_buffers, make_instance, make_spec


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    for frame in (0, 1, 2):
        write_frame(root, make_spec(frame), make_buffers(frame))
    write_coco_annotations(root, CATEGORIES, {"description": "t"})
    return root


def test_contact_sheet_size_and_content(dataset: Path, tmp_path: Path) -> None:
    path = write_contact_sheet(dataset, tmp_path / "sheet.png", max_frames=2)
    sheet = read_png(path)
    s = tile_scale(WIDTH)
    assert s * WIDTH >= 256
    assert sheet.shape == (2 * HEIGHT * s, 3 * WIDTH * s, 3)
    assert sheet.std() > 10
    rgb_tile = sheet[:HEIGHT * s, :WIDTH * s].astype(int)
    raw = np.repeat(np.repeat(read_png(dataset / "rgb" / "000000.png"), s, 0), s, 1).astype(int)
    changed = np.abs(rgb_tile - raw).sum(-1) > 0
    inst = np.repeat(np.repeat(make_instance(), s, 0), s, 1)
    assert changed[inst == 2].mean() > 0.9          # mask overlay drawn over the ball
    assert changed[inst == 3].mean() < 0.5          # the dropped speck has no overlay


def test_explicit_frames(dataset: Path, tmp_path: Path) -> None:
    sheet = read_png(write_contact_sheet(dataset, tmp_path / "one.png", frames=[2], min_tile_width=64))
    assert sheet.shape == (HEIGHT, 3 * WIDTH, 3)


def test_empty_dataset_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SynthscapeError, match="no rendered frames"):
        write_contact_sheet(tmp_path, tmp_path / "x.png")


def test_colour_maps() -> None:
    depth = np.array([[np.inf, 1.0, 2.0, 3.0]], dtype=np.float32)
    colored = colorize_depth(depth)
    assert colored[0, 0].tolist() == [0, 0, 0]
    assert len({tuple(c) for c in colored[0, 1:].tolist()}) == 3
    ids = colorize_ids(make_instance())
    colors = {tuple(ids[make_instance() == i][0]) for i in (1, 2, 3)}
    assert len(colors) == 3 and (0, 0, 0) not in colors


# --- augmented datasets, missing passes, damaged files (issue 11 item 17) -------------------

from click.testing import CliRunner  # noqa: E402

from headless.cli import main  # noqa: E402
from synthscape.augment import Compose, parse_augment  # noqa: E402
from synthscape.augment.dataset import augment_dataset  # noqa: E402
from synthscape.augment.synthetic import make_synthetic_dataset  # noqa: E402
from synthscape.preview import MISSING_GRAY, dataset_frames, draw_annotations, id_colors  # noqa: E402
from synthscape.writers.coco import encode_mask  # noqa: E402


@pytest.fixture()
def augmented(tmp_path: Path) -> Path:
    src = make_synthetic_dataset(tmp_path / "src", frames=2)
    out = tmp_path / "aug"
    augment_dataset(src, out, 2, 0, Compose(parse_augment({"ops": [{"op": "hflip", "p": 0.5}]})))
    return out


def test_augmented_dataset_previews(augmented: Path, tmp_path: Path) -> None:
    assert dataset_frames(augmented) == ["000000_k0", "000000_k1", "000001_k0", "000001_k1"]
    sheet = read_png(write_contact_sheet(augmented, tmp_path / "a.png", max_frames=3, min_tile_width=64))
    assert sheet.shape == (3 * 48, 3 * 64, 3)
    result = CliRunner().invoke(main, ["preview", str(augmented), "--out", str(tmp_path / "b.png"),
                                       "--frames", "000001_k1"])
    assert result.exit_code == 0, result.output
    one = read_png(tmp_path / "b.png")
    assert one.shape[0] == one.shape[1] // 3 * 48 // 64
    assert np.array_equal(one, read_png(write_contact_sheet(augmented, tmp_path / "c.png",
                                                            frames=["000001_k1"])))


def test_frames_option_takes_indices(dataset: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["preview", str(dataset), "--out", str(tmp_path / "s.png"),
                                       "--frames", "2,0"])
    assert result.exit_code == 0, result.output
    assert read_png(tmp_path / "s.png").shape[0] == 2 * HEIGHT * tile_scale(WIDTH)


def test_missing_depth_folder_gets_a_placeholder_tile(dataset: Path, tmp_path: Path) -> None:
    import shutil

    shutil.rmtree(dataset / "depth")
    result = CliRunner().invoke(main, ["preview", str(dataset), "--out", str(tmp_path / "s.png")])
    assert result.exit_code == 0, result.output
    sheet = read_png(tmp_path / "s.png")
    s = tile_scale(WIDTH)
    depth_tile = sheet[:HEIGHT * s, WIDTH * s:2 * WIDTH * s]
    assert (depth_tile == MISSING_GRAY).mean() > 0.8


@pytest.mark.parametrize("damaged", ["rgb/000001.png", "instance/000001.png", "depth/000001.exr",
                                     "coco/frames/000001.json"])
def test_damaged_file_exits_2_naming_it(dataset: Path, tmp_path: Path, damaged: str) -> None:
    path = dataset / damaged
    path.write_bytes(path.read_bytes()[:40])
    result = CliRunner().invoke(main, ["preview", str(dataset), "--out", str(tmp_path / "s.png")])
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and not (tmp_path / "s.png").exists()


def test_empty_dataset_message_names_no_missing_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["preview", str(tmp_path)])
    assert result.exit_code == 2 and "no rendered frames" in result.output
    assert "frames=" not in result.output


def test_boxes_are_drawn_on_the_masks_outer_pixels() -> None:
    mask = np.zeros((12, 16), bool)
    mask[3:8, 2:6] = True  # COCO bbox [2, 3, 4, 5]
    ann = {"id": 1, "category_id": 1, "bbox": [2.0, 3.0, 4.0, 5.0], "segmentation": encode_mask(mask)}
    out = draw_annotations(np.zeros((12, 16, 3), np.uint8), [ann], {1: ""}, scale=3)
    color = list(id_colors([1])[1])
    assert out[9, 6].tolist() == color and out[23, 17].tolist() == color  # first/last pixel, x3
    assert out[8, 6].tolist() != color and out[24, 17].tolist() != color
