"""Collision-free placement: rejection sampling against the real meshes.

The sampler checks with python-fcl; these tests check its results independently with Open3D
(triangle-triangle intersection, and ray-parity occupancy for a mesh swallowed whole).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from synthscape.recipe.load import parse_recipe
from synthscape.spec.collision_free import ShapeKey, object_mesh, posed_vertices
from synthscape.spec.draft import PlacementError
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import ObjectSpec

o3d = pytest.importorskip("open3d")
pybullet_data = pytest.importorskip("pybullet_data")

RANDOM_MESH = Path(pybullet_data.getDataPath()) / "random_urdfs" / "000" / "000.obj"
WATERTIGHT = {"cube", "sphere", "cylinder", "cone", "torus", "mesh"}


def _open3d_mesh(obj: ObjectSpec, near: np.ndarray | None = None) -> object:
    """The posed mesh in Open3D; ``near`` (points): only the triangles whose box meets theirs."""
    vertices, faces = posed_vertices(obj), np.asarray(object_mesh(ShapeKey.of(obj))[1])
    if near is not None:
        corners = vertices[faces]
        keep = np.all(corners.min(axis=1) <= near.max(axis=0), axis=1) & np.all(corners.max(axis=1) >= near.min(axis=0),
                                                                               axis=1)
        faces = faces[keep]
    return o3d.geometry.TriangleMesh(o3d.utility.Vector3dVector(vertices),
                                     o3d.utility.Vector3iVector(np.asarray(faces, dtype=np.int32)))


def _inside(container: ObjectSpec, points: np.ndarray) -> np.ndarray:
    scene = o3d.t.geometry.RaycastingScene()
    scene.add_triangles(o3d.t.geometry.TriangleMesh.from_legacy(_open3d_mesh(container)))
    return scene.compute_occupancy(o3d.core.Tensor(points.astype(np.float32))).numpy() > 0.5


def _boxes_overlap(a: np.ndarray, b: np.ndarray, margin: float = 0.0) -> bool:
    return bool(np.all(a.min(0) - margin <= b.max(0)) and np.all(b.min(0) - margin <= a.max(0)))


def assert_apart(objects: tuple[ObjectSpec, ...], min_gap: float = 0.0) -> None:
    """No two meshes intersect, none holds another, and (``min_gap``) every vertex clears the other mesh."""
    posed = [posed_vertices(o) for o in objects]
    for (a, va), (b, vb) in itertools.combinations(zip(objects, posed), 2):
        if not _boxes_overlap(va, vb, min_gap):
            continue
        near_a, near_b = _open3d_mesh(a, near=vb), _open3d_mesh(b, near=va)
        assert not near_a.is_intersecting(near_b), f"{a.shape} {a.instance_id} meets {b.shape} {b.instance_id}"
        mesh_a, mesh_b = _open3d_mesh(a), _open3d_mesh(b)
        if a.shape in WATERTIGHT:
            assert not _inside(a, vb[:1]).any(), f"{b.instance_id} inside {a.instance_id}"
        if b.shape in WATERTIGHT:
            assert not _inside(b, va[:1]).any(), f"{a.instance_id} inside {b.instance_id}"
        if min_gap > 0:
            for vertices, other in ((va, mesh_b), (vb, mesh_a)):
                scene = o3d.t.geometry.RaycastingScene()
                scene.add_triangles(o3d.t.geometry.TriangleMesh.from_legacy(other))
                distance = scene.compute_distance(o3d.core.Tensor(vertices.astype(np.float32))).numpy()
                assert distance.min() >= min_gap - 1e-5


def _recipe(groups: list[dict], **placement) -> object:
    return parse_recipe({"objects": groups, "placement": {"mode": "collision_free", "min_gap": 0.0,
                                                          "area": [0.8, 0.8], **placement}})


MIXED = [
    {"category": "box", "shape": "cube", "count": {"randint": [2, 5]}, "scale": {"uniform": [0.03, 0.06]},
     "orientation": "uniform"},
    {"category": "ball", "shape": "sphere", "count": 3, "scale": 0.05},
    {"category": "can", "shape": "cylinder", "count": 3, "scale": [0.03, 0.03, 0.06], "orientation": "uniform"},
    {"category": "cone", "shape": "cone", "count": 2, "scale": 0.05, "orientation": {"mode": "euler",
                                                                                  "x": {"uniform": [0, 180]}}},
    {"category": "ring", "shape": "torus", "count": 2, "scale": 0.06, "orientation": "uniform"},
    {"category": "monkey", "shape": "monkey", "count": 2, "scale": 0.04, "orientation": "uniform"},
]


def test_two_hundred_frames_of_tilted_primitives_never_intersect_and_rest_on_the_ground():
    recipe = _recipe(MIXED)
    placed = 0
    for frame in range(200):
        spec = sample_scene(recipe, 11, frame)
        placed += len(spec.objects)
        assert_apart(spec.objects)
        for obj in spec.objects:
            vertices = posed_vertices(obj)
            assert abs(vertices[:, 2].min()) < 1e-9, "the lowest point rests on the ground"
            assert np.all(np.abs(vertices[:, :2]) <= 0.4 + 1e-9), "inside placement.area"
    assert placed > 200 * 12, "nearly every object fits"


def test_the_independent_check_catches_overlapping_meshes():
    """assert_apart has the power to fail: two cubes pushed into each other."""
    spec = sample_scene(_recipe([{"category": "box", "shape": "cube", "count": 2, "scale": 0.05}]), 0, 0)
    a, b = spec.objects
    touching = ObjectSpec(**{**b.__dict__, "location": (a.location[0] + 0.09, a.location[1], a.location[2])})
    with pytest.raises(AssertionError):
        assert_apart((a, touching))
    swallowed = ObjectSpec(**{**b.__dict__, "scale": (0.01,) * 3, "location": a.location})
    with pytest.raises(AssertionError, match="inside"):
        assert_apart((a, swallowed))


def test_mesh_files_and_min_gap_are_honoured():
    groups = [{"category": "rock", "mesh": str(RANDOM_MESH), "count": 6, "scale": 0.012, "orientation": "uniform"},
              {"category": "ball", "shape": "sphere", "count": 4, "scale": 0.04}]
    recipe = _recipe(groups, min_gap=0.01)
    for frame in range(20):
        spec = sample_scene(recipe, 3, frame)
        assert len(spec.objects) >= 8
        assert_apart(spec.objects, min_gap=0.01)
        assert all(abs(posed_vertices(o)[:, 2].min()) < 1e-9 for o in spec.objects)


def test_footprint_groups_and_collision_free_groups_avoid_each_other():
    groups = [{"category": "box", "shape": "cube", "count": 6, "scale": 0.05, "placement": "footprint"},
              {"category": "can", "shape": "cylinder", "count": 6, "scale": 0.05, "orientation": "uniform"},
              {"category": "crate", "shape": "cube", "count": 4, "scale": 0.04, "placement": "footprint"}]
    recipe = _recipe(groups, area=[0.7, 0.7])
    for frame in range(30):
        assert_apart(sample_scene(recipe, 5, frame).objects)


def test_same_seed_same_poses_and_other_groups_leave_a_groups_orientation_alone():
    recipe = _recipe(MIXED)
    assert sample_scene(recipe, 2, 4) == sample_scene(recipe, 2, 4)
    assert sample_scene(recipe, 2, 4) != sample_scene(recipe, 3, 4)


def test_an_object_that_cannot_fit_is_skipped_or_fails_the_frame(caplog):
    crowded = [{"category": "box", "shape": "cube", "count": 6, "scale": 0.2}]
    spec = sample_scene(_recipe(crowded, area=[0.5, 0.5], max_tries=20), 0, 0)
    assert 1 <= len(spec.objects) < 6
    assert [o.instance_id for o in spec.objects] == list(range(1, len(spec.objects) + 1))
    assert "did not fit" in caplog.text
    with pytest.raises(PlacementError, match=r"objects\[0\].*placement.on_failure: error"):
        sample_scene(_recipe(crowded, area=[0.5, 0.5], max_tries=20, on_failure="error"), 0, 0)


def test_collision_free_objects_keep_out_of_the_supports():
    """A table's legs and a bin stand in the area: no object is placed through them."""
    from synthscape.spec.supports import support_boxes

    recipe = parse_recipe({
        "objects": [{"category": "box", "shape": "cube", "count": 12, "scale": 0.04, "orientation": "uniform"}],
        "placement": {"mode": "collision_free", "min_gap": 0.0, "area": [1.0, 1.0]},
        "supports": [{"kind": "table", "size": [0.5, 0.4], "height": 0.1, "location": [-0.2, 0.0, 0.0]},
                     {"kind": "bin", "size": [0.3, 0.3], "location": [0.3, 0.25, 0.0], "yaw": 30}]})
    for frame in range(20):
        spec = sample_scene(recipe, 1, frame)
        boxes = [b for s in spec.supports for b in support_boxes(s)]
        assert len(spec.objects) >= 6
        for obj in spec.objects:
            for box in boxes:
                c, s = np.cos(box.yaw), np.sin(box.yaw)
                local = (posed_vertices(obj) - box.center) @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
                inside = np.all(np.abs(local) < np.asarray(box.half_extents), axis=1)
                assert not inside.any(), f"object {obj.instance_id} enters the support's {box.name}"
