"""``synthscape render`` headless on Blender 4.2 LTS, the oldest supported line (bpy==4.2.* from PyPI).

Set ``SYNTHSCAPE_BPY42_HEADLESS_PYTHON`` to a Python with ``bpy==4.2.*`` and synthscape's runtime
dependencies (no Open3D: LiDAR falls back to Blender's BVH, like inside a real Blender);
``.ci/run`` creates one. The same frame rendered with this venv's Blender must give the same
labels: Blender version differences are confined to ``synthscape/blender/compat.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BPY42_ENV = "SYNTHSCAPE_BPY42_HEADLESS_PYTHON"
BPY42_PYTHON = os.environ.get(BPY42_ENV, "")
RENDER_ARGS = ["render", "scenes/minimal.yaml", "--frames", "1", "--resolution", "64x48", "--samples", "1"]

needs_bpy42 = pytest.mark.skipif(not BPY42_PYTHON, reason=f"set {BPY42_ENV} to a Python with bpy==4.2.* "
                                                          "and synthscape's dependencies")


def render_with(python: str, out_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SYNTHSCAPE_RENDERER", None)  # Cycles, not a fake
    return subprocess.run([python, "-m", "headless", *RENDER_ARGS, "--out", str(out_dir)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered_on_42(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bpy42") / "ds"
    result = render_with(BPY42_PYTHON, out)
    assert result.returncode == 0, f"render on Blender 4.2 failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return out


@needs_bpy42
def test_the_interpreter_is_blender_42() -> None:
    probe = subprocess.run([BPY42_PYTHON, "-c", "import bpy; print(bpy.app.version_string)"], capture_output=True,
                           text=True, timeout=300, check=False)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.strip().splitlines()[-1].startswith("4.2."), probe.stdout


@needs_bpy42
def test_headless_render_on_42_writes_a_complete_frame(rendered_on_42: Path) -> None:
    for relative in ("rgb/000000.png", "depth/000000.exr", "depth/000000.png", "normal/000000.exr",
                     "instance/000000.png", "semantic/000000.png", "meta/000000.json", ".done/000000"):
        assert (rendered_on_42 / relative).is_file(), f"{relative} is missing"
    meta = read_json(rendered_on_42 / "meta" / "000000.json")
    assert meta["versions"]["blender"].startswith("4.2."), meta["versions"]
    coco = read_json(rendered_on_42 / "coco" / "annotations.json")
    assert len(coco["images"]) == 1 and coco["annotations"], "no object labelled: the scene did not build on 4.2"


@needs_bpy42
@pytest.mark.blender
def test_42_gives_the_same_labels_as_the_current_blender(rendered_on_42: Path, tmp_path: Path) -> None:
    current = tmp_path / "current"
    result = render_with(sys.executable, current)
    assert result.returncode == 0, result.stderr[-3000:]
    old, new = (read_json(d / "coco" / "annotations.json") for d in (rendered_on_42, current))
    for key in ("images", "annotations", "categories"):
        assert old[key] == new[key], f"COCO {key} differ between Blender 4.2 and {sys.executable}'s Blender"
    old_meta, new_meta = (read_json(d / "meta" / "000000.json") for d in (rendered_on_42, current))
    assert old_meta.pop("versions") != new_meta.pop("versions")
    assert old_meta == new_meta
