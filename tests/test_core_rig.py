"""Core v2: a rig with several cameras and a clock in the spec (fake renderer, no bpy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.errors import RecipeError
from synthscape.pipeline import plan_run, render_dataset
from synthscape.plan import RenderJob
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_frame
from synthscape.spec.scene_spec import spec_from_dict, spec_to_dict
from synthscape.writers.meta import spec_from_meta
from tests.batch_support import MINIMAL, tree

RIG = {"cameras": [{"name": "right", "offset": [0.3, 0.0, 0.0]},
                   {"name": "wide", "offset": [0.0, -0.1, 0.0], "rotation": [0, 5, 0], "resolution": [48, 32],
                    "focal_length": 20}]}


def _recipe(tmp_path: Path, rig: dict | None = RIG, **camera: object) -> str:
    data = yaml.safe_load(Path(MINIMAL).read_text())
    if rig is not None:
        data["rig"] = rig
    data["camera"].update(camera)
    path = tmp_path / "rig.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_rig_cameras_are_placed_relative_to_the_main_camera(tmp_path: Path) -> None:
    plan = plan_run(RenderJob(_recipe(tmp_path), tmp_path))
    assert plan.cameras == ("camera", "right", "wide")
    spec = sample_frame(plan, 0)
    main, right, wide = spec.cameras()
    assert [c.name for c in spec.cameras()] == ["camera", "right", "wide"]
    c2w = lambda c: np.linalg.inv(np.asarray(c.world_to_camera))  # noqa: E731
    # The right camera's centre is 0.3 m along the main camera's x axis, with the same orientation.
    offset = c2w(right)[:3, 3] - c2w(main)[:3, 3]
    np.testing.assert_allclose(offset, 0.3 * c2w(main)[:3, 0], atol=1e-9)
    np.testing.assert_allclose(c2w(right)[:3, :3], c2w(main)[:3, :3], atol=1e-9)
    np.testing.assert_allclose(np.asarray(right.camera_to_rig)[:3, 3], [0.3, 0, 0])
    assert (wide.width, wide.height, wide.focal_length_mm) == (48, 32, 20.0)
    assert (right.width, right.height) == (main.width, main.height)


def test_resolution_override_applies_to_cameras_without_their_own(tmp_path: Path) -> None:
    spec = sample_frame(plan_run(RenderJob(_recipe(tmp_path), tmp_path, resolution=(32, 24))), 0)
    assert [(c.width, c.height) for c in spec.cameras()] == [(32, 24), (32, 24), (48, 32)]


def test_still_has_a_clock_and_round_trips(tmp_path: Path) -> None:
    spec = sample_frame(plan_run(RenderJob(_recipe(tmp_path), tmp_path)), 3)
    clock = spec.frame_clock()
    assert (clock.sequence, clock.step, clock.time_s) == (3, 0, 0.0)
    data = spec_to_dict(spec)
    assert spec_to_dict(spec_from_dict(json.loads(json.dumps(data)))) == data


def test_two_cameras_write_their_own_folders_and_coco(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    render_dataset(RenderJob(_recipe(tmp_path), out, frames=2), renderer_factory=FakeRenderer)
    for name, size in (("right", (64, 48)), ("wide", (48, 32))):
        folder = out / "cameras" / name
        assert sorted(p.name for p in (folder / "rgb").iterdir()) == ["000000.png", "000001.png"]
        coco = json.loads((folder / "coco" / "annotations.json").read_text())
        assert [(i["width"], i["height"]) for i in coco["images"]] == [size, size]
        assert not (folder / "meta").exists()  # meta is per frame, at the root
    root = json.loads((out / "coco" / "annotations.json").read_text())
    assert len(root["images"]) == 2
    meta = json.loads((out / "meta" / "000000.json").read_text())
    assert [c["name"] for c in meta["rig"]["cameras"]] == ["right", "wide"]
    assert [c.name for c in spec_from_meta(meta).cameras()] == ["camera", "right", "wide"]
    marker = (out / ".done" / "000000").read_text()
    assert "cameras/right/rgb/000000.png" in marker and "cameras/wide/instance/000000.png" in marker


def test_each_camera_sees_the_scene_through_its_own_pose(tmp_path: Path) -> None:
    """The right camera's instance map matches a projection through its own K and pose."""
    out = tmp_path / "ds"
    render_dataset(RenderJob(_recipe(tmp_path, rig={"cameras": [{"name": "right", "offset": [0.4, 0, 0]}]}),
                             out, frames=1), renderer_factory=FakeRenderer)
    from PIL import Image

    spec = spec_from_meta(json.loads((out / "meta" / "000000.json").read_text()))
    for camera in spec.cameras():
        folder = out if camera.name == "camera" else out / "cameras" / camera.name
        instance = np.asarray(Image.open(folder / "instance" / "000000.png"))
        w2c, K = np.asarray(camera.world_to_camera), np.asarray(camera.K)
        for obj in spec.objects:
            p = w2c[:3, :3] @ np.asarray(obj.location) + w2c[:3, 3]
            u, v = (K @ p)[:2] / p[2]
            if 0 <= u < camera.width and 0 <= v < camera.height:
                assert instance[int(v), int(u)] != 0


def test_resumed_rig_run_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    render_dataset(RenderJob(recipe, whole, frames=3), renderer_factory=FakeRenderer)
    render_dataset(RenderJob(recipe, parts, frames=3, frame_indices=[1], finalize=False),
                   renderer_factory=FakeRenderer)
    render_dataset(RenderJob(recipe, parts, frames=3), renderer_factory=FakeRenderer)
    assert tree(parts) == tree(whole)


def test_camera_names_must_be_unique_and_folder_safe(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="unique"):
        load_recipe(_recipe(tmp_path, rig={"cameras": [{"name": "camera"}]}))
    with pytest.raises(RecipeError, match="camera name"):
        load_recipe(_recipe(tmp_path, rig={"cameras": [{"name": "../up"}]}))
