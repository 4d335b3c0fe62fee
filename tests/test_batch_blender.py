"""The batch equalities with real Cycles renders (64x48, 1 sample): shards, workers, Ray."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from synthscape.batch.workers import CLI_MODULE

pytestmark = pytest.mark.blender

REPO = Path(__file__).resolve().parents[1]
MINIMAL = str(REPO / "scenes" / "minimal.yaml")
FRAMES = 4
OPTIONS = ["--frames", str(FRAMES), "--samples", "1", "--resolution", "64x48", "--device", "cpu"]
LABELS = ("coco/annotations.json", "coco/frames", "instance", "semantic", "meta", ".done")
"""What must match byte for byte (the annotations and everything they are made from)."""


def labels(out_dir: Path) -> dict[str, bytes]:
    """Label files by path; a ``.done`` marker by the files it lists (its hashes cover the RGB and
    normal pixels too, which Cycles does not reproduce bit for bit across processes)."""
    found = {}
    for p in sorted(out_dir.rglob("*")):
        name = p.relative_to(out_dir).as_posix()
        if p.is_file() and name.startswith(LABELS):
            data = p.read_bytes()
            if name.startswith(".done"):
                data = "\n".join(f["path"] for f in json.loads(data)["files"]).encode()
            found[name] = data
    return found


def assert_same(out: Path, reference: Path) -> None:
    """Equal label files; on a difference, show the first differing file as a diff."""
    got, want = labels(out), labels(reference)
    assert sorted(got) == sorted(want)
    for name in want:
        if got[name] != want[name]:
            diff = difflib.unified_diff(want[name].decode("utf-8", "replace").splitlines(),
                                        got[name].decode("utf-8", "replace").splitlines(), lineterm="")
            raise AssertionError(f"{name} differs:\n" + "\n".join(list(diff)[:40]))


def render(out_dir: Path, *options: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SYNTHSCAPE_RENDERER"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out_dir),
                             *OPTIONS, *options], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    render(out)
    assert len(list((out / ".done").iterdir())) == FRAMES
    return out


def test_union_of_cycles_shards_equals_single_run(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    for k in range(3):
        render(out, "--shard-index", str(k), "--num-shards", "3")
    merged = subprocess.run([sys.executable, "-m", CLI_MODULE, "merge", str(out)], cwd=REPO,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert merged.returncode == 0, merged.stderr
    assert_same(out, reference)
    assert (out / "coco" / "annotations.json").read_bytes() == (reference / "coco" / "annotations.json").read_bytes()


def test_cycles_two_workers_equal_one(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    render(out, "--workers", "2")
    assert_same(out, reference)


def test_cycles_on_local_ray_equals_single_run(reference: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "ds"
    result = render(out, "--engine", "ray", "--num-shards", "2")
    assert "Ray, 2 task(s)" in result.stdout
    assert_same(out, reference)
