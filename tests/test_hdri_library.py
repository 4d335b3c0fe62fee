"""``world.hdri`` libraries: Blender's built-in HDRIs by name, folders, file lists; one HDRI per frame."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synthscape.assets import hdri as hdri_module
from synthscape.assets.hdri import HdriError, builtin_hdri_names, builtin_hdri_paths, folder_hdris
from synthscape.errors import RecipeError
from synthscape.io.images import write_exr
from synthscape.recipe.load import parse_recipe
from synthscape.spec.sample import sample_scene
from synthscape.spec.seeds import stage_rng
from tests.conftest import HAS_BPY, REPO

BUILTIN = ("city", "courtyard", "forest", "interior", "night", "studio", "sunrise", "sunset")
needs_bpy = pytest.mark.skipif(not HAS_BPY, reason="the built-in HDRIs come with the bpy package")


def _sky(path: Path, value: float = 0.5) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_exr(path, {c: np.full((4, 8), value, np.float32) for c in "RGB"})
    return path


def _recipe(world: dict) -> dict:
    return {"seed": 5, "objects": [{"category": "a", "shape": "cube", "scale": 0.1}],
            "world": {"strength": {"uniform": [0.5, 2.0]}, **world}}


@needs_bpy
def test_the_eight_builtin_hdris_are_found_without_importing_bpy() -> None:
    code = ("import sys; from synthscape.assets.hdri import builtin_hdri_paths, builtin_hdri_license; "
            "print(builtin_hdri_paths('all')); assert 'bpy' not in sys.modules; "
            "assert 'CC0' in builtin_hdri_license().read_text()")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert builtin_hdri_names() == BUILTIN
    paths = builtin_hdri_paths(["forest", "city"])
    assert [Path(p).name for p in paths] == ["forest.exr", "city.exr"] and all(os.path.isfile(p) for p in paths)


def test_blender_layouts_newest_version_wins(tmp_path: Path) -> None:
    for version in ("4.2", "4.10", "4.5"):
        _sky(tmp_path / "bpy" / version / "datafiles" / "studiolights" / "world" / "forest.exr")
    _sky(tmp_path / "blender" / "datafiles" / "studiolights" / "world" / "city.exr")   # <blender>/<version>/...
    assert hdri_module._world_folder_in(tmp_path / "bpy").parent.parent.parent.name == "4.10"
    assert hdri_module._world_folder_in(tmp_path / "blender").name == "world"
    (tmp_path / "plain" / "4.2").mkdir(parents=True)
    assert hdri_module._world_folder_in(tmp_path / "plain") is None


def test_unknown_names_are_recipe_errors_listing_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    if not HAS_BPY:
        monkeypatch.setattr(hdri_module, "_candidate_roots", lambda: [])
    with pytest.raises(RecipeError) as error:
        parse_recipe(_recipe({"hdri": {"builtin": ["forest", "jungle"]}}), "scene.yaml")
    assert str(error.value) == ("scene.yaml: world.hdri: builtin: unknown built-in HDRI 'jungle'; "
                                f"valid names: {', '.join(BUILTIN)} (or all)")
    assert hdri_module.BUILTIN_HDRI_NAMES == BUILTIN


def test_without_bpy_names_are_checked_and_frames_get_no_hdri(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(hdri_module, "_candidate_roots", lambda: [])
    with pytest.raises(RecipeError, match="unknown built-in HDRI 'jungle'"):
        parse_recipe(_recipe({"hdri": {"builtin": ["jungle"]}}), "scene.yaml")
    with caplog.at_level("WARNING", logger="synthscape.recipe"):
        recipe = parse_recipe(_recipe({"hdri": {"builtin": ["forest", "city"]}}), "scene.yaml")
    assert "bpy module, which is not installed" in caplog.text and "no HDRI" in caplog.text
    skies = [str(_sky(tmp_path / "a.exr")), str(_sky(tmp_path / "b.exr"))]
    with_hdri = parse_recipe(_recipe({"hdri": {"files": skies}}))
    spec, other = sample_scene(recipe, 5, 0), sample_scene(with_hdri, 5, 0)
    assert spec.world.hdri_path is None and recipe.world.hdri.paths() == ()
    assert spec.world.strength == other.world.strength and spec.objects == other.objects


def test_folder_and_files_forms(tmp_path: Path) -> None:
    for name in ("a_1k.exr", "b_1k.exr", "c_4k.exr"):
        _sky(tmp_path / "skies" / name)
    (tmp_path / "skies" / "notes.txt").write_text("x")
    assert [Path(p).name for p in folder_hdris(tmp_path / "skies", "*_1k.exr")] == ["a_1k.exr", "b_1k.exr"]
    with pytest.raises(HdriError, match=r"no .exr or .hdr file matching '\*_8k.exr' .*notes.txt"):
        folder_hdris(tmp_path / "skies", "*_8k.exr")
    recipe = parse_recipe(_recipe({"hdri": {"folder": "skies", "pattern": "*_1k.exr"}}), "s.yaml", tmp_path)
    assert [Path(p).name for p in recipe.world.hdri.paths()] == ["a_1k.exr", "b_1k.exr"]
    recipe = parse_recipe(_recipe({"hdri": {"files": ["skies/c_4k.exr"]}}), "s.yaml", tmp_path)
    assert recipe.world.hdri.paths() == (str((tmp_path / "skies" / "c_4k.exr").resolve()),)
    (tmp_path / "empty").mkdir()
    for world, match in (({"folder": "empty"}, r"world.hdri: folder: no .exr .*empty \(it is empty\)"),
                         ({"files": ["skies/nope.exr"]}, r"world.hdri.files: files\[0\]: file not found"),
                         ({"folder": "skies", "files": ["skies/a_1k.exr"]}, "give exactly one of"),
                         ({}, "give exactly one of")):
        with pytest.raises(RecipeError, match=match):
            parse_recipe(_recipe({"hdri": world}), "s.yaml", tmp_path)


def test_a_corrupt_hdri_in_a_library_is_found_when_the_recipe_loads(tmp_path: Path) -> None:
    _sky(tmp_path / "skies" / "a.exr")
    (tmp_path / "skies" / "b.exr").write_bytes(b"v/1\x01 not an exr")
    with pytest.raises(RecipeError, match=r"world.hdri: image .*b.exr.* cannot be used"):
        parse_recipe(_recipe({"hdri": {"folder": "skies"}}), "s.yaml", tmp_path)


def test_one_hdri_per_frame_from_the_hdri_stream_other_draws_unchanged(tmp_path: Path) -> None:
    skies = [_sky(tmp_path / f"sky{i}.exr", 0.1 * (i + 1)) for i in range(4)]
    library = parse_recipe(_recipe({"hdri": {"files": [str(p) for p in skies]}}))
    single = parse_recipe(_recipe({"hdri": str(skies[0])}))
    chosen = []
    for frame in range(8):
        spec, plain = sample_scene(library, 5, frame), sample_scene(single, 5, frame)
        expected = library.world.hdri.choose(stage_rng(5, frame, "hdri"))
        assert spec.world.hdri_path == expected
        assert (spec.world.color, spec.world.strength, spec.world.hdri_rotation) == \
            (plain.world.color, plain.world.strength, plain.world.hdri_rotation)
        assert spec.objects == plain.objects and spec.camera == plain.camera
        chosen.append(spec.world.hdri_path)
    assert len(set(chosen)) >= 2
    assert [sample_scene(library, 5, f).world.hdri_path for f in range(8)] == chosen
    assert plain.world.hdri_path == str(skies[0].resolve())   # a plain file keeps working


def test_a_blender_install_is_found_from_its_bpy_modules_folder(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.machinery

    version = tmp_path / "blender-5.0.1-linux-x64" / "5.0"
    _sky(version / "datafiles" / "studiolights" / "world" / "forest.exr")
    modules = version / "scripts" / "modules" / "bpy"
    modules.mkdir(parents=True)
    spec = importlib.machinery.ModuleSpec("bpy", None, is_package=True)
    spec.submodule_search_locations = [str(modules)]
    monkeypatch.delitem(sys.modules, "bpy", raising=False)
    monkeypatch.setattr(hdri_module.importlib.util, "find_spec", lambda name: spec)
    assert hdri_module.builtin_hdri_folder() == version / "datafiles" / "studiolights" / "world"
    assert hdri_module.builtin_hdri_names() == ("forest",)
