"""Issue 13, mesh libraries: ``objects[i].meshes`` as a list, a folder or a glob, checked when the
recipe is validated (exit 2 naming ``objects[i].meshes`` and the file), sampled per object by
weight from the object's own ``assets`` stream, categories from folder names."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from synthscape.pipeline import plan_run
from synthscape.plan.run_plan import RenderJob
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_frame
from tests.test_inputs_support import assert_refused, validate_cli, write_text

TRIANGLE = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
POINTS = b"v 0 0 0\nv 1 0 0\nv 0 1 0\n"


def box_obj(dx: float, dy: float, dz: float) -> bytes:
    """An OBJ box of these extents (file axes), one corner at the origin."""
    corners = [(x, y, z) for x in (0, dx) for y in (0, dy) for z in (0, dz)]
    faces = ["1 2 4 3", "5 7 8 6", "1 5 6 2", "3 4 8 7", "1 3 7 5", "2 6 8 4"]
    return ("".join(f"v {x} {y} {z}\n" for x, y, z in corners) + "".join(f"f {f}\n" for f in faces)).encode()


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def recipe(tmp_path: Path, group: str, extra: str = "") -> Path:
    return write_text(tmp_path, f"objects:\n- {{category: c, shape: cube}}\n- {group}\n{extra}")


def objects_of(path: Path, frames: int = 1, tmp: Path | None = None) -> list:
    plan = plan_run(RenderJob(str(path), (tmp or path.parent) / "out"))
    return [o for i in range(frames) for o in sample_frame(plan, i).objects]


def test_a_list_a_folder_and_a_glob_resolve_to_the_same_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write(tmp_path / "lib" / f"{name}.obj", TRIANGLE)
    write(tmp_path / "lib" / "notes.txt", b"not a mesh")
    forms = {"list": "[lib/a.obj, {path: lib/b.obj, weight: 2}]", "folder": "{folder: lib}",
             "pattern": "{folder: lib, pattern: '*.obj'}", "glob": "{glob: 'lib/*.obj'}"}
    expected = [str((tmp_path / "lib" / n).resolve()) for n in ("a.obj", "b.obj")]
    for form, value in forms.items():
        group = load_recipe(recipe(tmp_path, f"{{category: m, meshes: {value}}}")).objects[1]
        assert [e.path for e in group.meshes.entries] == expected, form
    folder = load_recipe(recipe(tmp_path, f"{{category: m, meshes: {forms['pattern']}}}")).objects[1]
    assert {e.source for e in folder.meshes.entries} == {f"folder:{(tmp_path / 'lib').resolve()}/*.obj"}
    weights = load_recipe(recipe(tmp_path, f"{{category: m, meshes: {forms['list']}}}")).objects[1]
    assert [e.weight for e in weights.meshes.entries] == [1.0, 2.0]


def test_recursive_folder_and_double_star_glob_reach_subfolders(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "top.obj", TRIANGLE)
    write(tmp_path / "lib" / "deep" / "er" / "low.ply", b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
          b"property float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
          b"0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n")
    flat = load_recipe(recipe(tmp_path, "{category: m, meshes: {folder: lib}}")).objects[1].meshes
    deep = load_recipe(recipe(tmp_path, "{category: m, meshes: {folder: lib, recursive: true}}")).objects[1].meshes
    globbed = load_recipe(recipe(tmp_path, "{category: m, meshes: {glob: 'lib/**/*.ply'}}")).objects[1].meshes
    assert [Path(e.path).name for e in flat.entries] == ["top.obj"]
    assert sorted(Path(e.path).name for e in deep.entries) == ["low.ply", "top.obj"]
    assert [Path(e.path).name for e in globbed.entries] == ["low.ply"]


@pytest.mark.parametrize("value, words", [
    ("{folder: empty}", ["empty", "matches no mesh files"]),
    ("{folder: missing}", ["folder not found", "missing"]),
    ("{glob: 'lib/*.stl'}", ["*.stl", "matches no mesh files"]),
    ("{folder: lib, pattern: '*.gltf'}", ["'*.gltf'", "matches no mesh files"]),
    ("[lib/good.obj, lib/points.obj]", ["points.obj", "no faces"]),
    ("{folder: lib}", ["points.obj", "no faces"]),
    ("[lib/good.obj, lib/nope.obj]", ["nope.obj", "not found"]),
    ("[broken/corrupt.glb]", ["corrupt.glb", "cannot read"]),
    ("[]", ["empty"]),
    ("[{path: lib/good.obj, weight: 0}]", ["weight"]),
    ("{files: [lib/good.obj]}", ["folder", "glob"]),
])
def test_bad_libraries_are_refused_by_validate_naming_the_key_and_the_file(tmp_path: Path, value: str,
                                                                           words: list[str]) -> None:
    write(tmp_path / "lib" / "good.obj", TRIANGLE)
    write(tmp_path / "lib" / "points.obj", POINTS)
    write(tmp_path / "broken" / "corrupt.glb", b"glTF\x02\x00\x00\x00garbage" * 4)
    (tmp_path / "empty").mkdir()
    assert_refused(recipe(tmp_path, f"{{category: m, meshes: {value}}}"), "objects[1].meshes", *words)


@pytest.mark.parametrize("group, words", [
    ("{category: m, shape: cube, meshes: [lib/good.obj]}", ["exactly one", "shape, meshes"]),
    ("{category: m, mesh: lib/good.obj, meshes: [lib/good.obj]}", ["exactly one", "mesh, meshes"]),
    ("{category: m}", ["exactly one"]),
    ("{category: m, shape: cube, normalize: {size: 1}}", ["'normalize' applies to mesh files"]),
    ("{category: m, shape: cube, asset_materials: true}", ["'asset_materials' applies to mesh files"]),
    ("{category: m, mesh: lib/good.obj, category_from: folder}", ["category_from: folder", "'meshes'"]),
    ("{meshes: [lib/good.obj]}", ["'category' is required"]),
    ("{category: m, meshes: [lib/flat.obj], normalize: {size: 1, measure: height}}", ["flat.obj", "height"]),
    ("{category: m, meshes: [lib/good.obj], normalize: {up_axis: up}}", ["up_axis"]),
])
def test_group_rules_of_the_asset_keys(tmp_path: Path, group: str, words: list[str]) -> None:
    write(tmp_path / "lib" / "good.obj", TRIANGLE)
    write(tmp_path / "lib" / "flat.obj", b"v 0 0 0\nv 1 0 0\nv 0 0 1\nf 1 2 3\n")  # file y = 0: no height once Z-up
    key = "objects[1].normalize.up_axis" if "up_axis: up" in group else "objects[1]"
    assert_refused(recipe(tmp_path, group), key, *words)


def test_mesh_still_works_as_a_one_file_library(tmp_path: Path) -> None:
    write(tmp_path / "box.obj", box_obj(1, 2, 3))
    objects = objects_of(recipe(tmp_path, "{category: m, mesh: box.obj, count: 2, scale: 0.2}",
                                "placement: {area: [20, 20]}\n"))
    meshes = [o for o in objects if o.shape == "mesh"]
    assert len(meshes) == 2 and {o.mesh_path for o in meshes} == {str((tmp_path / "box.obj").resolve())}
    # OBJ is Y-up: Blender's importer turns (x, y, z) into (x, -z, y)
    assert meshes[0].bbox_min == (0.0, -3.0, 0.0) and meshes[0].bbox_max == (1.0, 0.0, 2.0)
    assert meshes[0].mesh_transform == tuple(tuple(float(i == j) for j in range(4)) for i in range(4))
    import hashlib
    assert meshes[0].asset_hash == hashlib.sha256((tmp_path / "box.obj").read_bytes()).hexdigest()
    assert validate_cli(tmp_path / "recipe.yaml").exit_code == 0


def test_each_object_picks_a_file_by_weight_from_its_own_stream(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        write(tmp_path / f"{name}.obj", TRIANGLE + f"# {name}\n".encode())
    path = write_text(tmp_path, "seed: 3\nplacement: {area: [20, 20]}\nobjects:\n"
                      "- {category: m, count: 30, scale: 0.01, meshes: [a.obj, {path: b.obj, weight: 3}, "
                      "{path: c.obj, weight: 6}]}\n")
    objects = objects_of(path, frames=20)
    counts = Counter(Path(o.mesh_path).name for o in objects)
    total = sum(counts.values())
    assert total == 600 and set(counts) == {"a.obj", "b.obj", "c.obj"}
    for name, weight in (("a.obj", 0.1), ("b.obj", 0.3), ("c.obj", 0.6)):
        assert abs(counts[name] / total - weight) < 0.06, counts
    assert objects == objects_of(path, frames=20)  # same seed, same picks
    assert all(o.source == o.mesh_path for o in objects)  # a list entry is the file itself
    assert {o.asset_hash for o in objects}.__len__() == 3


def test_picks_do_not_move_the_objects_stream(tmp_path: Path) -> None:
    """Scales and yaws (the ``objects`` stream) are the same whichever files a library holds."""
    write(tmp_path / "a.obj", TRIANGLE)
    write(tmp_path / "b.obj", TRIANGLE + b"# b\n")
    group = ("placement: {area: [50, 50]}\nobjects:\n"
             "- {category: m, count: 12, scale: {uniform: [0.05, 0.1]}, meshes: %s}\n")
    one = objects_of(write_text(tmp_path, group % "[a.obj]", "one.yaml"))
    two = objects_of(write_text(tmp_path, group % "[a.obj, b.obj]", "two.yaml"))
    assert len(one) == len(two) == 12
    assert [o.scale for o in one] == [o.scale for o in two]
    assert [o.rotation for o in one] == [o.rotation for o in two]
    assert len({o.mesh_path for o in two}) == 2


def test_category_from_folder_lists_sorted_categories_and_labels_each_object(tmp_path: Path) -> None:
    for folder, count in (("mug", 2), ("bowl", 1), ("can", 2)):
        for i in range(count):
            write(tmp_path / "lib" / folder / f"{i}.obj", TRIANGLE + f"# {folder}{i}\n".encode())
    path = write_text(tmp_path, "placement: {area: [20, 20]}\ncategories: [{name: other, id: 1}]\nobjects:\n"
                      "- {category: other, shape: cube, scale: 0.05}\n"
                      "- {category_from: folder, count: 20, scale: 0.05, kitti_type: Misc, "
                      "meshes: {folder: lib, recursive: true}}\n")
    plan = plan_run(RenderJob(str(path), tmp_path / "out"))
    assert [(c.id, c.name, c.kitti_type) for c in plan.categories] == [
        (1, "other", None), (2, "bowl", "Misc"), (3, "can", "Misc"), (4, "mug", "Misc")]
    names = {c.id: c.name for c in plan.categories}
    objects = [o for o in sample_frame(plan, 0).objects if o.shape == "mesh"]
    assert len(objects) == 20 and {names[o.category_id] for o in objects} == {"bowl", "can", "mug"}
    for obj in objects:
        assert names[obj.category_id] == Path(obj.mesh_path).parent.name


def test_the_resolved_recipe_round_trips_with_absolute_paths(tmp_path: Path) -> None:
    from synthscape.recipe.load import parse_recipe, recipe_to_dict

    write(tmp_path / "lib" / "a.obj", TRIANGLE)
    recipe_path = recipe(tmp_path, "{category: m, meshes: {folder: lib}, normalize: {size: 0.2}}")
    data = recipe_to_dict(load_recipe(recipe_path))
    assert data["objects"][1]["meshes"] == {"folder": str((tmp_path / "lib").resolve()), "pattern": "*",
                                            "recursive": False}
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    again = parse_recipe(data, "dataset.json", moved)  # absolute paths: found from any folder
    assert again.objects[1].meshes.entries == load_recipe(recipe_path).objects[1].meshes.entries
    shutil.rmtree(tmp_path / "lib")
