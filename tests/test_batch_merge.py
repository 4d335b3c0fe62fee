"""Sharded runs merged equal the single run; merge refuses incomplete or mixed datasets.

These tests use the numpy fake renderer (``synthscape.batch.fake_renderer``) so they run
in a second; tests/test_batch_blender.py repeats the key equality with Cycles.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.dataset.merge import MergeError, merge_dataset
from synthscape.dataset.run_record import RunRecordError
from synthscape.batch.shard_run import RENDERER_ENV, run_shard
from synthscape.dataset.status import dataset_status
from synthscape.pipeline import RenderJob
from synthscape.writers.layout import marker_files, write_done_marker
from tests.batch_support import FAKE, MINIMAL, tree

FRAMES = 7



def remark(out_dir: Path, frame_index: int) -> None:
    """Rewrite a frame's marker for its files as they are now (a frame that was written like this)."""
    files = [out_dir / name for name in marker_files(out_dir, frame_index)]
    write_done_marker(out_dir, frame_index, files)


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args), env={RENDERER_ENV: FAKE}, catch_exceptions=False)


def single_run(out_dir: Path, frames: int = FRAMES) -> Path:
    result = cli("render", MINIMAL, "--out", str(out_dir), "--frames", str(frames))
    assert result.exit_code == 0, result.output
    return out_dir


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return single_run(tmp_path_factory.mktemp("single") / "ds")


@pytest.mark.parametrize("num_shards", [1, 3, 4])
def test_union_of_shards_equals_single_run(reference: Path, tmp_path: Path, num_shards: int) -> None:
    out = tmp_path / "ds"
    job = RenderJob(MINIMAL, out, frames=FRAMES)
    for k in reversed(range(num_shards)):  # order must not matter
        summary = run_shard(job, k, num_shards, renderer_factory=FakeRenderer)
        assert summary.frames_rendered == [i for i in range(FRAMES) if i % num_shards == k]
        assert not (out / "coco" / "annotations.json").exists()  # shards never merge
    result = cli("merge", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "coco" / "annotations.json").read_bytes() == (reference / "coco" / "annotations.json").read_bytes()
    assert tree(out) == tree(reference)
    coco = json.loads((out / "coco" / "annotations.json").read_text())
    assert [i["id"] for i in coco["images"]] == list(range(1, FRAMES + 1))


def test_cli_shard_flags_render_only_their_frames(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = cli("render", MINIMAL, "--out", str(out), "--frames", "5", "--shard-index", "1", "--num-shards", "2")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / ".done").iterdir()) == ["000001", "000003"]
    assert "synthscape merge" in result.output and not (out / "coco" / "annotations.json").exists()


