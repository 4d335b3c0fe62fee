"""Damaged frames: a ``.done`` marker records each file's size and SHA-256, and a frame whose
files no longer match it (or whose marker is empty or unparsable) counts as unfinished:
``status`` reports it, a rerun redoes it and the final merge succeeds."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.dataset.status import dataset_status
from synthscape.writers.layout import done_marker, frame_is_complete, frame_problem, marker_files
from tests.batch_support import FAKE, MINIMAL, tree

FRAMES = 4


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args), env={RENDERER_ENV: FAKE}, catch_exceptions=False)


def render(out_dir: Path) -> object:
    return cli("render", MINIMAL, "--out", str(out_dir), "--frames", str(FRAMES))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    assert render(out).exit_code == 0
    return out


@pytest.fixture()
def copy(reference: Path, tmp_path: Path) -> Path:
    out = tmp_path / "ds"
    shutil.copytree(reference, out)
    return out


def test_marker_records_path_size_and_sha256_of_every_file(reference: Path) -> None:
    record = json.loads(done_marker(reference, 1).read_text())
    assert record["frame"] == 1
    names = [entry["path"] for entry in record["files"]]
    assert "rgb/000001.png" in names and "meta/000001.json" in names and "coco/frames/000001.json" in names
    for entry in record["files"]:
        data = (reference / entry["path"]).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name", ["rgb/000001.png", "instance/000001.png", "depth/000001.exr"])
@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_truncated_or_empty_file_makes_its_frame_unfinished(copy: Path, name: str, damage: str) -> None:
    path = copy / name
    path.write_bytes(path.read_bytes()[:40] if damage == "truncate" else b"")
    assert not frame_is_complete(copy, 1)
    assert name in frame_problem(copy, 1)
    state = dataset_status(copy, FRAMES)
    assert state.done == [0, 2, 3] and state.failed == [1] and name in state.damaged[1]


@pytest.mark.parametrize("content", [b"", b"rgb/000002.png\n", b'{"files": [', b"\xff\xfe"])
def test_empty_unparsable_or_old_style_marker_is_not_complete(copy: Path, content: bytes) -> None:
    done_marker(copy, 2).write_bytes(content)
    assert not frame_is_complete(copy, 2) and marker_files(copy, 2) == []
    assert dataset_status(copy, FRAMES).failed == [2]


def test_status_reports_damage_and_the_rerun_redoes_exactly_those_frames(reference: Path, copy: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    rgb = copy / "rgb" / "000001.png"
    rgb.write_bytes(rgb.read_bytes()[:50])
    (copy / "instance" / "000003.png").write_bytes(b"")
    status = cli("status", str(copy))
    assert status.exit_code == 3, status.output
    assert "2/4 done" in status.output and "rgb/000001.png" in status.output
    assert "instance/000003.png: 0 bytes" in status.output
    rerun = render(copy)
    assert rerun.exit_code == 0, rerun.output
    assert "2 rendered, 2 already complete" in rerun.output
    assert "frame 1 is redone: rgb/000001.png: 50 bytes" in caplog.text
    assert tree(copy) == tree(reference)


@pytest.mark.parametrize("name", ["meta/000002.json", "coco/frames/000002.json"])
def test_truncated_meta_or_fragment_is_redone_by_the_rerun_not_a_merge_error(reference: Path, copy: Path,
                                                                             name: str) -> None:
    path = copy / name
    path.write_bytes(path.read_bytes()[:30])
    (copy / "coco" / "annotations.json").unlink()
    rerun = render(copy)
    assert rerun.exit_code == 0, rerun.output
    assert "1 rendered, 3 already complete" in rerun.output and "delete" not in rerun.output
    assert tree(copy) == tree(reference)


def test_verify_finds_same_size_corruption_that_sizes_miss(copy: Path) -> None:
    rgb = copy / "rgb" / "000000.png"
    data = bytearray(rgb.read_bytes())
    data[-20] ^= 0xFF
    rgb.write_bytes(bytes(data))
    quick = cli("status", str(copy))
    assert quick.exit_code == 0, quick.output
    verified = cli("status", str(copy), "--verify")
    assert verified.exit_code == 3, verified.output
    assert "rgb/000000.png: contents differ" in verified.output and "delete .done/000000" in verified.output
    assert not frame_is_complete(copy, 0, verify=True) and frame_is_complete(copy, 0)
