"""augment resumes like render (kill -9, rerun: identical bytes) and refuses bad input with exit 2."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from headless.commands.augment import augment
from synthscape.augment.synthetic import make_synthetic_dataset

CONFIG = ("ops:\n  - {op: brightness_contrast}\n  - {op: hflip, p: 0.5}\n"
          "  - {op: gaussian_noise}\n  - {op: crop, p: 0.5, resize: true}\n")
COPIES = 3


def _hashes(root: Path) -> dict[str, str]:
    """Every file's hash, except the run lock's files (a killed run leaves them; the next run removes them)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] not in (".lock", ".locks")}


def _args(src: Path, out: Path, config: Path, seed: int = 3) -> list[str]:
    return [str(src), "--copies", str(COPIES), "--out", str(out), "--seed", str(seed),
            "--config", str(config)]


def _invoke(args: list[str]):
    return CliRunner().invoke(augment, args)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("resume")
    src = make_synthetic_dataset(root / "src", frames=16, width=128, height=96, kitti=True)
    config = root / "augment.yaml"
    config.write_text(CONFIG)
    return src, config


@pytest.fixture(scope="module")
def reference(source, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    src, config = source
    out = tmp_path_factory.mktemp("ref") / "out"
    result = _invoke(_args(src, out, config))
    assert result.exit_code == 0, result.output
    return _hashes(out)


def _kill_mid_run(args: list[str], out: Path, after_markers: int = 4) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "headless", "augment", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        done = out / ".done"
        if done.is_dir() and len(os.listdir(done)) >= after_markers:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "augment finished before it could be killed; make the data larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_kill_9_then_rerun_is_identical_to_an_uninterrupted_run(source, reference, tmp_path):
    src, config = source
    out = tmp_path / "out"
    _kill_mid_run(_args(src, out, config), out)
    assert not (out / "coco" / "annotations.json").exists()
    assert 0 < len(os.listdir(out / ".done")) < 16 * COPIES
    result = _invoke(_args(src, out, config))
    assert result.exit_code == 0, result.output
    assert _hashes(out) == reference


def test_damaged_copy_is_redone_and_a_finished_run_is_kept(source, reference, tmp_path):
    src, config = source
    out = tmp_path / "out"
    assert _invoke(_args(src, out, config)).exit_code == 0
    rgb = out / "rgb" / "000004_k1.png"
    rgb.write_bytes(rgb.read_bytes()[:100])
    (out / "coco" / "annotations.json").unlink()
    result = _invoke(_args(src, out, config))
    assert result.exit_code == 0, result.output
    assert _hashes(out) == reference
    assert _invoke(_args(src, out, config)).exit_code == 0
    assert _hashes(out) == reference


def test_other_parameters_into_the_folder_are_refused(source, tmp_path):
    src, config = source
    out = tmp_path / "out"
    _kill_mid_run(_args(src, out, config), out)
    before = _hashes(out)
    result = _invoke(_args(src, out, config, seed=4))
    assert result.exit_code == 2
    assert "augment_run.json" in result.output and "seed: 3 -> 4" in result.output
    other = tmp_path / "other.yaml"
    other.write_text("ops:\n  - {op: jpeg}\n")
    result = _invoke(_args(src, out, other))
    assert result.exit_code == 2 and "the augment config changed" in result.output
    assert _hashes(out) == before


def test_non_empty_folder_without_a_record_is_refused(source, tmp_path):
    src, config = source
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = _invoke(_args(src, out, config))
    assert result.exit_code == 2 and "not empty" in result.output and str(out) in result.output
    assert sorted(os.listdir(out)) == ["notes.txt"]


def _truncate(path: Path) -> bytes:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return data


@pytest.mark.parametrize("damaged", ["rgb/000001.png", "depth/000001.exr", "meta/000001.json",
                                     "normal/000001.exr", "kitti/training/calib/000001.txt"])
def test_truncated_source_file_exits_2_naming_it_and_resumes_once_fixed(damaged, tmp_path):
    src = make_synthetic_dataset(tmp_path / "src", frames=16, width=128, height=96, kitti=True)
    config = tmp_path / "augment.yaml"
    config.write_text(CONFIG)
    out = tmp_path / "out"
    good = _truncate(src / damaged)
    result = _invoke(_args(src, out, config))
    assert result.exit_code == 2, result.output
    assert str(src / damaged) in result.output and "Traceback" not in result.output
    assert not (out / "coco" / "annotations.json").exists()
    assert not (out / ".done" / "000001_k0").exists()
    (src / damaged).write_bytes(good)
    assert _invoke(_args(src, out, config)).exit_code == 0
    assert _invoke(_args(src, tmp_path / "clean", config)).exit_code == 0
    assert _hashes(out) == _hashes(tmp_path / "clean")


def test_negative_seed_exits_2(source, tmp_path):
    src, config = source
    result = _invoke(_args(src, tmp_path / "out", config, seed=-1))
    assert result.exit_code == 2 and "--seed" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("text", "message"), [
    (b"ops:\n  - {op: hfl\xffip}\n", "UTF-8"),
    (b"ops: {op: hflip}\n", "augment.ops"),
    (b"ops:\n  - {op: crop, size: [0.9, 0.2]}\n", "augment.ops[0] (op 'crop').size"),
    (b"ops:\n  - [hflip]\n", "augment.ops[0]"),
    (b"ops: [\n", "not valid YAML"),
    (b"- 1\n- 2\n", "mapping"),
])
def test_bad_config_exits_2_naming_the_file(source, tmp_path, text, message):
    src, _ = source
    config = tmp_path / "bad.yaml"
    config.write_bytes(text)
    result = _invoke(_args(src, tmp_path / "out", config))
    assert result.exit_code == 2, result.output
    assert str(config) in result.output and message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_second_augment_into_a_held_folder_is_refused(source, tmp_path: Path) -> None:
    """Two augment runs into one --out would race on each other's files: the second one exits 2."""
    src, config = source
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from synthscape.dataset.lock import hold_output_lock\n"
        f"with hold_output_lock({str(out)!r}):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = _invoke(_args(src, out, config))
        assert result.exit_code == 2, result.output
        assert str(holder.pid) in result.output and not (out / "augment_run.json").exists()
    finally:
        holder.kill()
        holder.wait()
    assert _invoke(_args(src, out, config)).exit_code == 0  # the holder's death released the folder
