"""PBR texture-set discovery (ambientCG / Poly Haven layouts) and the ``material.library`` recipe key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscape.assets.materials import (MaterialLibraryError, color_map_mean, discover_pbr_sets,
                                         parse_map_name)
from synthscape.errors import RecipeError
from synthscape.io.images import write_exr, write_png
from synthscape.recipe.load import parse_recipe


def write_map(path: Path, value: int | tuple[int, int, int] = 128) -> Path:
    """A small 4x4 PNG of one colour (or a tiny EXR for .exr paths)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".exr":
        write_exr(path, {c: np.full((4, 4), 0.25, np.float32) for c in "RGB"})
        return path
    rgb = value if isinstance(value, tuple) else (value,) * 3
    write_png(path, np.broadcast_to(np.array(rgb, np.uint8), (4, 4, 3)).copy())
    return path


def ambientcg_set(folder: Path, name: str, normal: str = "NormalGL") -> Path:
    """An ambientCG set in its own folder: Color, Roughness, normal, Metalness, Displacement, AO."""
    sub = folder / name
    for role in ("Color", "Roughness", normal, "Metalness", "Displacement", "AmbientOcclusion"):
        write_map(sub / f"{name}_{role}.png")
    write_map(sub / f"{name}.png")   # the preview image ambientCG ships: not a map
    return sub


def polyhaven_set(folder: Path, name: str) -> None:
    """A Poly Haven set side by side with others: diff, rough, nor_dx (EXR), disp, ao, 1k suffix."""
    for role, suffix in (("diff", ".jpg"), ("rough", ".png"), ("nor_dx", ".exr"), ("disp", ".png"), ("ao", ".png")):
        path = folder / f"{name}_{role}_1k{suffix}"
        if suffix == ".jpg":
            from PIL import Image
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (4, 4), (200, 100, 50)).save(path)
        else:
            write_map(path)


def test_map_names_of_both_layouts_parse_to_set_and_role() -> None:
    cases = {
        "Wood049_1K-JPG_Color.jpg": ("Wood049_1K-JPG", "color"),
        "Wood049_1K-JPG_NormalDX.jpg": ("Wood049_1K-JPG", "normal_dx"),
        "Metal_01_BaseColor.png": ("Metal_01", "color"),
        "Rough_Stone_Roughness.png": ("Rough_Stone", "roughness"),
        "brick_wall_001_nor_gl_1k.exr": ("brick_wall_001_1k", "normal_gl"),
        "brick_wall_001_diff_2k.jpg": ("brick_wall_001_2k", "color"),
        "rock_ambientocclusion.tif": ("rock", "ao"),
        "rock_Displacement.exr": ("rock", "displacement"),
    }
    for name, expected in cases.items():
        assert parse_map_name(Path(name)) == expected, name
    for name in ("Wood049.png", "readme_Color.txt", "Color.png", "notes.jpg"):
        assert parse_map_name(Path(name)) is None, name


def test_ambientcg_folders_and_polyhaven_side_by_side_are_found(tmp_path: Path) -> None:
    ambientcg_set(tmp_path, "Tiles074")
    ambientcg_set(tmp_path, "Wood049", normal="NormalDX")
    polyhaven_set(tmp_path, "brick_wall_001")
    polyhaven_set(tmp_path, "rock_face")
    sets = {s.name: s for s in discover_pbr_sets(tmp_path)}
    assert sorted(sets) == ["Tiles074/Tiles074", "Wood049/Wood049", "brick_wall_001_1k", "rock_face_1k"]
    tiles = sets["Tiles074/Tiles074"]
    assert tiles.color.endswith("Tiles074_Color.png") and tiles.normal.endswith("_NormalGL.png")
    assert tiles.normal_convention == "gl" and tiles.metalness and tiles.displacement and tiles.ao
    assert sets["Wood049/Wood049"].normal_convention == "dx"
    brick = sets["brick_wall_001_1k"]
    assert brick.color.endswith("brick_wall_001_diff_1k.jpg") and brick.normal.endswith("_nor_dx_1k.exr")
    assert brick.normal_convention == "dx" and brick.metalness is None
    assert all(Path(p).is_absolute() for s in sets.values() for p in (s.color, s.roughness))


