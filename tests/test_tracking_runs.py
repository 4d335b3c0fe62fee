"""Tracking formats through the frame loop with the sequence sampler: merge, shards and resume agree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from tests.sequence_support import move_objects, sequence_recipe
from tests.test_tracking_mot import scores
from tests.test_tracking_support import MeshFakeRenderer

SEQUENCE = {"frames": 4, "fps": 10.0, "camera": {"trajectory": "orbit", "angular_speed": 40}}
OUTPUTS = "rgb,instance,meta,kitti_tracking,mot,coco_video"
MESH_FAKE = "tests.test_tracking_support:MeshFakeRenderer"


def _edit(data: dict) -> None:
    move_objects([0.4, {"uniform": [-0.3, 0.3]}, 0], [0, 0, 45], groups=(0, 1))(data)
    data["objects"][0]["kitti_type"] = "Car"


def tracking_files(out: Path) -> dict[str, bytes]:
    """The sequence-level files of the three formats."""
    names = ["coco_video/annotations.json", "mot/seqmaps/synthscape-train.txt",
             "kitti_tracking/evaluate_tracking.seqmap.training"]
    for s in ("0000", "0001"):
        names += [f"kitti_tracking/training/label_02/{s}.txt", f"kitti_tracking/training/calib/{s}.txt",
                  f"mot/synthscape-train/{s}/gt/gt.txt", f"mot/synthscape-train/{s}/seqinfo.ini"]
    return {name: (out / name).read_bytes() for name in names}


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sequence_recipe(tmp_path_factory.mktemp("recipe"), SEQUENCE, frames=8, edit=_edit)


@pytest.fixture(scope="module")
def reference(recipe: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    render_dataset(RenderJob(str(recipe), out, outputs=tuple(OUTPUTS.split(","))),
                   renderer_factory=lambda device: MeshFakeRenderer(device))
    return out


def test_a_run_writes_every_sequence_with_the_sampler_s_track_ids(reference: Path) -> None:
    files = tracking_files(reference)
    video = json.loads(files["coco_video/annotations.json"])
    assert [v["length"] for v in video["videos"]] == [4, 4]
    for s in (0, 1):
        metas = [json.loads((reference / "meta" / f"{s * 4 + t:06d}.json").read_text()) for t in range(4)]
        ids = {o["instance_id"] for m in metas for o in m["sequence"]["objects"]}
        gt = reference / "mot" / "synthscape-train" / f"{s:04d}" / "gt" / "gt.txt"
        assert {int(line.split(",")[1]) for line in gt.read_text().splitlines()} <= ids
        assert scores(gt, gt) == {"mota": 1.0, "idf1": 1.0, "num_switches": 0.0}
        tracks = {int(line.split(" ")[1]) for line in files[f"kitti_tracking/training/label_02/{s:04d}.txt"]
                  .decode().splitlines()} - {-1}
        cars = {o["instance_id"] for o in metas[0]["objects"] if o["category_id"] == 1}
        assert tracks <= cars


def test_shards_and_merge_give_the_same_files(recipe: Path, reference: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RENDERER_ENV, MESH_FAKE)
    out = tmp_path / "ds"
    for shard in (2, 0, 1):
        result = CliRunner().invoke(main, ["render", str(recipe), "--out", str(out), "--outputs", OUTPUTS,
                                           "--num-shards", "3", "--shard-index", str(shard)])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["merge", str(out)])
    assert result.exit_code == 0, result.output
    assert tracking_files(out) == tracking_files(reference)


def test_a_resumed_run_gives_the_same_files(recipe: Path, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    for g in (2, 4):
        (out / ".done" / f"{g:06d}").unlink()
        (out / "mot" / "frames" / f"{g:06d}.json").unlink()
    (out / "coco_video" / "annotations.json").unlink()
    render_dataset(RenderJob(str(recipe), out, outputs=tuple(OUTPUTS.split(","))),
                   renderer_factory=lambda device: MeshFakeRenderer(device))
    assert tracking_files(out) == tracking_files(reference)


def test_kitti_tracking_without_a_kitti_type_is_refused(tmp_path: Path) -> None:
    from synthscape.errors import SynthscapeError
    from tests.sequence_support import sequence_plan

    with pytest.raises(SynthscapeError, match=r"--outputs\[1\]: 'kitti_tracking' needs a category with a kitti_type"):
        sequence_plan(tmp_path, SEQUENCE, frames=4, outputs=("rgb", "kitti_tracking"))


def test_stills_are_sequences_of_one_frame(tmp_path: Path) -> None:
    recipe = sequence_recipe(tmp_path, None, frames=3)
    out = tmp_path / "stills"
    render_dataset(RenderJob(str(recipe), out, outputs=("rgb", "instance", "mot", "coco_video")),
                   renderer_factory=lambda device: MeshFakeRenderer(device))
    assert (out / "mot" / "seqmaps" / "synthscape-train.txt").read_text() == "name\n0000\n0001\n0002\n"
    assert "seqLength=1\n" in (out / "mot" / "synthscape-train" / "0002" / "seqinfo.ini").read_text()
    video = json.loads((out / "coco_video" / "annotations.json").read_text())
    assert [(v["id"], v["file_names"]) for v in video["videos"]] == [(s + 1, [f"rgb/{s:06d}.png"]) for s in range(3)]


def test_merge_refuses_a_frame_from_another_run_with_exit_2(recipe: Path, reference: Path, tmp_path: Path) -> None:
    from synthscape.writers.layout import marker_files

    other = tmp_path / "other"
    render_dataset(RenderJob(str(recipe), other, outputs=tuple(OUTPUTS.split(",")), seed=99),
                   renderer_factory=lambda device: MeshFakeRenderer(device))
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    for name in [*marker_files(other, 5), ".done/000005"]:  # frame 5, complete, but of another seed
        shutil.copyfile(other / name, out / name)
    result = CliRunner().invoke(main, ["merge", str(out)])
    assert result.exit_code == 2, result.output
    # merge finds the other run by its seed in meta first (tampered track ids: test_tracking_kitti.py)
    assert "meta/000005.json: the frame was rendered with dataset seed 99" in result.output
