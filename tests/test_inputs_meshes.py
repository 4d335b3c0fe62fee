"""Issue 11 item 11: empty, corrupt or vertex-only mesh files are bad input (exit 2) in
``validate`` and ``render``, naming the file and the group key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from synthscape.spec.shapes import mesh_file_bounds
from tests.test_inputs_support import assert_refused, write_text

PLY_POINTS = ("ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
              "property float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n")

BAD_MESHES = {
    "empty.obj": b"", "empty.ply": b"", "empty.stl": b"", "empty.glb": b"",
    "corrupt.obj": b"this is not a mesh\n\x01\x02",
    "corrupt.ply": b"ply\nformat binary_little_endian 1.0\nelement vertex 99\n\x00\x01",
    "corrupt.glb": b"glTF\x02\x00\x00\x00garbage" * 4,
    "corrupt.stl": bytes(range(256)) * 2,
    "points.obj": b"v 0 0 0\nv 1 0 0\nv 0 1 0\n",
    "points.ply": PLY_POINTS.encode(),
    "nan.obj": b"v 0 0 0\nv 1 0 0\nv nan 1 0\nf 1 2 3\n",
}


def mesh_recipe(tmp_path: Path, name: str, content: bytes) -> Path:
    (tmp_path / name).write_bytes(content)
    text = f"objects:\n- {{category: a, shape: cube}}\n- {{category: b, mesh: {name}}}\n"
    return write_text(tmp_path, text)


@pytest.mark.parametrize("name", sorted(BAD_MESHES))
def test_bad_mesh_files_are_refused_by_validate(tmp_path: Path, name: str) -> None:
    path = mesh_recipe(tmp_path, name, BAD_MESHES[name])
    assert_refused(path, "objects[1].mesh", name)


def test_bad_mesh_files_are_refused_by_render_before_any_output(tmp_path: Path) -> None:
    from headless.cli import main

    path = mesh_recipe(tmp_path, "points.obj", BAD_MESHES["points.obj"])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(path), "--out", str(out), "--frames", "1",
                                       "--resolution", "64x48", "--samples", "1", "--device", "cpu"])
    assert result.exit_code == 2, result.output
    assert "objects[1].mesh" in result.output and "points.obj" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_a_good_mesh_still_validates_and_has_bounds(tmp_path: Path) -> None:
    from synthscape.recipe.load import load_recipe

    path = mesh_recipe(tmp_path, "tri.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    recipe = load_recipe(path)
    low, high = mesh_file_bounds(recipe.objects[1].mesh)
    assert low == (0.0, 0.0, 0.0) and high == (1.0, 0.0, 1.0)  # OBJ is Y-up: (x, y, z) -> (x, -z, y)
