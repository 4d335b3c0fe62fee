"""Issue 13, per-asset normalization: ``normalize: {size, measure, up_axis, origin}`` becomes the
object's ``mesh_transform`` (imported frame -> object frame) and its bounds, the way the Blender
layer will place the vertices; ``scale`` multiplies the normalized size."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from synthscape.assets.mesh_info import load_mesh, mesh_info, to_blender_frame
from synthscape.assets.normalize import Normalization, normalization_transform, transform_points, up_rotation
from tests.test_assets_library import box_obj, objects_of, write
from tests.test_inputs_support import write_text

BASE = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]) * 0.5


def spike_tip(up: str) -> np.ndarray:
    """The far point along the file axis ``up`` (file coordinates)."""
    axis = np.zeros(3)
    axis["XYZ".index(up[1])] = 1.0 if up[0] == "+" else -1.0
    return BASE.mean(axis=0) + 4.0 * axis


def spiked_mesh(path: Path, up: str) -> Path:
    """A tetrahedron-ish mesh whose single highest point (file axes) lies far along ``up``."""
    import trimesh

    mesh = trimesh.Trimesh(np.vstack([BASE, spike_tip(up)]), [[0, 1, 2], [0, 1, 4], [1, 2, 4], [2, 0, 4], [0, 3, 4]],
                           process=False)
    mesh.export(path)
    return path


@pytest.mark.parametrize("axis", ["+X", "-X", "+Y", "-Y", "+Z", "-Z"])
def test_up_rotations_are_proper_and_turn_the_axis_up(axis: str) -> None:
    rotation = up_rotation(axis, ".ply")  # Z-up format: the file's axes are the imported axes
    assert np.isclose(np.linalg.det(rotation), 1.0) and np.allclose(rotation @ rotation.T, np.eye(3))
    vector = np.zeros(3)
    vector["XYZ".index(axis[1])] = 1.0 if axis[0] == "+" else -1.0
    np.testing.assert_allclose(rotation @ vector, [0.0, 0.0, 1.0], atol=1e-12)


@pytest.mark.parametrize("suffix, up, origin", list(itertools.product(
    [".obj", ".ply", ".stl", ".glb"], ["+X", "-Y", "+Z", "-Z"], ["base", "center", "file"])))
def test_the_transform_puts_the_file_up_axis_up_and_the_bounds_where_it_says(tmp_path: Path, suffix: str,
                                                                               up: str, origin: str) -> None:
    path = spiked_mesh(tmp_path / f"spike{suffix}", up)
    info = mesh_info(path)
    normalization = Normalization(size=0.25, measure="height", up_axis=up, origin=origin)
    matrix, low, high = normalization_transform(info.bbox_min, info.bbox_max, suffix, normalization)
    imported = to_blender_frame(np.asarray(load_mesh(path).vertices, float), suffix)  # as Blender imports it
    placed = transform_points(matrix, imported)
    np.testing.assert_allclose(placed.min(axis=0), low, atol=1e-9)
    np.testing.assert_allclose(placed.max(axis=0), high, atol=1e-9)
    tip = transform_points(matrix, to_blender_frame(spike_tip(up)[None, :], suffix))[0]
    assert np.isclose(tip[2], high[2]) and np.sum(np.isclose(placed[:, 2], high[2])) == np.sum(
        np.all(np.isclose(placed, tip), axis=1))  # the spike along the file's up axis is the only top
    assert np.isclose(high[2] - low[2], 0.25)  # measure: height
    centre = (np.array(low) + np.array(high)) / 2
    if origin == "base":
        np.testing.assert_allclose([centre[0], centre[1], low[2]], 0.0, atol=1e-12)
    elif origin == "center":
        np.testing.assert_allclose(centre, 0.0, atol=1e-12)
    else:  # the file's origin stays the origin (rotated and scaled only)
        np.testing.assert_allclose(np.asarray(matrix)[:3, 3], 0.0, atol=1e-12)


def test_without_up_axis_the_importer_convention_holds(tmp_path: Path) -> None:
    """OBJ is Y-up: its +Y is up already after import, so ``up_axis: +Y`` is the default's identity."""
    path = write(tmp_path / "box.obj", box_obj(1.0, 2.0, 3.0))
    info = mesh_info(path)
    default, low, high = normalization_transform(info.bbox_min, info.bbox_max, ".obj", Normalization(origin="file"))
    explicit = normalization_transform(info.bbox_min, info.bbox_max, ".obj", Normalization(up_axis="+Y", origin="file"))
    np.testing.assert_allclose(default, np.eye(4))
    assert explicit[0] == default
    np.testing.assert_allclose(np.array(high) - np.array(low), [1.0, 3.0, 2.0])  # file y -> up


