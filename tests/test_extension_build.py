"""The extension builder: manifest, zip layout and wheel selection (no network: fake fetch)."""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from synthscape.extension.build import REPO_ROOT, build_extension, collect_dependency_wheels
from synthscape.extension.manifest import dump_manifest, fill_manifest, load_manifest, read_project_version
from synthscape.extension.wheels import BLENDER_SHIPS, EXCLUDED, canonical, dependency_closure, wheel_matches

PINS = {"pyyaml": "6.0.3", "pydantic-core": "2.50.4", "typing-extensions": "4.16.0"}


def fake_fetch(requirements: list[str], dest: Path, platform_tags: tuple[str, ...]) -> None:
    """Write an empty wheel per requirement: platform wheels for pyyaml/pydantic-core."""
    for requirement in requirements:
        name, version = requirement.split("==")
        tag = platform_tags[0] if name in ("pyyaml", "pydantic-core") else "any"
        abi = "cp311-cp311" if tag != "any" else "py3-none"
        with zipfile.ZipFile(dest / f"{name.replace('-', '_')}-{version}-{abi}-{tag}.whl", "w") as wheel:
            wheel.writestr("placeholder.txt", requirement)


def test_manifest_template_is_valid_and_round_trips() -> None:
    template = load_manifest(REPO_ROOT / "blender_manifest.toml")
    assert template["id"] == "synthscape" and template["type"] == "add-on"
    assert template["blender_version_min"] == "4.2.0" and template["license"] == ["SPDX:MIT"]
    assert set(template["permissions"]) == {"files", "network"}
    filled = fill_manifest(template, version="9.8.7", wheels=["b.whl", "a.whl"], platforms=["linux-x64"])
    parsed = tomllib.loads(dump_manifest(filled))
    assert parsed["version"] == "9.8.7"
    assert parsed["wheels"] == ["./wheels/a.whl", "./wheels/b.whl"]
    assert parsed["permissions"] == template["permissions"]


def test_missing_manifest_key_names_file_and_key(tmp_path: Path) -> None:
    broken = tmp_path / "blender_manifest.toml"
    broken.write_text('schema_version = "1.0.0"\nid = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"blender_manifest.toml: missing key\(s\) version"):
        load_manifest(broken)


def test_dependency_closure_skips_what_blender_ships() -> None:
    closure = dependency_closure()
    assert {"pyyaml", "pydantic", "pydantic-core", "pycocotools", "openexr", "pillow"} <= set(closure)
    assert not set(closure) & (BLENDER_SHIPS | EXCLUDED)
    assert all(canonical(name) == name for name in closure)


def test_wheel_matches_names_and_versions() -> None:
    assert wheel_matches("pydantic_core-2.50.4-cp311-cp311-manylinux_2_17_x86_64.whl", "pydantic-core", "2.50.4")
    assert not wheel_matches("pydantic_core-2.50.4-cp311-cp311-manylinux_2_17_x86_64.whl", "pydantic", None)
    assert not wheel_matches("pyyaml-6.0.2-cp311-cp311-win_amd64.whl", "pyyaml", "6.0.3")


def test_each_platform_gets_its_wheels_and_pure_ones_once(tmp_path: Path) -> None:
    dest = tmp_path / "wheels"
    dest.mkdir()
    wheels = collect_dependency_wheels(dest, tmp_path / "cache", ["linux-x64", "windows-x64"], fake_fetch, PINS)
    names = sorted(w.name for w in wheels)
    assert len([n for n in names if n.startswith("typing_extensions")]) == 1
    assert any(n.endswith("win_amd64.whl") and n.startswith("pyyaml") for n in names)
    assert any("manylinux" in n and n.startswith("pydantic_core") for n in names)
    with pytest.raises(ValueError, match="--platform amiga"):
        collect_dependency_wheels(dest, tmp_path / "cache", ["amiga"], fake_fetch, PINS)


def test_build_zip_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("synthscape.extension.build.dependency_closure", lambda: dict(PINS))
    target = build_extension(tmp_path / "dist", wheel_cache=tmp_path / "cache", fetch=fake_fetch)
    version = read_project_version(REPO_ROOT / "pyproject.toml")
    assert target == tmp_path / "dist" / f"synthscape-{version}.zip"
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        manifest = tomllib.loads(archive.read("blender_manifest.toml").decode())
        own = next(n for n in names if n.startswith("wheels/synthscape-"))
        with archive.open(own) as handle, zipfile.ZipFile(handle) as wheel:
            packaged = set(wheel.namelist())
    assert {"__init__.py", "operators/__init__.py", "props/__init__.py", "panels/__init__.py",
            "scene_mode.py"} <= names
    assert not any("__pycache__" in n for n in names)
    assert manifest["version"] == version and manifest["platforms"] == ["linux-x64"]
    assert sorted(f"wheels/{Path(w).name}" for w in manifest["wheels"]) == sorted(
        n for n in names if n.startswith("wheels/"))
    assert {"synthscape/pipeline.py", "synthscape/extension/worker.py", "synthscape/writers/coco.py"} <= packaged
    assert not (REPO_ROOT / "build").exists() or (REPO_ROOT / "build").stat().st_mtime < target.stat().st_mtime - 60


def test_cli_command_reports_missing_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from headless.commands.build_extension import build_extension as command

    monkeypatch.setattr("synthscape.extension.build.build_extension",
                        lambda out, **kw: build_extension(out, **kw, project_root=tmp_path, fetch=fake_fetch))
    result = CliRunner().invoke(command, ["--out", str(tmp_path / "dist")])
    assert result.exit_code != 0
    assert "pyproject.toml not found" in result.output and "source checkout" in result.output
