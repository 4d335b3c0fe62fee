"""Drawing PBR texture sets per object: own stream, determinism, existing draws unchanged, spec round trip."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from synthscape.recipe.load import parse_recipe
from synthscape.spec.pbr import PbrMapError
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import PbrMaps, spec_from_dict, spec_to_dict, spec_to_json
from synthscape.spec.seeds import stage_rng
from tests.test_materials_lib_discovery import ambientcg_set, polyhaven_set


def _data(library: dict | None, count: int = 6) -> dict:
    material = {"base_color": [0.9, {"uniform": [0.2, 0.8]}, 0.5], "roughness": {"uniform": [0.1, 0.9]},
                "texture": None}
    if library is not None:
        material["library"] = library
    return {"seed": 3, "objects": [{"category": "a", "shape": "cube", "count": count, "scale": 0.1,
                                    "material": material}],
            "placement": {"area": [3.0, 3.0]}}


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    for name in ("Tiles074", "Wood049", "Metal012"):
        ambientcg_set(tmp_path / "lib", name)
    polyhaven_set(tmp_path / "lib", "brick_wall_001")
    return tmp_path / "lib"


def test_each_object_draws_a_set_from_its_own_stream(library: Path) -> None:
    recipe = parse_recipe(_data({"folder": str(library), "mapping": {"scale": {"uniform": [1, 4]}}}))
    lib = recipe.objects[0].material.library
    names = set()
    for frame in range(3):
        spec = sample_scene(recipe, 3, frame)
        for obj in spec.objects:
            pbr = obj.material.pbr
            expected = lib.choose(stage_rng(3, frame, "material_library", obj.instance_id))
            assert pbr is not None and pbr.set_name == expected.name and pbr.color == expected.color
            assert 1.0 <= obj.material.texture_mapping.scale <= 4.0
            assert pbr.color_mean != (0.5, 0.5, 0.5)   # read from the map
            names.add(pbr.set_name)
    assert len(names) >= 3   # 18 draws over 4 sets
    assert spec_to_json(sample_scene(recipe, 3, 1)) == spec_to_json(sample_scene(recipe, 3, 1))


def test_a_library_leaves_every_existing_draw_unchanged(library: Path) -> None:
    plain = sample_scene(parse_recipe(_data(None)), 3, 0)
    textured = sample_scene(parse_recipe(_data({"folder": str(library)})), 3, 0)
    assert len(plain.objects) == len(textured.objects) == 6
    for a, b in zip(plain.objects, textured.objects):
        assert dataclasses.replace(b, material=dataclasses.replace(b.material, pbr=None)) == a
    assert (plain.camera, plain.lights, plain.world, plain.ground) == \
        (textured.camera, textured.lights, textured.world, textured.ground)


def test_pbr_maps_round_trip_through_the_spec_json(library: Path) -> None:
    spec = sample_scene(parse_recipe(_data({"folder": str(library), "normal_strength": 0.5,
                                            "bump_strength": 0.1})), 3, 0)
    assert spec.objects[0].material.pbr.normal_strength == 0.5
    text = spec_to_json(spec)
    back = spec_from_dict(json.loads(text))
    assert spec_to_json(back) == text and isinstance(back.objects[0].material.pbr, PbrMaps)
    assert back.objects[0].material.pbr.color_mean == spec.objects[0].material.pbr.color_mean
    assert spec_to_dict(spec)["objects"][0]["material"]["pbr"]["set_name"]


def test_a_corrupt_map_of_the_chosen_set_is_an_error_naming_the_file(tmp_path: Path) -> None:
    sub = ambientcg_set(tmp_path / "lib", "Tiles074")
    (sub / "Tiles074_Roughness.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    recipe = parse_recipe(_data({"folder": str(tmp_path / "lib")}, count=1))
    with pytest.raises(PbrMapError, match="roughness map .*Tiles074_Roughness.png of texture set"):
        sample_scene(recipe, 3, 0)
