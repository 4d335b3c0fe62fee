"""MOT Challenge export: gt.txt scored by py-motmetrics, visibility from the amodal masks, seqinfo."""

from __future__ import annotations

import configparser
from pathlib import Path

import numpy as np
import pytest

from synthscape.writers.tracking_mot import mot_rows
from tests.test_tracking_support import render, sequence_spec, write_sequences, finalize

LENGTH = 8
SEQUENCES = (0, 1)
COLUMNS = ("frame", "id", "bb_left", "bb_top", "bb_width", "bb_height", "conf", "class", "visibility")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mot")
    frames = write_sequences(out, SEQUENCES, LENGTH)
    finalize(out, frames)
    return out


def gt_file(out: Path, sequence: int) -> Path:
    return out / "mot" / "synthscape-train" / f"{sequence:04d}" / "gt" / "gt.txt"


def scores(gt: Path, hypotheses: Path) -> dict[str, float]:
    """MOTA, IDF1 and ID switches of ``hypotheses`` against ``gt`` (py-motmetrics, IoU >= 0.5); rows
    with conf 0 (MOT's "ignore") are left out of both, as MOT's evaluation ignores them."""
    import motmetrics as mm

    truth = mm.io.loadtxt(str(gt), fmt="mot15-2D", min_confidence=1)
    found = mm.io.loadtxt(str(hypotheses), fmt="mot15-2D", min_confidence=1)
    accumulator = mm.utils.compare_to_groundtruth(truth, found, "iou", distth=0.5)
    summary = mm.metrics.create().compute(accumulator, metrics=["mota", "idf1", "num_switches"], name="seq")
    return {key: float(summary[key].iloc[0]) for key in ("mota", "idf1", "num_switches")}


def test_ground_truth_against_itself_scores_perfectly(dataset) -> None:
    for sequence in SEQUENCES:
        assert scores(gt_file(dataset, sequence), gt_file(dataset, sequence)) == \
            {"mota": 1.0, "idf1": 1.0, "num_switches": 0.0}


def test_swapping_two_ids_halfway_lowers_the_scores(dataset, tmp_path: Path) -> None:
    rows = [line.split(",") for line in gt_file(dataset, 0).read_text().splitlines()]
    swap = {"1": "3", "3": "1"}
    swapped = [[r[0], swap.get(r[1], r[1]) if int(r[0]) > LENGTH // 2 else r[1], *r[2:]] for r in rows]
    assert swapped != rows
    hypotheses = tmp_path / "swapped.txt"
    hypotheses.write_text("".join(",".join(r) + "\n" for r in swapped))
    result = scores(gt_file(dataset, 0), hypotheses)
    assert result["mota"] < 1.0 and result["idf1"] < 1.0 and result["num_switches"] == 2


def test_rows_hold_amodal_boxes_and_visibility_from_the_masks(dataset) -> None:
    rows = [line.split(",") for line in gt_file(dataset, 1).read_text().splitlines()]
    assert all(len(r) == len(COLUMNS) for r in rows)
    for step in range(LENGTH):
        spec = sequence_spec(1, step, LENGTH)
        buffers = render(spec)
        ours = [r for r in rows if int(r[0]) == step + 1]
        assert [int(r[1]) for r in ours] == [o.instance_id for o in spec.objects
                                              if buffers.visibility[o.instance_id].amodal_px]
        for row in ours:
            seen = buffers.visibility[int(row[1])]
            x0, y0, x1, y1 = seen.silhouette_box
            assert [int(v) for v in row[2:6]] == [x0 + 1, y0 + 1, x1 - x0 + 1, y1 - y0 + 1]
            assert float(row[8]) == pytest.approx(seen.visible_px / seen.silhouette_px, abs=1e-6)
            assert int(row[6]) == (1 if seen.visible_px >= spec.render.min_pixel_area else 0)
            assert int(row[7]) == spec.category_of(int(row[1])).id
    visibility = [float(r[8]) for r in rows]
    assert min(visibility) < 0.5 < max(visibility) <= 1.0  # the truncated car counts its cut-off part as hidden
    assert any(int(r[2]) < 1 for r in rows)  # a box reaching beyond the left border


def test_seqinfo_images_and_seqmap(dataset) -> None:
    folder = dataset / "mot" / "synthscape-train" / "0001"
    info = configparser.ConfigParser()
    info.read(folder / "seqinfo.ini")
    assert dict(info["Sequence"]) == {"name": "0001", "imdir": "img1", "framerate": "10",
                                      "seqlength": str(LENGTH), "imwidth": "96", "imheight": "64", "imext": ".png"}
    images = sorted(p.name for p in (folder / "img1").iterdir())
    assert images == [f"{t + 1:06d}.png" for t in range(LENGTH)]
    assert (folder / "img1" / "000001.png").read_bytes() == (dataset / "rgb" / f"{LENGTH:06d}.png").read_bytes()
    assert (dataset / "mot" / "seqmaps" / "synthscape-train.txt").read_text() == "name\n0000\n0001\n"


def test_a_frame_without_visibility_is_refused() -> None:
    import dataclasses

    spec = sequence_spec(0, 0, LENGTH)
    buffers = dataclasses.replace(render(spec), visibility=None)
    with pytest.raises(ValueError, match="mot needs the sensors stage's per-object visibility"):
        mot_rows(spec, buffers)
    no_mesh = dataclasses.replace(render(spec), mesh=None, visibility=None)
    from synthscape.sensors import run_sensors

    with pytest.raises(ValueError, match="no amodal mask"):
        mot_rows(spec, run_sensors(spec, no_mesh, {"visibility"}))
    assert np.all([len(r.split(",")) == 9 for r in mot_rows(spec, render(spec))])
