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
