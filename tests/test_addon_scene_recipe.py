"""The add-on's plain-Python side: scene recipes and the child-process protocol (no bpy)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import open3d as o3d
import pytest
import yaml

from synthscape.errors import RecipeError
from synthscape.extension import worker
from synthscape.extension.scene_recipe import PanelSettings, TaggedObject, scene_recipe, write_ply, write_scene_recipe
from synthscape.plan import resolve_categories
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_scene


def _cube(path: Path) -> None:
    corners = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
    write_ply(path, corners, np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5]]))


def _scene(tmp_path: Path, settings: PanelSettings) -> Path:
    objects = [TaggedObject("Crate", "crate", "Misc", "a.ply", (1.0, 2.0, 0.5)),
               TaggedObject("Ball", "ball", None, "b.ply", (-1.0, 0.0, 0.5), base_color=(0.1, 0.2, 0.3))]
    for obj in objects:
        _cube(tmp_path / "meshes" / obj.mesh_file)
    return write_scene_recipe(scene_recipe(settings, objects), tmp_path)


def test_write_ply_reads_back_with_open3d(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vertices, triangles = rng.normal(size=(10, 3)), rng.integers(0, 10, size=(7, 3))
    mesh = o3d.io.read_triangle_mesh(str(write_ply(tmp_path / "m.ply", vertices, triangles)))
    np.testing.assert_allclose(np.asarray(mesh.vertices), vertices, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(mesh.triangles), triangles)


def test_scene_recipe_is_a_valid_recipe_with_tag_categories(tmp_path: Path) -> None:
    settings = PanelSettings(mode="scene", seed=5, frames=3, resolution=(64, 48), samples=2)
    recipe = load_recipe(_scene(tmp_path, settings))
    categories = resolve_categories(recipe)
    assert [(c.name, c.kitti_type) for c in categories] == [("crate", "Misc"), ("ball", None)]
    assert (recipe.seed, recipe.frames, recipe.camera.resolution) == (5, 3, (64, 48))
    spec = sample_scene(recipe, recipe.seed, 0)
    assert [spec.category_of(o.instance_id).name for o in spec.objects] == ["crate", "ball"]
    low, high = settings.camera_distance
    eye = np.linalg.inv(np.array(spec.camera.world_to_camera))[:3, 3]
    target = np.mean([[1.0, 2.0, 0.5], [-1.0, 0.0, 0.5]], axis=0)
    assert low - 1e-6 <= np.linalg.norm(eye - target) <= high + 1e-6


def test_fixed_poses_keep_locations_and_colours(tmp_path: Path) -> None:
    settings = PanelSettings(mode="scene", randomize_pose=False, randomize_color=False, kitti=False)
    spec = sample_scene(load_recipe(_scene(tmp_path, settings)), 0, 0)
    assert [o.location for o in spec.objects] == [(1.0, 2.0, 0.5), (-1.0, 0.0, 0.5)]
    assert [o.rotation for o in spec.objects] == [(0.0, 0.0, 0.0)] * 2
    assert spec.objects[1].material.base_color == pytest.approx((0.1, 0.2, 0.3))
    assert not spec.wants_kitti()


def test_no_tagged_objects_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no tagged objects.*Tag Selected"):
        scene_recipe(PanelSettings(mode="scene"), [])


def test_parse_event_ignores_blender_output() -> None:
    assert worker.parse_event("Fra:1 Mem:12M | Rendering") is None
    assert worker.parse_event(worker.PREFIX + "{not json") is None
    event = worker.parse_event(worker.PREFIX + '{"kind": "progress", "done": 1, "total": 2, "frame": 0}')
    assert event == worker.Event("progress", {"done": 1, "total": 2, "frame": 0})


def test_child_command_for_blender_and_bpy_module(tmp_path: Path) -> None:
    blender = worker.child_command(tmp_path / "job.json", "/opt/blender/blender")
    assert blender[:3] == ["/opt/blender/blender", "--background", "--factory-startup"]
    module = worker.child_command(tmp_path / "job.json")
    assert module[0] == sys.executable and "sys.path +=" in module[-1] and "job.json" in module[-1]
    env = worker.child_env(tmp_path / "private")
    assert all(env[name].startswith(str(tmp_path / "private")) for name in worker.USER_FOLDER_VARS)


def test_child_reports_recipe_errors_like_the_cli(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"objects": [{"category": "x", "shape": "cube", "scael": 1}]}), encoding="utf-8")
    process = worker.GenerateProcess(worker.WorkerJob(recipe_path=str(bad), out_dir=str(tmp_path / "out")))
    events = process.wait()
    with pytest.raises(RecipeError) as expected:
        load_recipe(bad)
    assert [e.kind for e in events] == ["error"]
    assert events[0].data["message"] == str(expected.value)


def test_cancel_stops_a_running_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "child_command", lambda *_: [sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.setattr(worker, "KILL_AFTER_S", 1.0)
    process = worker.GenerateProcess(worker.WorkerJob(recipe_path="r.yaml", out_dir=str(tmp_path)))
    assert process.running
    started = time.perf_counter()
    process.cancel()
    assert not process.running and process.returncode is not None
    assert not process._workdir.exists(), "the private job folder is removed"
    assert time.perf_counter() - started < 10