def test_merge_refuses_incomplete_unless_allow_partial(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    run_shard(RenderJob(MINIMAL, out, frames=5), 0, 2, renderer_factory=FakeRenderer)
    refused = cli("merge", str(out))
    assert refused.exit_code == 2
    assert "3/5 frames done" in refused.output and "2 missing (1,3)" in refused.output
    assert not (out / "coco" / "annotations.json").exists()
    partial = cli("merge", str(out), "--allow-partial")
    assert partial.exit_code == 0, partial.output
    coco = json.loads((out / "coco" / "annotations.json").read_text())
    assert [i["id"] for i in coco["images"]] == [1, 3, 5]
    record = json.loads((out / "dataset.json").read_text())
    assert record["complete"] is False and record["frames_done"] == 3 and record["frame_count"] == 5


def test_merge_rejects_fragment_from_another_frame(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    shutil.copy(out / "coco" / "frames" / "000001.json", out / "coco" / "frames" / "000002.json")
    remark(out, 2)
    with pytest.raises(MergeError, match=r"000002\.json: images \[2\] should be \[3\]"):
        merge_dataset(out)


def test_merge_rejects_inconsistent_categories(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    path = out / "coco" / "frames" / "000004.json"
    fragment = json.loads(path.read_text())
    fragment["annotations"][0]["category_id"] = 99
    path.write_text(json.dumps(fragment))
    remark(out, 4)
    with pytest.raises(MergeError, match="category_id 99"):
        merge_dataset(out)
    meta_path = out / "meta" / "000003.json"
    path.write_bytes((reference / "coco" / "frames" / "000004.json").read_bytes())
    meta = json.loads(meta_path.read_text())
    meta["categories"][0]["name"] = "crate"
    meta_path.write_text(json.dumps(meta))
    remark(out, 3)
    remark(out, 4)
    with pytest.raises(MergeError, match="000003.json: categories"):
        merge_dataset(out)


def test_merge_rejects_a_frame_of_another_seed(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    meta_path = out / "meta" / "000002.json"
    meta = json.loads(meta_path.read_text())
    meta["dataset_seed"] = int(meta["dataset_seed"]) + 9  # same objects and categories, another run's seed
    meta_path.write_text(json.dumps(meta))
    remark(out, 2)
    with pytest.raises(MergeError, match=r"000002.json: the frame was rendered with dataset seed"):
        merge_dataset(out)


def test_merge_writes_kitti_imagesets_when_kitti_exists(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    labels = out / "kitti" / "training" / "label_2"
    labels.mkdir(parents=True)
    for i in range(FRAMES):
        (labels / f"{i:06d}.txt").write_text("")
    outputs = ("rgb", "meta", "coco", "kitti")  # the finalize steps of the outputs merge is given
    merge_dataset(out, outputs=outputs)
    sets = {name: (out / "kitti" / "ImageSets" / f"{name}.txt").read_text().split()
            for name in ("train", "val", "trainval", "test")}
    assert sets["trainval"] == [f"{i:06d}" for i in range(FRAMES)]
    assert sorted(sets["train"] + sets["val"]) == sets["trainval"] and sets["val"]
    assert sets["test"] == []  # present (mmdet3d / OpenPCDet read it) and empty
    first = {name: (out / "kitti" / "ImageSets" / f"{name}.txt").read_bytes() for name in sets}
    merge_dataset(out, outputs=outputs)  # deterministic
    assert first == {name: (out / "kitti" / "ImageSets" / f"{name}.txt").read_bytes() for name in sets}


def test_rerun_with_other_parameters_is_refused(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    result = cli("render", MINIMAL, "--out", str(out), "--frames", str(FRAMES), "--seed", "5")
    assert result.exit_code == 2 and "seed: 0 -> 5" in result.output and "run.json" in result.output


def test_merge_without_run_json_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(RunRecordError, match="run.json not found"):
        merge_dataset(tmp_path)


def test_status_counts_per_shard(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    (out / ".done" / "000002").unlink()  # files but no marker: failed
    for p in out.rglob("000005.*"):
        p.unlink()
    (out / ".done" / "000005").unlink()  # nothing: missing
    state = dataset_status(out, FRAMES, 2)
    assert (state.done, state.failed, state.missing) == ([0, 1, 3, 4, 6], [2], [5])
    assert [(s.done, s.missing, s.failed) for s in state.shards] == [(3, 0, 1), (2, 1, 0)]
    result = cli("status", str(out), "--num-shards", "2")
    assert result.exit_code == 3
    assert "5/7 done, 1 missing, 1 failed" in result.output and "shard    1  2/3 done" in result.output


def test_growing_a_dataset_keeps_its_frames_and_equals_a_fresh_run(reference: Path, tmp_path: Path) -> None:
    out = single_run(tmp_path / "grown", frames=3)
    first = {name: data for name, data in tree(out).items() if name.startswith("rgb/")}
    single_run(out, frames=FRAMES)
    grown = tree(out)
    assert all(grown[name] == data for name, data in first.items())
    assert grown == tree(reference)


def test_other_seed_or_fewer_frames_in_the_same_folder_are_refused(reference: Path, tmp_path: Path) -> None:
    out = single_run(tmp_path / "ds", frames=4)
    for extra in (["--frames", "4", "--seed", "9"], ["--frames", "2"]):
        result = CliRunner().invoke(main, ["render", MINIMAL, "--out", str(out), *extra], env={RENDERER_ENV: FAKE})
        assert result.exit_code == 2, result.output
        assert "run.json" in result.output and "new --out folder" in result.output
