"""Provenance in ``dataset.json``: every asset the frames used (mesh files, ``.blend`` datablocks,
PBR sets, HDRIs, image textures) with sha256, licence (sidecar or manifest) and use counts, derived
from the frames' meta, so a resumed run and a merge of shards give the same list."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthscape.assets.provenance import asset_provenance, find_license, license_from_text, shown_path
from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.batch.shard_run import run_shard
from synthscape.dataset.merge import merge_dataset
from synthscape.pipeline import plan_run, render_dataset
from synthscape.plan import RenderJob
from synthscape.spec.sample import sample_frame

TRIANGLE = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- licences ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "spdx"), [
    ("All HDRIs are licensed as CC0.\n", "CC0-1.0"),
    ("Creative Commons Attribution 4.0 International Public License", "CC-BY-4.0"),
    ("licensed CC-BY-SA 4.0", "CC-BY-SA-4.0"),
    ("MIT License\n\nCopyright (c) 2024", "MIT"),
    ("\n  Proprietary: internal use only  \nsecond line", "Proprietary: internal use only"),
])
def test_licence_texts_are_named_by_spdx_id_or_first_line(text: str, spdx: str) -> None:
    assert license_from_text(text) == spdx


def test_sidecars_come_before_manifests_and_the_search_stops_at_the_library_root(tmp_path: Path) -> None:
    root = tmp_path / "library"
    deep = root / "kitchen" / "mugs"
    deep.mkdir(parents=True)
    for name in ("a.obj", "b.obj", "c.obj", "d.obj", "e.obj"):
        (deep / name).write_text(TRIANGLE)
    (deep / "a.obj.license").write_text("CC0 1.0 Universal")
    (deep / "b.obj.license.txt").write_text("MIT License")
    (deep / "c.json").write_text(json.dumps({"license": "CC-BY-4.0", "author": "Jo"}))
    (deep / "assets.yaml").write_text("assets:\n  d.obj: {license: CC-BY-SA-4.0}\n")
    (root / "LICENSE.md").write_text("Creative Commons Attribution 4.0 International")
    (tmp_path / "LICENSE").write_text("MIT License")  # above the root: never read
    assert find_license(deep / "a.obj", root)[:2] == ("CC0-1.0", deep / "a.obj.license")
    assert find_license(deep / "b.obj", root)[:2] == ("MIT", deep / "b.obj.license.txt")
    assert find_license(deep / "c.obj", root) == ("CC-BY-4.0", deep / "c.json", "Jo")
    assert find_license(deep / "d.obj", root)[:2] == ("CC-BY-SA-4.0", deep / "assets.yaml")
    assert find_license(deep / "e.obj", root)[:2] == ("CC-BY-4.0", root / "LICENSE.md")  # two folders up
    (root / "LICENSE.md").unlink()
    assert find_license(deep / "e.obj", root) == (None, None, None)
    (deep / "assets.json").write_text(json.dumps({"license": "CC0-1.0"}))  # the whole folder
    assert find_license(deep / "e.obj", root)[:2] == ("CC0-1.0", deep / "assets.json")


def test_blenders_builtin_hdris_are_cc0() -> None:
    from synthscape.assets.hdri import HdriError, builtin_hdri_folder

    try:
        folder = builtin_hdri_folder()
    except HdriError:
        pytest.skip("no bpy package with its HDRIs here")
    forest = folder / "forest.exr"
    assert find_license(forest, folder)[0] == "CC0-1.0"
    assert shown_path(forest, Path("/nowhere")) == "blender:datafiles/studiolights/world/forest.exr"


# ---- records from frame metas -------------------------------------------------------------------

def _obj(instance_id: int, **fields: object) -> dict:
    return {"instance_id": instance_id, "shape": "mesh", "material": {"base_color": [1, 1, 1]}, **fields}


def test_records_count_objects_and_frames_per_asset(tmp_path: Path) -> None:
    mug, prop = tmp_path / "assets" / "mug.obj", tmp_path / "assets" / "props.blend"
    mug.parent.mkdir()
    mug.write_text(TRIANGLE)
    prop.write_bytes(b"BLENDER-v500" + bytes(32))
    hdri = tmp_path / "sky.exr"
    hdri.write_bytes(b"not really an exr")
    color = tmp_path / "pbr" / "Wood_Color.png"
    color.parent.mkdir()
    color.write_bytes(b"png")
    (color.parent / "Wood_Roughness.png").write_bytes(b"png2")
    pbr = {"set_name": "Wood", "color": str(color), "roughness": str(color.parent / "Wood_Roughness.png")}
    metas = [
        (0, {"objects": [_obj(1, mesh_path=str(mug)), _obj(2, mesh_path=str(mug)),
                         _obj(3, mesh_path=str(prop), blend_object="Chair")],
             "world": {"hdri_path": str(hdri)}, "ground": {"material": {"pbr": pbr}}}),
        (3, {"objects": [_obj(1, mesh_path=str(prop), blend_collection="Set"),
                         _obj(2, mesh_path=str(prop), blend_object="Chair", material={"pbr": pbr}),
                         {"instance_id": 3, "shape": "cube", "material": {"texture_path": str(color)}},
                         _obj(4, mesh_path="/cache/procedural/ab.ply", procedural={"kind": "mug", "height": 0.1})],
             "world": {"hdri_path": None}}),
    ]
    records = asset_provenance(metas, tmp_path)
    by_key = {(r["kind"], r["path"], r.get("blend_object") or r.get("blend_collection")): r for r in records}
    assert set(by_key) == {("mesh", "assets/mug.obj", None), ("blend", "assets/props.blend", "Chair"),
                           ("blend", "assets/props.blend", "Set"), ("hdri", "sky.exr", None),
                           ("pbr", "pbr", None), ("texture", "pbr/Wood_Color.png", None),
                           ("procedural", "procedural:mug", None)}
    counts = {key: (r["objects"], r["frames"]) for key, r in by_key.items()}
    assert counts == {("mesh", "assets/mug.obj", None): (2, 1), ("blend", "assets/props.blend", "Chair"): (2, 2),
                      ("blend", "assets/props.blend", "Set"): (1, 1), ("hdri", "sky.exr", None): (0, 1),
                      ("pbr", "pbr", None): (1, 2), ("texture", "pbr/Wood_Color.png", None): (1, 1),
                      ("procedural", "procedural:mug", None): (1, 1)}
    assert by_key[("mesh", "assets/mug.obj", None)]["sha256"] == sha(mug)
    assert by_key[("hdri", "sky.exr", None)]["sha256"] == sha(hdri)
    pbr_record = by_key[("pbr", "pbr", None)]
    assert pbr_record["set_name"] == "Wood"
    assert pbr_record["files"] == [{"map": "color", "path": "pbr/Wood_Color.png", "sha256": sha(color)},
                                   {"map": "roughness", "path": "pbr/Wood_Roughness.png",
                                    "sha256": sha(color.parent / "Wood_Roughness.png")}]
    assert all(r["license"] is None and r["license_file"] is None for r in records)
    assert str(tmp_path) not in json.dumps(records)  # paths relative to the recipe's folder


# ---- dataset.json after runs, resumes and merges --------------------------------------------------

@pytest.fixture()
def library_recipe(tmp_path: Path) -> Path:
    mugs = tmp_path / "assets" / "mugs"
    mugs.mkdir(parents=True)
    for index, name in enumerate(("a.obj", "b.obj", "c.obj")):
        (mugs / name).write_text(TRIANGLE.replace("v 0 0 1", f"v 0 0 {1 + index}"))
    (mugs / "b.obj.license").write_text("CC0")
    (tmp_path / "assets" / "LICENSE").write_text("Creative Commons Attribution 4.0 International")
    sets = tmp_path / "textures"
    sets.mkdir()
    for name in ("Wood_Color", "Wood_Roughness", "Rock_Color"):
        Image.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(sets / f"{name}.png")
    (sets / "assets.json").write_text(json.dumps({"assets": {"Rock_Color.png": {"license": "CC0-1.0"}}}))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("seed: 11\nframes: 6\ncamera: {resolution: [64, 48]}\nplacement: {area: [4, 4]}\n"
                      "objects:\n- {category: mug, meshes: {folder: assets/mugs, pattern: '*.obj'}, scale: 0.1,\n"
                      "   count: {randint: [1, 4]}, material: {library: {folder: textures}}}\n"
                      "- {category: box, shape: cube, scale: 0.1}\n", encoding="utf-8")
    return recipe


def _assets(out: Path) -> list[dict]:
    return json.loads((out / "dataset.json").read_text())["assets"]


def test_dataset_json_lists_the_assets_with_counts_from_the_frames(library_recipe: Path, tmp_path: Path) -> None:
    out = tmp_path / "single"
    render_dataset(RenderJob(str(library_recipe), out), renderer_factory=FakeRenderer)
    plan = plan_run(RenderJob(str(library_recipe), out))
    expected: Counter[str] = Counter()
    frames: dict[str, set[int]] = {}
    for index in range(6):
        for obj in sample_frame(plan, index).objects:
            if obj.mesh_path:
                name = f"assets/mugs/{Path(obj.mesh_path).name}"
                expected[name] += 1
                frames.setdefault(name, set()).add(index)
    meshes = {r["path"]: r for r in _assets(out) if r["kind"] == "mesh"}
    assert {p: r["objects"] for p, r in meshes.items()} == dict(expected)
    assert {p: r["frames"] for p, r in meshes.items()} == {p: len(f) for p, f in frames.items()}
    assert meshes["assets/mugs/b.obj"]["license"] == "CC0-1.0"
    assert meshes["assets/mugs/b.obj"]["license_file"] == "assets/mugs/b.obj.license"
    assert meshes["assets/mugs/a.obj"]["license"] == "CC-BY-4.0"
    assert meshes["assets/mugs/a.obj"]["license_file"] == "assets/LICENSE"
    assert meshes["assets/mugs/a.obj"]["sha256"] == sha(library_recipe.parent / "assets" / "mugs" / "a.obj")
    pbr = {r["set_name"]: r for r in _assets(out) if r["kind"] == "pbr"}
    assert sum(r["objects"] for r in pbr.values()) == sum(expected.values())
    assert (pbr["Rock"]["license"], pbr["Wood"]["license"]) == ("CC0-1.0", None)  # seed 11 draws both sets
    assert pbr["Rock"]["license_file"] == "textures/assets.json"


def test_resumed_and_sharded_runs_give_the_same_assets(library_recipe: Path, tmp_path: Path) -> None:
    single = tmp_path / "single"
    render_dataset(RenderJob(str(library_recipe), single), renderer_factory=FakeRenderer)
    resumed = tmp_path / "resumed"
    render_dataset(RenderJob(str(library_recipe), resumed, frame_indices=[0, 2, 3]), renderer_factory=FakeRenderer)
    render_dataset(RenderJob(str(library_recipe), resumed), renderer_factory=FakeRenderer)  # does the rest
    sharded = tmp_path / "sharded"
    for shard in (1, 0, 2):
        run_shard(RenderJob(str(library_recipe), sharded), shard, 3, renderer_factory=FakeRenderer)
    merge_dataset(sharded)
    assert _assets(resumed) == _assets(single) == _assets(sharded)
    assert sum(r["objects"] for r in _assets(single) if r["kind"] == "mesh") >= 6
