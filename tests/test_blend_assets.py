"""``.blend`` entries of ``meshes``: geometry read by Blender once and cached by content,
bounds for the sampler, and bad input (corrupt file, missing name, no bpy) as exit 2 naming
``objects[i].meshes[j]`` and the file."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from synthscape.assets import blend as blend_assets
from synthscape.assets.cache import STATS
from synthscape.errors import RecipeError
from tests.test_blend_support import PAIR_BOUNDS, RED_BOX_BOUNDS, blend_recipe, make_blend


@pytest.fixture(scope="module")
def blend_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("bpy")
    return make_blend(tmp_path_factory.mktemp("blend") / "props.blend")


@pytest.fixture()
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty asset cache (and no geometry memoized in this process)."""
    root = tmp_path / "asset_cache"
    monkeypatch.setenv("SYNTHSCAPE_ASSET_CACHE", str(root))
    blend_assets._cached_geometry.cache_clear()
    return root


def without_blender(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process behave like a Python without bpy: no reader, the Blender module unimportable."""
    monkeypatch.setattr(blend_assets, "_READERS", {})
    monkeypatch.setitem(sys.modules, "synthscape.blender.blend_assets", None)


AREA = "placement: {area: [12, 12]}\n"


def validate(path: Path) -> tuple[int, str]:
    from headless.cli import main

    result = CliRunner().invoke(main, ["validate", str(path)])
    return result.exit_code, result.output


@pytest.mark.blender
def test_object_and_collection_geometry_in_their_own_frames(blend_file: Path, fresh_cache: Path) -> None:
    import bpy

    from synthscape.blender.blend_assets import ID_COLLECTIONS

    counts = {name: len(getattr(bpy.data, name)) for name in ID_COLLECTIONS if hasattr(bpy.data, name)}
    box = blend_assets.blend_geometry(blend_file, "object", "RedBox")
    pair = blend_assets.blend_geometry(blend_file, "collection", "Pair")
    # the array modifier is applied, the object's scale kept and its origin at 0
    np.testing.assert_allclose(box.bounds, RED_BOX_BOUNDS, atol=1e-6)
    assert len(box.triangles) == 24 and box.materials == ("RedBox_mat",)
    # both objects of the collection, relative to its instance offset
    np.testing.assert_allclose(pair.bounds, PAIR_BOUNDS, atol=1e-6)
    assert pair.materials == ("PairBall_mat", "PairCube_mat")
    assert {name: len(getattr(bpy.data, name)) for name in counts} == counts  # bpy.data left as it was


@pytest.mark.blender
def test_geometry_is_cached_by_content_and_read_back_without_blender(blend_file: Path, fresh_cache: Path,
                                                                    tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first = blend_assets.blend_geometry(blend_file, "collection", "Pair")
    copy = shutil.copy(blend_file, tmp_path / "renamed.blend")
    blend_assets._cached_geometry.cache_clear()
    without_blender(monkeypatch)
    hits = STATS.hits.get(blend_assets.BLEND_GEOMETRY_KIND, 0)
    again = blend_assets.blend_geometry(copy, "collection", "Pair")  # same bytes, other path: a hit
    assert STATS.hits[blend_assets.BLEND_GEOMETRY_KIND] == hits + 1
    np.testing.assert_array_equal(again.vertices, first.vertices)
    np.testing.assert_array_equal(again.triangles, first.triangles)
    with pytest.raises(blend_assets.BlendReaderMissing, match="bpy"):
        blend_assets.blend_geometry(copy, "object", "RedBox")  # never read: needs Blender


def test_a_recipe_validated_without_bpy_says_so(tmp_path: Path, fresh_cache: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "props.blend").write_bytes(b"BLENDER-v500REND" + bytes(64))
    without_blender(monkeypatch)
    path = blend_recipe(tmp_path, "[{blend: props.blend, object: Chair}]")
    code, output = validate(path)
    assert code == 2, output
    assert "objects[1].meshes[0]" in output and "props.blend" in output and "bpy" in output, output
    assert "Traceback" not in output


@pytest.mark.parametrize("content", [b"", np.random.default_rng(1).bytes(4096), b"glTF\x02\x00\x00\x00" * 8])
def test_a_corrupt_blend_file_exits_2_naming_the_entry_and_file(tmp_path: Path, fresh_cache: Path,
                                                                content: bytes) -> None:
    from headless.cli import main

    (tmp_path / "broken.blend").write_bytes(content)
    path = blend_recipe(tmp_path, "[{blend: broken.blend, object: Chair}]")
    code, output = validate(path)
    assert code == 2 and "objects[1].meshes[0]" in output and "broken.blend" in output, output
    assert "not a Blender file" in output and "Traceback" not in output
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(path), "--out", str(out), "--frames", "1",
                                       "--resolution", "64x48", "--samples", "1", "--device", "cpu"])
    assert result.exit_code == 2 and "objects[1].meshes[0]" in result.output, result.output
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


@pytest.mark.blender
def test_a_truncated_blend_file_is_refused_by_blender(tmp_path: Path, blend_file: Path, fresh_cache: Path) -> None:
    (tmp_path / "cut.blend").write_bytes(blend_file.read_bytes()[:200])  # a real header, then nothing
    path = blend_recipe(tmp_path, "[{blend: cut.blend, collection: Pair}]")
    code, output = validate(path)
    assert code == 2 and "objects[1].meshes[0]" in output and "cut.blend" in output, output
    assert "Traceback" not in output


@pytest.mark.blender
@pytest.mark.parametrize(("entry", "words"), [
    ("{blend: props.blend, object: Chair}", ["no object named 'Chair'", "'RedBox'"]),
    ("{blend: props.blend, collection: Chairs}", ["no collection named 'Chairs'", "'Pair'"]),
    ("{blend: props.blend, object: Marker}", ["'Marker' has no faces"]),
])
def test_a_missing_name_exits_2_listing_what_the_file_has(tmp_path: Path, blend_file: Path, fresh_cache: Path,
                                                          entry: str, words: list[str]) -> None:
    shutil.copy(blend_file, tmp_path / "props.blend")
    path = blend_recipe(tmp_path, f"[{{blend: props.blend, object: RedBox}}, {entry}]")
    code, output = validate(path)
    assert code == 2 and "objects[1].meshes[1]" in output and "props.blend" in output, output
    for word in words:
        assert word in output, output


@pytest.mark.parametrize(("entry", "words"), [
    ("{blend: props.blend}", ["exactly one of 'object' and 'collection'"]),
    ("{blend: props.blend, object: A, collection: B}", ["exactly one of 'object' and 'collection'"]),
    ("{blend: props.blend, object: A, weight: 0}", ["weight"]),
    ("{blend: props.blend, object: A, colour: red}", ["colour"]),
    ("{blend: missing.blend, object: A}", ["file not found", "missing.blend"]),
    ("{blend: props.txt, object: A}", ["takes a .blend file"]),
])
def test_malformed_blend_entries_are_recipe_errors(tmp_path: Path, entry: str, words: list[str]) -> None:
    from synthscape.recipe.load import load_recipe

    (tmp_path / "props.blend").write_bytes(b"BLENDER-v500REND" + bytes(64))
    (tmp_path / "props.txt").write_text("x")
    path = blend_recipe(tmp_path, f"[{entry}]")
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    assert any(key == "objects[1].meshes" for key, _ in info.value.problems), info.value
    for word in words:
        assert word in str(info.value), info.value


@pytest.mark.blender
def test_the_sampler_poses_the_asset_with_its_bounds_and_materials(tmp_path: Path, blend_file: Path,
                                                                  fresh_cache: Path) -> None:
    from synthscape.pipeline import plan_run
    from synthscape.plan import RenderJob
    from synthscape.spec.sample import sample_frame
    from synthscape.spec.scene_spec import spec_from_dict, spec_to_json

    shutil.copy(blend_file, tmp_path / "props.blend")
    entries = "[{blend: props.blend, object: RedBox, weight: 1}, {blend: props.blend, collection: Pair, weight: 3}]"
    kept = plan_run(RenderJob(str(blend_recipe(tmp_path, entries, ", count: 6, scale: 0.25", placement=AREA)), tmp_path / "out"))
    spec = sample_frame(kept, 0)
    assert spec_to_json(spec_from_dict(json.loads(spec_to_json(spec)))) == spec_to_json(spec)  # round-trips
    assets = [o for o in spec.objects if o.shape == "mesh"]
    assert len(assets) == 6 and {o.blend_object or o.blend_collection for o in assets} == {"RedBox", "Pair"}
    for obj in assets:
        expected = RED_BOX_BOUNDS if obj.blend_object else PAIR_BOUNDS
        np.testing.assert_allclose((obj.bbox_min, obj.bbox_max), expected, atol=1e-6)
        assert obj.mesh_path == str((tmp_path / "props.blend").resolve()) and obj.use_asset_materials
        assert obj.asset_hash == blend_assets.file_sha256(tmp_path / "props.blend")
        assert obj.location[2] == pytest.approx(-expected[0][2] * obj.scale[2])  # standing on the ground
    group_material = plan_run(RenderJob(str(blend_recipe(tmp_path, entries, ", asset_materials: false",
                                                         "other.yaml", placement=AREA)), tmp_path / "out"))
    assert not any(o.use_asset_materials for o in sample_frame(group_material, 0).objects)


def test_each_datablock_of_one_file_is_its_own_bop_model() -> None:
    from synthscape.spec.scene_spec import MaterialSpec, ObjectSpec
    from synthscape.writers.bop_models import model_key

    def obj(**datablock: str) -> ObjectSpec:
        return ObjectSpec(instance_id=1, category_id=1, shape="mesh", location=(0.0, 0.0, 0.0),
                          rotation=(0.0, 0.0, 0.0), scale=(1.0, 1.0, 1.0), material=MaterialSpec(),
                          mesh_path="/assets/props.blend", **datablock)

    keys = {model_key(obj(blend_object="RedBox")), model_key(obj(blend_collection="Pair")),
            model_key(obj(blend_object="Pair")), model_key(obj(blend_object="RedBox"))}
    assert len(keys) == 3
