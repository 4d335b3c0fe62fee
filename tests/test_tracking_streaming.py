"""The sequence-level merge steps stream the per-frame records: memory does not grow with the sequence."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from synthscape.writers.tracks import records
from tests.test_tracking_support import TRACK_OUTPUTS, finalize, write_sequences

FOLDERS = ("kitti_tracking", "mot", "coco_video")
RENDERED = 6
SHORT, LONG = 300, 1500


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rendered")
    write_sequences(out, (0,), RENDERED)
    return out


def long_sequence(rendered: Path, out: Path, length: int) -> list[int]:
    """A ``length``-frame sequence 0 whose records repeat the rendered frames' (steps renumbered)."""
    for folder in FOLDERS:
        (out / folder / "frames").mkdir(parents=True)
        sources = [json.loads((rendered / folder / "frames" / f"{i:06d}.json").read_text()) for i in range(RENDERED)]
        for g in range(length):
            record = dict(sources[g % RENDERED], frame=g, step=g)
            if folder == "coco_video":
                record["file_name"] = f"rgb/{g:06d}.png"
            if folder == "kitti_tracking":
                record["rows"] = [f"{g} {row.split(' ', 1)[1]}" for row in record["rows"]]
            (out / folder / "frames" / f"{g:06d}.json").write_text(json.dumps(record))
    return list(range(length))


def peak_bytes(out: Path, frames: list[int]) -> int:
    """Peak traced memory of a second merge. Path objects of every file are kept alive meanwhile:
    pathlib interns each file name, and Python's table of interned strings (one dict for the
    process) would otherwise grow and shrink with them, whatever the code under test does."""
    finalize(out, frames, outputs=[o for o in TRACK_OUTPUTS if o in FOLDERS])
    names = list(out.rglob("*"))
    tracemalloc.start()
    try:
        finalize(out, frames, outputs=[o for o in TRACK_OUTPUTS if o in FOLDERS])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        del names


def test_merge_memory_is_flat_from_300_to_1500_frames(rendered, tmp_path: Path) -> None:
    """Past a 300-frame sequence the merge's peak memory no longer grows (file and write buffers
    of fixed size fill up over the first few hundred frames)."""
    short = peak_bytes(tmp_path / "short", long_sequence(rendered, tmp_path / "short", SHORT))
    long = peak_bytes(tmp_path / "long", long_sequence(rendered, tmp_path / "long", LONG))
    video = json.loads((tmp_path / "long" / "coco_video" / "annotations.json").read_text())
    assert video["videos"][0]["length"] == LONG and len(video["annotations"][0]["segmentations"]) == LONG
    gt = (tmp_path / "long" / "mot" / "synthscape-train" / "0000" / "gt" / "gt.txt").read_text()
    assert len(gt.splitlines()) > LONG
    assert long < 1.1 * short + 32 * 1024, (short, long)


def test_a_list_kept_in_memory_would_fail_the_check(rendered, tmp_path: Path) -> None:
    """The check above can fail: holding every record of the sequence grows with its length."""
    def held(out: Path, frames: list[int]) -> int:
        list(records(out, "coco_video", frames))
        tracemalloc.start()
        try:
            kept = list(records(out, "coco_video", frames))
            return tracemalloc.get_traced_memory()[1] + 0 * len(kept)
        finally:
            tracemalloc.stop()

    short = held(tmp_path / "short", long_sequence(rendered, tmp_path / "short", SHORT))
    long = held(tmp_path / "long", long_sequence(rendered, tmp_path / "long", LONG))
    assert long > 1.1 * short + 32 * 1024


def test_records_are_read_one_at_a_time(rendered, tmp_path: Path) -> None:
    frames = long_sequence(rendered, tmp_path, 20)
    stream = records(tmp_path, "mot", frames)
    first = next(stream)
    (tmp_path / "mot" / "frames" / "000019.json").unlink()  # not read yet: the stream is lazy
    assert first["step"] == 0 and sum(1 for _ in zip(range(18), stream)) == 18
    with pytest.raises(Exception, match="000019.json: missing"):
        next(stream)
