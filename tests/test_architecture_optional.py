"""Blender's own Python has no OpenCV: everything the add-on and the Blender layer import must load without it."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = ["synthscape", "synthscape.pipeline", "synthscape.writers", "synthscape.sensors", "synthscape.spec.sample",
           "synthscape.spec.lens", "synthscape.dataset", "synthscape.batch", "synthscape.extension.worker"]


def _import_without(blocked: str, modules: list[str]) -> subprocess.CompletedProcess:
    code = f"import sys; sys.modules[{blocked!r}] = None\n" + "".join(f"import {m}\n" for m in modules)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("blocked", ["cv2", "open3d"])
def test_core_modules_import_without_optional_libraries(blocked: str) -> None:
    result = _import_without(blocked, MODULES)
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_feature_that_needs_opencv_says_so() -> None:
    code = ("import sys; sys.modules['cv2'] = None\n"
            "from synthscape.io.optional import import_cv2\n"
            "from synthscape.errors import SynthscapeError\n"
            "try:\n    import_cv2('camera.distortion')\nexcept SynthscapeError as e:\n    print(e)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "camera.distortion needs OpenCV" in result.stdout, result.stdout + result.stderr
