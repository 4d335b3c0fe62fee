"""augment encodes through the dataset writers: an identity copy is the source, byte for byte."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

from synthscape.augment import Compose, parse_augment
from synthscape.augment.dataset import augment_dataset
from synthscape.augment.synthetic import make_synthetic_dataset
from synthscape.io.images import read_png
from synthscape.writers import write_frame
from synthscape.writers.coco import write_coco_annotations
from tests.test_writers_common import CATEGORIES, MIN_AREA, make_buffers, make_spec

PASSES = ["rgb/{}.png", "instance/{}.png", "semantic/{}.png", "depth/{}.exr", "depth/{}.png",
          "normal/{}.exr"]


@pytest.fixture()
def rendered(tmp_path: Path) -> Path:
    """Two frames written by the render writers; frame 0 has a hit 1 mm from the camera."""
    root = tmp_path / "src"
    for frame in (0, 1):
        buffers = make_buffers(frame)
        depth = buffers.depth.copy()
        depth[10, 10] = 0.001
        write_frame(root, make_spec(frame), dataclasses.replace(buffers, depth=depth))
    write_coco_annotations(root, CATEGORIES, {"description": "t"})
    return root


def _identity(src: Path, out: Path) -> None:
    augment_dataset(src, out, copies=1, seed=0, kitti=False,
                    pipeline=Compose(parse_augment({"min_area": MIN_AREA, "ops": []})))


def test_identity_copy_has_the_writers_bytes(rendered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _identity(rendered, out)
    for frame in (0, 1):
        for pattern in PASSES:
            source = rendered / pattern.format(f"{frame:06d}")
            copy = out / pattern.format(f"{frame:06d}_k0")
            assert copy.read_bytes() == source.read_bytes(), pattern


def test_depth_png_keeps_hits_closer_than_2mm(rendered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _identity(rendered, out)
    assert read_png(rendered / "depth" / "000000.png")[10, 10] == 1
    assert read_png(out / "depth" / "000000_k0.png")[10, 10] == 1  # was 0: "no hit"


def test_identity_copy_has_the_writers_coco(rendered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _identity(rendered, out)
    source = json.loads((rendered / "coco" / "annotations.json").read_text())
    copy = json.loads((out / "coco" / "annotations.json").read_text())
    assert copy["annotations"] == source["annotations"]  # copies=1: same ids, same RLE
    assert copy["categories"] == source["categories"]
    assert [i["file_name"] for i in copy["images"]] == ["rgb/000000_k0.png", "rgb/000001_k0.png"]
    fragment = (out / "coco" / "frames" / "000001_k0.json").read_text()
    assert fragment == json.dumps(json.loads(fragment), sort_keys=True, separators=(",", ":")) + "\n"


def test_flipped_kitti_rows_use_the_writers_format(tmp_path: Path) -> None:
    src = make_synthetic_dataset(tmp_path / "src", frames=1, width=96, height=64, kitti=True)
    augment_dataset(src, tmp_path / "out", 1, 0, Compose(parse_augment({"ops": [{"op": "hflip"}]})))
    rows = (tmp_path / "out/kitti/training/label_2/000000.txt").read_text().splitlines()
    assert rows
    for row in rows:
        fields = row.split()
        assert re.fullmatch(r"-?\d+\.\d{4}", fields[3])  # alpha: 4 decimals, as the writer
        assert all(re.fullmatch(r"-?\d+\.\d{2}", v) for v in fields[4:8])
        assert all(re.fullmatch(r"-?\d+\.\d{4}", v) for v in fields[8:15])
    calib = (tmp_path / "out/kitti/training/calib/000000.txt").read_text().splitlines()
    assert [line.split(":")[0] for line in calib] == ["P0", "P1", "P2", "P3", "R0_rect",
                                                       "Tr_velo_to_cam", "Tr_imu_to_velo"]
    assert np.all([len(line.split()) in (10, 13) for line in calib])


def test_augmented_kitti_imagesets_are_written_by_the_kitti_writer(tmp_path: Path) -> None:
    src = make_synthetic_dataset(tmp_path / "src", frames=2, width=96, height=64, kitti=True)
    augment_dataset(src, tmp_path / "out", 2, 0, Compose(parse_augment({"ops": [{"op": "hflip"}]})))
    sets = tmp_path / "out" / "kitti" / "ImageSets"
    assert sorted(p.name for p in sets.iterdir()) == ["test.txt", "train.txt", "trainval.txt", "val.txt"]
    assert (sets / "test.txt").read_text() == ""  # mmdet3d and OpenPCDet open it
    assert (sets / "trainval.txt").read_text().split() == ["000000", "000001", "000002", "000003"]
