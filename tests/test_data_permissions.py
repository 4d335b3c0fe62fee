"""Output files get ``0o666 & ~umask`` (what ``open()`` gives), not ``mkstemp``'s private 0600,
so a job running as another user of a shared volume can read the dataset."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.batch.workers import CLI_MODULE
from tests.batch_support import FAKE, MINIMAL, REPO

WRITE_OTHER_OUTPUTS = """
import sys
from pathlib import Path
from synthscape.extension.build import _write_zip
from synthscape.io.atomic import write_atomic
from synthscape.textures.cache import TextureCache
root, repo = Path(sys.argv[1]), Path(sys.argv[2])
TextureCache(root / "texture-cache").put("ab" * 32, b"not checked here", "image/png", {"provider": "test"},
                                          source=(b"original", "image/png"))
# the zip step of build_extension (the rest of it builds wheels)
write_atomic(root / "dist" / "synthscape-0.0.0.zip", lambda tmp: _write_zip(tmp, "", repo / "addon", []))
"""


def run_with_umask(umask: int, *args: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, RENDERER_ENV: FAKE,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, *args], env=environ, cwd=REPO, capture_output=True, text=True,
                          preexec_fn=lambda: os.umask(umask))


def modes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): oct(stat.S_IMODE(p.stat().st_mode))
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("umask", [0o022, 0o002], ids=["umask022", "umask002"])
def test_every_file_of_a_dataset_a_preview_and_the_cache_gets_the_umask_mode(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "ds"
    steps = [("-m", CLI_MODULE, "render", MINIMAL, "--out", str(out), "--frames", "2"),
             ("-m", CLI_MODULE, "merge", str(out)),
             ("-m", CLI_MODULE, "preview", str(out), "--out", str(tmp_path / "sheet.png")),
             ("-c", WRITE_OTHER_OUTPUTS, str(tmp_path), str(REPO))]
    for step in steps:
        result = run_with_umask(umask, *step)
        assert result.returncode == 0, (step, result.stderr)
    found = modes(tmp_path)
    expected = oct(0o666 & ~umask)
    for name in ("ds/rgb/000000.png", "ds/depth/000001.exr", "ds/run.json", "ds/dataset.json", "ds/.done/000000",
                 "ds/coco/annotations.json", "ds/.lock", "sheet.png", "dist/synthscape-0.0.0.zip"):
        assert name in found, sorted(found)
    assert len([n for n in found if n.startswith("texture-cache/")]) == 3
    assert {name: mode for name, mode in found.items() if mode != expected} == {}
