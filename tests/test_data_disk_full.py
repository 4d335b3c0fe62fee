"""A full disk (ENOSPC) or quota (EDQUOT) exits 2 naming the folder that filled up and saying the
run resumes; nothing half-written is left, and the rerun after freeing space completes the dataset."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.dataset.resume import temp_stem
from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.dataset.status import dataset_status
from synthscape.errors import DiskFullError
from synthscape.io.atomic import atomic_path, write_bytes_atomic
from tests.batch_support import FAKE, MINIMAL, tree

FRAMES = 4


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args), env={RENDERER_ENV: FAKE}, catch_exceptions=False)


def render(out_dir: Path) -> object:
    return cli("render", MINIMAL, "--out", str(out_dir), "--frames", str(FRAMES))


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_exits_2_naming_the_folder_and_the_rerun_completes(tmp_path: Path, code: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    reference = tmp_path / "ref"
    assert render(reference).exit_code == 0
    out = tmp_path / "ds"
    real_replace = os.replace

    def replace_until_full(src: str, dst: str) -> None:
        if Path(dst) == out / "instance" / "000002.png":
            raise OSError(code, os.strerror(code))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_until_full)
    full = render(out)
    assert full.exit_code == 2, full.output
    assert f"{out / 'instance'}: the disk is full" in full.output and "run the same command again" in full.output
    assert "Traceback" not in full.output and "internal error" not in full.output
    assert not [p for p in out.rglob("*") if temp_stem(p.name)], "a temporary file was left"
    state = dataset_status(out, FRAMES)
    assert state.done == [0, 1] and state.failed == [2] and not (out / ".done" / "000002").exists()
    monkeypatch.setattr(os, "replace", real_replace)
    rerun = render(out)
    assert rerun.exit_code == 0, rerun.output
    assert tree(out) == tree(reference)


def test_a_writer_that_hits_a_full_disk_leaves_neither_temp_nor_target(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.png"
    with pytest.raises(DiskFullError, match=r"sub: the disk is full \(No space left on device\) while writing file"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert list((tmp_path / "sub").iterdir()) == []


def test_other_os_errors_are_not_reported_as_a_full_disk(tmp_path: Path) -> None:
    with pytest.raises(PermissionError):
        with atomic_path(tmp_path / "x.bin"):
            raise PermissionError(errno.EACCES, "denied")
    assert write_bytes_atomic(tmp_path / "x.bin", b"ok").read_bytes() == b"ok"
