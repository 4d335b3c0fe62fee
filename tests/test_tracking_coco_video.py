"""COCO video (YouTube-VIS style) export: videos, per-track RLEs that decode to the instance masks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from synthscape.io.images import read_png
from tests.test_tracking_support import CATEGORIES, finalize, write_sequences

LENGTH = 6
SEQUENCES = (0, 2)
MIN_AREA = 4


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("coco_video")
    frames = write_sequences(out, SEQUENCES, LENGTH)
    finalize(out, frames)
    return out, json.loads((out / "coco_video" / "annotations.json").read_text())


def test_videos_list_each_sequence_s_frames_in_order(dataset) -> None:
    out, data = dataset
    assert sorted(data) == ["annotations", "categories", "info", "licenses", "videos"]
    assert [v["id"] for v in data["videos"]] == [s + 1 for s in SEQUENCES]
    for video, sequence in zip(data["videos"], SEQUENCES):
        assert video["file_names"] == [f"rgb/{sequence * LENGTH + t:06d}.png" for t in range(LENGTH)]
        assert (video["length"], video["width"], video["height"]) == (LENGTH, 96, 64)
        assert all((out / name).is_file() for name in video["file_names"])
    assert data["categories"] == [{"id": c.id, "name": c.name, "supercategory": c.name} for c in CATEGORIES]


def test_every_track_s_rles_decode_to_its_instance_masks(dataset) -> None:
    out, data = dataset
    videos = {v["id"]: v for v in data["videos"]}
    seen = set()
    for annotation in data["annotations"]:
        video = videos[annotation["video_id"]]
        track = annotation["id"] % 65536
        assert annotation["id"] // 65536 == annotation["video_id"] - 1
        assert len(annotation["segmentations"]) == len(annotation["bboxes"]) == len(annotation["areas"]) == LENGTH
        for k, name in enumerate(video["file_names"]):
            instance = read_png(out / name.replace("rgb/", "instance/"))
            mask = instance == track
            rle = annotation["segmentations"][k]
            if mask.sum() < MIN_AREA:
                assert rle is None and annotation["bboxes"][k] is None and annotation["areas"][k] is None
                continue
            decoded = mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode("ascii")})
            assert np.array_equal(decoded.astype(bool), mask)
            assert annotation["areas"][k] == int(mask.sum())
            rows, cols = np.nonzero(mask)
            assert annotation["bboxes"][k] == [cols.min(), rows.min(), cols.max() - cols.min() + 1,
                                               rows.max() - rows.min() + 1]
            seen.add((annotation["video_id"], track))
        assert annotation["category_id"] == {1: 1, 2: 2, 3: 1}[track]
    assert seen == {(v, t) for v in videos for t in (1, 2, 3)}
    assert any(None in a["segmentations"] for a in data["annotations"])  # the car that enters late


def test_the_file_is_the_same_whatever_order_the_frames_were_written_in(dataset, tmp_path: Path) -> None:
    out, _ = dataset
    frames = [s * LENGTH + t for s in SEQUENCES for t in range(LENGTH)]
    write_sequences(tmp_path, SEQUENCES, LENGTH, order=frames[::-1])
    finalize(tmp_path, frames)
    assert (tmp_path / "coco_video" / "annotations.json").read_bytes() == \
        (out / "coco_video" / "annotations.json").read_bytes()
    assert not [p.name for p in (tmp_path / "coco_video").iterdir() if p.name.startswith(".")]  # spill removed


def test_a_partial_merge_lists_the_frames_it_has(dataset, tmp_path: Path) -> None:
    copy = tmp_path / "partial"
    shutil.copytree(dataset[0], copy)
    finalize(copy, [0, 1, 2, 12, 13], outputs=["coco_video"])
    data = json.loads((copy / "coco_video" / "annotations.json").read_text())
    assert [(v["id"], v["length"]) for v in data["videos"]] == [(1, 3), (3, 2)]
    assert all(len(a["segmentations"]) == (3 if a["video_id"] == 1 else 2) for a in data["annotations"])