def test_longest_side_sets_the_size_and_scale_multiplies_it(tmp_path: Path) -> None:
    write(tmp_path / "box.obj", box_obj(1.0, 2.0, 4.0))
    path = write_text(tmp_path, "placement: {area: [10, 10]}\nobjects:\n"
                      "- {category: m, mesh: box.obj, count: 3, scale: 2.0, "
                      "normalize: {size: 0.5, measure: longest, origin: base}}\n")
    objects = objects_of(path)
    assert len(objects) == 3
    for obj in objects:
        extent = np.array(obj.bbox_max) - np.array(obj.bbox_min)
        np.testing.assert_allclose(extent, [0.125, 0.5, 0.25])  # longest (file z = 4) -> 0.5 m
        assert obj.bbox_min[2] == 0.0 and abs(obj.location[2]) < 1e-12  # base origin: on the ground
        world = extent * np.array(obj.scale)
        assert np.isclose(world.max(), 1.0)  # scale 2 doubles the normalized 0.5 m


def test_a_size_distribution_draws_per_object_from_the_assets_stream(tmp_path: Path) -> None:
    write(tmp_path / "box.obj", box_obj(1.0, 1.0, 1.0))
    path = write_text(tmp_path, "placement: {area: [20, 20]}\nobjects:\n"
                      "- {category: m, mesh: box.obj, count: 8, normalize: {size: {uniform: [0.1, 0.3]}}}\n")
    objects = objects_of(path)
    sizes = [obj.bbox_max[0] - obj.bbox_min[0] for obj in objects]
    assert len(set(np.round(sizes, 9))) == 8 and all(0.1 <= s <= 0.3 for s in sizes)
    again = objects_of(path)
    assert [o.mesh_transform for o in again] == [o.mesh_transform for o in objects]
    for obj in objects:  # the spec's transform reproduces its bounds from the file
        imported = to_blender_frame(np.asarray(load_mesh(obj.mesh_path).vertices, float), ".obj")
        placed = transform_points(obj.mesh_transform, imported)
        np.testing.assert_allclose(placed.min(axis=0), obj.bbox_min, atol=1e-12)
        np.testing.assert_allclose(placed.max(axis=0), obj.bbox_max, atol=1e-12)


def test_a_normalized_spec_round_trips_through_meta(tmp_path: Path) -> None:
    from synthscape.pipeline import plan_run
    from synthscape.plan.run_plan import RenderJob
    from synthscape.spec.sample import sample_frame
    from synthscape.spec.scene_spec import spec_from_dict, spec_to_dict

    write(tmp_path / "box.obj", box_obj(1.0, 2.0, 3.0))
    path = write_text(tmp_path, "objects:\n- {category: m, mesh: box.obj, scale: 0.1, asset_materials: true, "
                      "normalize: {size: 0.2, up_axis: '+Z'}}\n")
    spec = sample_frame(plan_run(RenderJob(str(path), tmp_path / "out")), 0)
    obj, before = spec_from_dict(spec_to_dict(spec)).objects[0], spec.objects[0]
    np.testing.assert_allclose(obj.mesh_transform, before.mesh_transform, atol=1e-9)
    assert not np.allclose(obj.mesh_transform, np.eye(4))
    expected = (True, before.asset_hash, str((tmp_path / "box.obj").resolve()))
    assert (obj.use_asset_materials, obj.asset_hash, obj.source) == expected
    assert len(obj.asset_hash) == 64