def test_pattern_recursive_and_preferences(tmp_path: Path) -> None:
    ambientcg_set(tmp_path, "Tiles074")
    ambientcg_set(tmp_path, "Wood049")
    write_map(tmp_path / "Wood049" / "Wood049_NormalDX.png")   # both conventions: GL wins
    write_map(tmp_path / "Wood049" / "Wood049_Color.jpg")       # png before jpg
    write_map(tmp_path / "Plain_Normal.png")
    write_map(tmp_path / "Plain_Color.png")
    assert [s.name for s in discover_pbr_sets(tmp_path, pattern="wood*")] == ["Wood049/Wood049"]
    assert [s.name for s in discover_pbr_sets(tmp_path, recursive=False)] == ["Plain"]
    wood = discover_pbr_sets(tmp_path, pattern="Wood*")[0]
    assert wood.normal.endswith("_NormalGL.png") and wood.color.endswith(".png")
    assert discover_pbr_sets(tmp_path, pattern="Plain", unspecified_normal="dx")[0].normal_convention == "dx"


def test_folders_without_a_usable_set_say_what_they_hold(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(MaterialLibraryError, match="holds no files"):
        discover_pbr_sets(tmp_path / "empty")
    write_map(tmp_path / "nocolour" / "Rock_Roughness.png")
    write_map(tmp_path / "nocolour" / "Rock_NormalGL.png")
    with pytest.raises(MaterialLibraryError, match=r"found 2 file\(s\): Rock_NormalGL.png, Rock_Roughness.png"):
        discover_pbr_sets(tmp_path / "nocolour")
    ambientcg_set(tmp_path / "lib", "Tiles074")
    with pytest.raises(MaterialLibraryError, match="matching pattern 'Wood\\*'"):
        discover_pbr_sets(tmp_path / "lib", pattern="Wood*")
    with pytest.raises(MaterialLibraryError, match="folder not found"):
        discover_pbr_sets(tmp_path / "missing")


def _recipe(library: dict) -> dict:
    return {"objects": [{"category": "a", "shape": "cube", "material": {"library": library}}]}


def test_recipe_errors_name_the_key_and_the_folder(tmp_path: Path) -> None:
    write_map(tmp_path / "bad" / "Rock_Roughness.png")
    with pytest.raises(RecipeError) as error:
        parse_recipe(_recipe({"folder": "bad"}), "scene.yaml", tmp_path)
    message = str(error.value)
    assert message.startswith("scene.yaml: objects[0].material.library: no PBR texture set in ")
    assert str(tmp_path / "bad") in message and "Rock_Roughness.png" in message
    with pytest.raises(RecipeError, match=r"objects\[0\]\.material\.library\.folder: folder not found"):
        parse_recipe(_recipe({"folder": "nowhere"}), "scene.yaml", tmp_path)
    ambientcg_set(tmp_path / "good", "Tiles074")
    with pytest.raises(RecipeError, match="either 'texture'.*or 'library'"):
        parse_recipe({"objects": [{"category": "a", "shape": "cube", "material": {
            "library": {"folder": "good"}, "texture": {"source": "procedural"}}}]}, "scene.yaml", tmp_path)
    recipe = parse_recipe(_recipe({"folder": "good", "mapping": {"scale": 3}}), "scene.yaml", tmp_path)
    assert [s.name for s in recipe.objects[0].material.library.sets] == ["Tiles074/Tiles074"]


def test_colour_map_mean_is_linear_and_cached(tmp_path: Path) -> None:
    from synthscape.assets.cache import STATS

    path = str(write_map(tmp_path / "A_Color.png", (255, 188, 0)))
    STATS.reset()
    mean = color_map_mean(path)
    np.testing.assert_allclose(mean, (1.0, 0.5029, 0.0), atol=2e-3)   # sRGB 188 = linear 0.503
    assert color_map_mean(path) == mean and STATS.hits.get("color_map_mean") == 1
    exr = str(write_map(tmp_path / "B_Color.exr"))
    assert color_map_mean(exr) == (0.25, 0.25, 0.25)
