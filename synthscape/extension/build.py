"""Assemble ``dist/synthscape-<version>.zip``: manifest, add-on code and bundled wheels.

The zip installs with Blender's own installer (Preferences > Get Extensions > Install from
Disk, or ``bpy.ops.extensions.package_install_files``). No bpy here: plain Python + pip.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from synthscape.extension.manifest import dump_manifest, fill_manifest, load_manifest, read_project_version
from synthscape.extension.wheels import PLATFORM_TAGS, build_own_wheel, dependency_closure, pip_download, wheel_matches
from synthscape.io.atomic import write_atomic

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The source checkout this module lives in (``addon/`` and the manifest live there)."""

Fetch = Callable[[list[str], Path, tuple[str, ...]], None]
"""``fetch(requirements, dest, platform_tags)``: put binary wheels for them into ``dest``."""


def default_wheel_cache() -> Path:
    """Folder reused between builds so wheels are downloaded once."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("synthscape")) / "extension-wheels"


def _check_sources(root: Path) -> None:
    for needed in ("pyproject.toml", "blender_manifest.toml", "addon/__init__.py"):
        if not (root / needed).is_file():
            raise FileNotFoundError(f"{root / needed} not found: build the extension from a source "
                                    "checkout of synthscape (git clone, then synthscape build-extension)")


def collect_dependency_wheels(dest: Path, cache: Path, platforms: Sequence[str],
                              fetch: Fetch = pip_download,
                              pins: dict[str, str | None] | None = None) -> list[Path]:
    """Fetch (into ``cache``) and copy to ``dest`` one wheel per dependency and platform.

    Raises:
        ValueError: an unknown platform name.
        RuntimeError: a wheel could not be fetched.
    """
    pins = dependency_closure() if pins is None else pins
    requirements = [f"{name}=={version}" if version else name for name, version in pins.items()]
    copied: dict[str, Path] = {}
    for platform in platforms:
        if platform not in PLATFORM_TAGS:
            raise ValueError(f"--platform {platform}: use one of {', '.join(PLATFORM_TAGS)}")
        folder = cache / platform
        folder.mkdir(parents=True, exist_ok=True)
        fetch(requirements, folder, PLATFORM_TAGS[platform])
        for name, version in pins.items():
            matches = sorted(p for p in folder.glob("*.whl") if wheel_matches(p.name, name, version))
            if not matches:
                raise RuntimeError(f"no {platform} wheel of {name}=={version} in {folder}")
            copied.setdefault(matches[-1].name, shutil.copy2(matches[-1], dest / matches[-1].name))
    return [Path(p) for p in copied.values()]


def _write_zip(target: Path, manifest_text: str, addon_dir: Path, wheels: list[Path]) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("blender_manifest.toml", manifest_text)
        for path in sorted(addon_dir.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                archive.write(path, path.relative_to(addon_dir).as_posix())
        for wheel in sorted(wheels):
            archive.write(wheel, f"wheels/{wheel.name}")


def build_extension(out_dir: str | Path, *, platforms: Sequence[str] = ("linux-x64",),
                    wheel_cache: Path | None = None, project_root: Path = REPO_ROOT,
                    fetch: Fetch = pip_download) -> Path:
    """Build the Blender extension zip.

    Args:
        out_dir: folder for ``synthscape-<version>.zip`` (created).
        platforms: Blender platform names whose wheels are bundled (``linux-x64``, ``windows-x64``,
            ``macos-arm64``, ``macos-x64``); written to the manifest's ``platforms``.
        wheel_cache: where downloaded wheels are kept between builds.
        project_root: the synthscape source checkout.
        fetch: downloads wheels (pip by default; tests pass a fake).

    Returns:
        Path of the zip.

    Raises:
        FileNotFoundError: not a source checkout.
        RuntimeError: a wheel could not be built or downloaded.
    """
    project_root = Path(project_root)
    _check_sources(project_root)
    version = read_project_version(project_root / "pyproject.toml")
    template = load_manifest(project_root / "blender_manifest.toml")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="synthscape_ext_") as staging:
        wheels_dir = Path(staging) / "wheels"
        wheels_dir.mkdir()
        own = build_own_wheel(project_root, wheels_dir)
        deps = collect_dependency_wheels(wheels_dir, wheel_cache or default_wheel_cache(), platforms, fetch)
        wheels = [own, *deps]
        manifest = fill_manifest(template, version=version, wheels=[w.name for w in wheels],
                                 platforms=list(platforms))
        target = out / f"synthscape-{version}.zip"
        write_atomic(target, lambda tmp: _write_zip(tmp, dump_manifest(manifest), project_root / "addon",
                                                    wheels))
    return target
