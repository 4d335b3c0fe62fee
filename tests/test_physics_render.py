"""One tiny render of a physics frame: the settled poses in meta project onto the instance mask."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synthscape.io.images import read_png
from synthscape.plan import RenderJob
from synthscape.recipe.load import load_recipe
from synthscape.spec.projection import project_points, world_to_camera_points
from synthscape.spec.sample import sample_scene
from tests.test_physics_settle import euler_xyz

pytestmark = pytest.mark.blender

RECIPE = """
objects:
- {category: part, shape: cube, scale: {uniform: [0.02, 0.035]}, count: 6, placement: physics}
supports:
- {kind: bin, size: [0.3, 0.24], wall_height: 0.08}
physics: {time_cap: 2.0, substeps: 8}
camera: {target: [0, 0, 0.03], distance: 0.55, elevation: 80, azimuth: 30}
lights:
- {type: sun, intensity: 3.0, elevation: 70}
render: {denoise: false}
outputs: [instance, meta]
"""


def inside_hull(points: np.ndarray, hull_points: np.ndarray, margin: float) -> np.ndarray:
    """Which ``points`` lie inside the convex hull of ``hull_points`` grown by ``margin`` pixels."""
    from scipy.spatial import ConvexHull

    hull = ConvexHull(hull_points)
    normals, offsets = hull.equations[:, :2], hull.equations[:, 2]
    return np.all(points @ normals.T + offsets <= margin, axis=1)


def test_meta_poses_project_the_mesh_onto_the_instance_mask(tmp_path: Path) -> None:
    from synthscape.pipeline import render_dataset

    (tmp_path / "bin.yaml").write_text(RECIPE)
    render_dataset(RenderJob(recipe_path=str(tmp_path / "bin.yaml"), out_dir=tmp_path / "out", frames=1,
                             resolution=(160, 120), samples=1, device="cpu"))
    meta = json.loads((tmp_path / "out" / "meta" / "000000.json").read_text())
    instance = read_png(tmp_path / "out" / "instance" / "000000.png")
    result = meta["physics"]["result"]
    assert result["settled"] and result["sim_time_s"] > 0 and result["steps"] > 0
    assert meta["physics"]["gravity"] == 9.81 and meta["supports"][0]["kind"] == "bin"
    camera = meta["camera"]
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], np.float64)
    checked = 0
    for obj in meta["objects"]:
        rows, cols = np.nonzero(instance == obj["instance_id"])
        if len(rows) < 20:
            continue
        world = (corners * obj["scale"]) @ euler_xyz(*obj["rotation"]).T + obj["location"]
        pixels = project_points(np.array(camera["K"]), world_to_camera_points(np.array(camera["world_to_camera"]),
                                                                              world))
        inside = inside_hull(np.stack([cols, rows], axis=1).astype(np.float64), pixels, margin=0.5)
        assert inside.mean() >= 0.99, f"object {obj['instance_id']}: {inside.mean():.3f} of its mask in its hull"
        checked += 1
    assert checked >= 3, "too few objects visible to check"
    dropped = sample_scene(load_recipe(tmp_path / "bin.yaml"), 0, 0)
    assert all(o["location"][2] < d.location[2] - 0.01 for o, d in zip(meta["objects"], dropped.objects)), \
        "meta holds the drop poses, not the settled ones"


def test_settling_leaves_no_datablock_and_no_scaled_primitive_behind(renderer) -> None:
    """Bodies simulate with their scale baked into a mesh copy: the copies must go, and the shared
    primitive meshes (reused by every later frame) must stay unscaled."""
    import bpy

    from synthscape.blender.primitives import shared_primitive_meshes
    from synthscape.blender.scene_builder import shared_primitive_counts
    from synthscape.recipe.schema import Recipe

    recipe = Recipe.model_validate({
        "objects": [{"category": "part", "shape": "cube", "scale": 0.02, "count": 4, "placement": "physics"}],
        "supports": [{"kind": "bin", "size": [0.3, 0.24], "wall_height": 0.08}], "physics": {"time_cap": 1.0}})
    counts = []
    for frame in range(3):
        renderer.render(renderer.settle(sample_scene(recipe, 0, frame, resolution=(32, 24), samples=1)))
        counts.append(len(bpy.data.meshes))
    assert counts[1] == counts[2], f"meshes pile up: {counts}"
    assert shared_primitive_counts().get("cube") == 1
    (cube,) = [m for m in shared_primitive_meshes() if m.name.endswith("cube")]
    assert max(abs(v.co[0]) for v in cube.vertices) == pytest.approx(1.0)
    assert bpy.context.scene.rigidbody_world is None
