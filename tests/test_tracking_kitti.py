"""KITTI tracking export: label_02 / image_02 / calib per sequence, parsed with the devkit's layout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from synthscape.io.images import read_png
from synthscape.writers.kitti import kitti_labels
from synthscape.writers.tracks import TrackError
from tests.test_tracking_support import finalize, render, sequence_spec, write_sequences

LENGTH = 8
SEQUENCES = (0, 1)
TYPES = {"Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare"}


def parse_tracking_label(text: str) -> list[dict]:
    """The KITTI tracking devkit's label layout: 17 space-separated columns, an 18th score in results.

    frame (int), track id (int, -1 for DontCare), type, truncated (int 0..2), occluded (int 0..3),
    alpha, bbox left top right bottom, dimensions h w l, location x y z, rotation_y (floats).
    """
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(" ")
        assert len(fields) in (17, 18), f"line {number}: {len(fields)} columns"
        assert fields[2] in TYPES, f"line {number}: type {fields[2]!r}"
        rows.append({"frame": int(fields[0]), "track_id": int(fields[1]), "type": fields[2],
                     "truncated": int(fields[3]), "occluded": int(fields[4]), "alpha": float(fields[5]),
                     "bbox": [float(v) for v in fields[6:10]], "dimensions": [float(v) for v in fields[10:13]],
                     "location": [float(v) for v in fields[13:16]], "rotation_y": float(fields[16])})
    return rows


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    out = tmp_path_factory.mktemp("kitti_tracking")
    frames = write_sequences(out, SEQUENCES, LENGTH)
    finalize(out, frames)
    return out, frames


def test_label_files_parse_with_the_devkit_columns_and_match_the_object_writer(dataset) -> None:
    out, _ = dataset
    root = out / "kitti_tracking" / "training"
    assert sorted(p.name for p in (root / "label_02").iterdir()) == ["0000.txt", "0001.txt"]
    for sequence in SEQUENCES:
        rows = parse_tracking_label((root / "label_02" / f"{sequence:04d}.txt").read_text())
        assert [r["frame"] for r in rows] == sorted(r["frame"] for r in rows)
        assert {r["frame"] for r in rows} <= set(range(LENGTH))
        assert {r["track_id"] for r in rows if r["type"] != "DontCare"} == {1, 3}  # the two cars; no ball
        assert all(r["track_id"] == -1 for r in rows if r["type"] == "DontCare")
        for step in range(LENGTH):
            spec = sequence_spec(sequence, step, LENGTH)
            objects = [line.split(" ") for line in kitti_labels(spec, render(spec))]
            ours = [r for r in rows if r["frame"] == step]
            assert len(ours) == len(objects)
            for row, obj in zip(ours, objects):
                assert row["type"] == obj[0] and row["occluded"] == int(obj[2])
                assert [row["alpha"], *row["bbox"], *row["dimensions"], *row["location"], row["rotation_y"]] == \
                    [float(v) for v in obj[3:15]]
                assert row["truncated"] == (0 if float(obj[1]) == 0 else 1 if float(obj[1]) < 0.5 else 2)


def test_truncation_and_occlusion_levels_change_as_the_car_enters(dataset) -> None:
    out, _ = dataset
    rows = parse_tracking_label((out / "kitti_tracking" / "training" / "label_02" / "0000.txt").read_text())
    car = {r["frame"]: r for r in rows if r["track_id"] == 1}
    assert car[0]["truncated"] >= 1 and car[LENGTH - 1]["truncated"] == 0  # enters from the left border
    assert car[0]["bbox"][0] < 1.0 < car[LENGTH - 1]["bbox"][0]  # at the border, then inside


def test_pykitti_reads_the_labels(dataset) -> None:
    from pykitti.tracking import KittiTrackingLabels

    out, _ = dataset
    labels = KittiTrackingLabels(str(out / "kitti_tracking" / "training" / "label_02" / "0001.txt"))
    assert labels.max_objects == 2 and len(labels) == LENGTH  # the two cars (renumbered 0, 1), every frame
    assert labels.presence.shape == (LENGTH, 2) and set(labels._df["class"]) == {"Car"}


def test_images_are_the_rgb_frames_by_sequence_and_step(dataset) -> None:
    out, frames = dataset
    for g in frames:
        image = out / "kitti_tracking" / "training" / "image_02" / f"{g // LENGTH:04d}" / f"{g % LENGTH:06d}.png"
        assert image.read_bytes() == (out / "rgb" / f"{g:06d}.png").read_bytes()
        assert f"kitti_tracking/training/image_02/{g // LENGTH:04d}/{g % LENGTH:06d}.png" in \
            (out / ".done" / f"{g:06d}").read_text()
    assert read_png(image).shape == (64, 96, 3)


def test_calib_and_seqmap(dataset) -> None:
    out, _ = dataset
    root = out / "kitti_tracking"
    calib = (root / "training" / "calib" / "0000.txt").read_text().splitlines()
    assert [line.split(" ")[0] for line in calib] == ["P0:", "P1:", "P2:", "P3:", "R_rect", "Tr_velo_cam",
                                                      "Tr_imu_velo"]
    values = {line.split(" ")[0].rstrip(":"): np.array(line.split(" ")[1:], float) for line in calib}
    K = np.asarray(sequence_spec(0, 0, LENGTH).camera.K)
    assert np.allclose(values["P2"].reshape(3, 4)[:, :3], K) and values["R_rect"].size == 9
    assert values["Tr_velo_cam"].size == 12 and values["Tr_imu_velo"].size == 12
    assert (root / "evaluate_tracking.seqmap.training").read_text() == \
        f"0000 empty 000000 {LENGTH:06d}\n0001 empty 000000 {LENGTH:06d}\n"


def test_merge_is_the_same_whatever_order_or_shards_the_frames_were_written_in(dataset, tmp_path: Path) -> None:
    out, frames = dataset
    again = tmp_path / "shuffled"
    order = [int(g) for g in np.random.default_rng(3).permutation(frames)]
    write_sequences(again, SEQUENCES, LENGTH, order=order)
    finalize(again, frames)
    for name in ("label_02/0000.txt", "label_02/0001.txt", "calib/0001.txt"):
        assert (again / "kitti_tracking" / "training" / name).read_bytes() == \
            (out / "kitti_tracking" / "training" / name).read_bytes()


def test_a_track_id_naming_two_objects_is_refused(dataset, tmp_path: Path) -> None:
    out, frames = dataset
    copy = tmp_path / "tampered"
    shutil.copytree(out, copy)
    record_file = copy / "kitti_tracking" / "frames" / f"{LENGTH + 3:06d}.json"
    record = json.loads(record_file.read_text())
    record["identities"]["1"] = record["identities"]["3"]  # id 1 now names the other car
    record_file.write_text(json.dumps(record))
    with pytest.raises(TrackError, match=rf"{record_file.name}.*track id 1 .*sequence 1.*new --out"):
        finalize(copy, frames)


def test_frames_of_a_sequence_out_of_order_are_refused(dataset, tmp_path: Path) -> None:
    out, frames = dataset
    copy = tmp_path / "mixed"
    shutil.copytree(out, copy)
    record_file = copy / "kitti_tracking" / "frames" / f"{LENGTH + 1:06d}.json"
    record = json.loads(record_file.read_text())
    record["sequence"] = 0  # a frame of sequence 0 among sequence 1's
    record_file.write_text(json.dumps(record))
    with pytest.raises(TrackError, match="sequence 0, whose frames came earlier"):
        finalize(copy, frames)
