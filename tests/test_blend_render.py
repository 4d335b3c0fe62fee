"""Rendering ``.blend`` assets: the appended object and the collection (posed as one object) are
where the spec puts them in the instance mask, with their own materials' colours (the group's
with ``asset_materials: false``); ``dataset.json`` lists both datablocks with their licence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synthscape.io.images import read_png
from synthscape.spec.camera import euler_xyz_to_matrix
from synthscape.spec.projection import project_points, world_to_camera_points
from tests.test_blend_support import make_blend

pytestmark = pytest.mark.blender

RECIPE = """seed: 5
camera: {resolution: [64, 48], location: [0, -3, 9], target: [0, 0, 0.3]}
lights: [{type: sun, intensity: 4, elevation: 60}]
world: {color: [0.3, 0.3, 0.3], strength: 1.0}
ground: {size: [6, 6]}
objects:
- {category: box, meshes: [{blend: props.blend, object: RedBox}], location: [-1.2, 0.9, 0.15], yaw: 20,
   scale: 0.6, material: {base_color: [0, 0, 1]}}
- {category: pair, meshes: [{blend: props.blend, collection: Pair}], location: [1.0, -0.6, 0.4], yaw: 30,
   scale: [1.2, 1.2, 0.8], material: {base_color: [1, 1, 0]}}
- {category: box, meshes: [{blend: props.blend, object: RedBox}], location: [-1.6, -1.0, 0.1], yaw: 0,
   scale: 0.4, material: {base_color: [0, 1, 0]}, asset_materials: false}
- {category: box, meshes: [{blend: props.blend, object: RedBox}], location: [0.9, 2.1, 0.1], yaw: 0,
   scale: 0.4, material: {base_color: [0, 0, 1]}}
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from synthscape.pipeline import render_dataset
    from synthscape.plan import RenderJob

    folder = tmp_path_factory.mktemp("blend_render")
    make_blend(folder / "props.blend")
    (folder / "props.blend.license").write_text("CC0 1.0 Universal", encoding="utf-8")
    (folder / "recipe.yaml").write_text(RECIPE, encoding="utf-8")
    render_dataset(RenderJob(str(folder / "recipe.yaml"), folder / "out", frames=1, samples=2, device="cpu"))
    return folder / "out"


def projected_rect(meta: dict, obj: dict) -> np.ndarray:
    """(4,) pixel rect [u0, v0, u1, v1] of the asset's vertices posed as the meta says."""
    from synthscape.assets.blend import blend_geometry

    kind, name = ("object", obj["blend_object"]) if obj["blend_object"] else ("collection", obj["blend_collection"])
    vertices = blend_geometry(obj["mesh_path"], kind, name).vertices * np.asarray(obj["scale"])
    world = vertices @ euler_xyz_to_matrix(tuple(obj["rotation"])).T + np.asarray(obj["location"])
    camera = meta["camera"]
    uv = project_points(np.asarray(camera["K"]), world_to_camera_points(np.asarray(camera["world_to_camera"]), world))
    return np.concatenate([uv.min(axis=0), uv.max(axis=0)])


def test_instance_masks_are_where_the_spec_puts_the_assets(dataset: Path) -> None:
    meta = json.loads((dataset / "meta" / "000000.json").read_text())
    instance = read_png(dataset / "instance" / "000000.png")
    assert set(np.unique(instance)) == {0, 1, 2, 3, 4}
    for obj in meta["objects"]:
        rows, cols = np.nonzero(instance == obj["instance_id"])
        # pixel centres at integers: a pixel (col, row) spans [col - 0.5, col + 0.5]
        mask_rect = np.array([cols.min() - 0.5, rows.min() - 0.5, cols.max() + 0.5, rows.max() + 0.5])
        np.testing.assert_allclose(mask_rect, projected_rect(meta, obj), atol=1.0)


def test_the_assets_render_with_their_own_materials_unless_told_not_to(dataset: Path) -> None:
    instance = read_png(dataset / "instance" / "000000.png")
    rgb = read_png(dataset / "rgb" / "000000.png").astype(float)
    for instance_id in (1, 4):  # red in the file (the groups' materials are blue); 4 shares 1's baked mesh
        box = rgb[instance == instance_id]
        assert (box[:, 0] > 2 * np.maximum(box[:, 1], box[:, 2]) + 10).mean() > 0.8, box
    plain = rgb[instance == 3]  # asset_materials: false -> the group's green
    assert (plain[:, 1] > 2 * np.maximum(plain[:, 0], plain[:, 2]) + 10).mean() > 0.8, plain
    pair = rgb[instance == 2]  # one instance: the green cube and the blue ball of the collection
    green = (pair[:, 1] > 2 * pair[:, 0] + 10) & (pair[:, 1] > 2 * pair[:, 2] + 10)
    blue = (pair[:, 2] > 2 * pair[:, 0] + 10) & (pair[:, 2] > 2 * pair[:, 1] + 10)
    assert green.sum() >= 10 and blue.sum() >= 10 and (green | blue).mean() > 0.8, pair  # not the group's yellow


def test_dataset_json_lists_both_datablocks_of_the_file(dataset: Path) -> None:
    from synthscape.assets.cache import file_sha256

    assets = json.loads((dataset / "dataset.json").read_text())["assets"]
    blend = [a for a in assets if a["kind"] == "blend"]
    digest = file_sha256(dataset.parent / "props.blend")
    assert blend == [
        {"kind": "blend", "path": "props.blend", "blend_collection": "Pair", "sha256": digest, "license": "CC0-1.0",
         "license_file": "props.blend.license", "objects": 1, "frames": 1},
        {"kind": "blend", "path": "props.blend", "blend_object": "RedBox", "sha256": digest, "license": "CC0-1.0",
         "license_file": "props.blend.license", "objects": 3, "frames": 1}]
