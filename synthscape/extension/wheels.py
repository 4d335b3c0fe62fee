"""Which wheels the extension bundles, and fetching them with pip (at build time only).

Blender ships numpy, requests and their certificates; everything else synthscape imports
inside Blender is bundled as wheels pinned to the versions installed where the build runs.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOTS: tuple[str, ...] = ("pyyaml", "pydantic", "pillow", "OpenEXR", "pycocotools", "platformdirs", "openai",
                          "trimesh", "python-fcl")
"""What synthscape's pipeline imports inside Blender (writers, recipe, textures, collision-free placement).
CoACD (``collision: decomposition``) is left out: it has no wheel for Intel macOS; where it is
missing the feature says so (:func:`synthscape.io.optional.import_optional`)."""

BLENDER_SHIPS = frozenset({"numpy", "requests", "certifi", "idna", "urllib3", "charset-normalizer",
                           "zstandard", "cython"})
"""Distributions Blender 4.2-5.0 already bundles (the ``bpy`` wheel depends on the same ones)."""

EXCLUDED = frozenset({"bpy", "click", "open3d", "open3d-cpu", "opencv-python-headless", "matplotlib",
                      "psutil", "pytest"})
"""Heavy or CLI-only distributions never bundled (LiDAR uses Blender's BVHTree instead of Open3D)."""

PLATFORM_TAGS: dict[str, tuple[str, ...]] = {
    "linux-x64": ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "windows-x64": ("win_amd64",),
    "macos-arm64": ("macosx_11_0_arm64", "macosx_12_0_arm64", "macosx_14_0_arm64"),
    "macos-x64": ("macosx_10_9_x86_64", "macosx_10_13_x86_64", "macosx_11_0_x86_64"),
}
"""Blender platform name -> pip ``--platform`` tags tried for it."""

PYTHON_VERSION = "3.11"
"""The Python of Blender 4.2 .. 5.0."""


def canonical(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_closure(roots: tuple[str, ...] = ROOTS) -> dict[str, str | None]:
    """``roots`` and their runtime dependencies, minus what Blender ships or is excluded.

    Returns:
        canonical name -> installed version (None when not installed here: left unpinned).
    """
    from packaging.requirements import Requirement  # build time only: Blender ships no packaging

    env = {"python_version": PYTHON_VERSION, "extra": ""}
    found: dict[str, str | None] = {}
    todo = list(roots)
    while todo:
        name = canonical(todo.pop())
        if name in found or name in BLENDER_SHIPS or name in EXCLUDED:
            continue
        try:
            found[name] = importlib.metadata.version(name)
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
            continue
        for spec in requires:
            requirement = Requirement(spec)
            if requirement.marker is None or requirement.marker.evaluate(env):
                todo.append(requirement.name)
    return dict(sorted(found.items()))


def pip_download(requirements: list[str], dest: Path, platform_tags: tuple[str, ...]) -> None:
    """Download binary wheels for Python 3.11 on one platform into ``dest`` (no dependencies).

    Tries ``dest`` itself first (offline, a warm cache), then the configured package index.

    Raises:
        RuntimeError: pip failed; the message holds pip's last lines.
    """
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--python-version", PYTHON_VERSION, "--implementation", "cp", "--abi", "cp311",
            "--abi", "abi3", "--abi", "none", "--dest", str(dest), "--disable-pip-version-check",
            "--quiet"]
    for tag in platform_tags:
        base += ["--platform", tag]
    offline = subprocess.run(base + ["--no-index", "--find-links", str(dest), *requirements],
                             capture_output=True, text=True, check=False)
    if offline.returncode == 0:
        return
    online = subprocess.run(base + requirements, capture_output=True, text=True, check=False)
    if online.returncode != 0:
        tail = "\n".join((online.stderr or online.stdout).strip().splitlines()[-5:])
        raise RuntimeError(f"pip download failed for {' '.join(requirements)}:\n{tail}")


def build_own_wheel(project_root: Path, dest: Path) -> Path:
    """``pip wheel`` of the synthscape project itself (pure Python) into ``dest``.

    Builds from a clean copy of the sources, so the checkout gets no ``build/`` or
    ``*.egg-info`` and stale build folders never leak into the wheel.

    Raises:
        RuntimeError: the build failed.
    """
    dest.mkdir(parents=True, exist_ok=True)
    source = dest.parent / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("synthscape", "headless"):
        shutil.copytree(project_root / name, source / name, ignore=ignore, dirs_exist_ok=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (project_root / name).is_file():
            shutil.copy2(project_root / name, source / name)
    before = set(dest.glob("synthscape-*.whl"))
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "--quiet",
               "--wheel-dir", str(dest), str(source)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:  # offline: build with the setuptools installed here
        result = subprocess.run(command + ["--no-build-isolation"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise RuntimeError(f"pip wheel {project_root} failed:\n{tail}")
    built = sorted(set(dest.glob("synthscape-*.whl")) - before) or sorted(dest.glob("synthscape-*.whl"))
    return built[-1]


def wheel_matches(filename: str, name: str, version: str | None) -> bool:
    """True when a wheel file is a build of distribution ``name`` (at ``version`` when given)."""
    parts = filename.split("-")
    if len(parts) < 5 or canonical(parts[0]) != canonical(name):
        return False
    return version is None or parts[1] == version
