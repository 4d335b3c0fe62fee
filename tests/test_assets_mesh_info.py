"""Issue 13, per-asset preprocessing cached by file content: bounds, counts, watertightness and
convex hull volume are computed once per distinct file content and read back by every later
lookup, process and rerun (the mesh itself is not parsed again)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synthscape.assets.cache import STATS
from synthscape.assets.mesh_info import compute_mesh_info, mesh_info
from tests.test_assets_library import box_obj, write

REPO = Path(__file__).resolve().parents[1]


def pybullet_mesh(name: str) -> Path:
    """A mesh shipped in ``pybullet_data`` (the offline test asset library)."""
    import pybullet_data

    return Path(pybullet_data.getDataPath()) / name


def test_measurements_of_known_shapes(tmp_path: Path) -> None:
    import trimesh

    cube = tmp_path / "cube.ply"
    trimesh.creation.box(extents=(1.0, 2.0, 3.0)).export(cube)
    info = mesh_info(cube, tmp_path / "cache")
    assert info.watertight and (info.vertex_count, info.face_count) == (8, 12)
    assert np.isclose(info.hull_volume, 6.0)
    np.testing.assert_allclose(info.bbox_min, [-0.5, -1.0, -1.5])
    opened = tmp_path / "open.ply"
    box = trimesh.creation.box()
    trimesh.Trimesh(box.vertices, box.faces[:-1]).export(opened)  # one triangle missing
    assert not mesh_info(opened, tmp_path / "cache").watertight
    flat = write(tmp_path / "flat.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    assert mesh_info(flat, tmp_path / "cache").hull_volume == 0.0


def test_an_obj_with_split_vertices_is_still_watertight(tmp_path: Path) -> None:
    """OBJ files repeat vertices per UV seam; watertightness is judged on the merged surface."""
    import trimesh

    box = trimesh.creation.box()
    split = box.vertices[box.faces].reshape(-1, 3)  # three own vertices per triangle
    lines = [f"v {x} {y} {z}" for x, y, z in split] + [f"f {3 * i + 1} {3 * i + 2} {3 * i + 3}"
                                                      for i in range(len(box.faces))]
    path = write(tmp_path / "split.obj", ("\n".join(lines) + "\n").encode())
    info = compute_mesh_info(path, "x")
    assert (info.vertex_count, info.face_count) == (36, 12)
    assert info.watertight and np.isclose(info.hull_volume, 1.0)


def test_bounds_are_in_blenders_imported_frame(tmp_path: Path) -> None:
    obj = write(tmp_path / "box.obj", box_obj(1.0, 2.0, 3.0))  # Y-up: (x, y, z) -> (x, -z, y)
    ply = tmp_path / "box.ply"
    import trimesh
    trimesh.load(obj, force="mesh", process=False).export(ply)  # Z-up: unchanged
    assert mesh_info(obj).bbox_min == (0.0, -3.0, 0.0) and mesh_info(obj).bbox_max == (1.0, 0.0, 2.0)
    assert mesh_info(ply).bbox_min == (0.0, 0.0, 0.0) and mesh_info(ply).bbox_max == (1.0, 2.0, 3.0)


def test_the_cache_is_keyed_by_content_not_by_path(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    first = write(tmp_path / "a" / "box.obj", box_obj(1.0, 1.0, 1.0))
    STATS.reset()
    mesh_info(first, root)
    copy = tmp_path / "b" / "renamed.obj"
    copy.parent.mkdir()
    shutil.copy(first, copy)
    mesh_info(copy, root)  # same bytes elsewhere: a hit
    assert (STATS.misses.get("mesh_info"), STATS.hits.get("mesh_info")) == (1, 1)
    write(first, box_obj(2.0, 1.0, 1.0))  # the file changed: recomputed, new bounds
    os.utime(first, ns=(1, 1))
    assert mesh_info(first, root).bbox_max[0] == 2.0
    assert STATS.misses["mesh_info"] == 2
    entries = sorted(root.glob("mesh_info/*/*.json"))
    assert len(entries) == 2 and all(json.loads(p.read_text())["sha256"] for p in entries)


CHILD = """
import json, sys
import trimesh
from synthscape.assets.cache import STATS
from synthscape.assets.mesh_info import mesh_info

def refuse(*args, **kwargs):
    raise AssertionError("the mesh was read again")

if sys.argv[2] == "warm":
    trimesh.load = refuse
info = mesh_info(sys.argv[1])
print(json.dumps({"hits": STATS.hits, "misses": STATS.misses, "bbox_max": info.bbox_max,
                  "faces": info.face_count}))
"""


def run_child(path: Path, mode: str, cache: Path) -> dict:
    env = dict(os.environ, SYNTHSCAPE_ASSET_CACHE=str(cache))
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], check=False, cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_reads_the_cache_not_the_mesh(tmp_path: Path) -> None:
    mesh = pybullet_mesh("random_urdfs/000/000.obj")
    cold = run_child(mesh, "cold", tmp_path / "cache")
    assert cold["misses"] == {"mesh_info": 1} and cold["hits"] == {}
    warm = run_child(mesh, "warm", tmp_path / "cache")  # trimesh.load refuses in this process
    assert warm["hits"] == {"mesh_info": 1} and warm["misses"] == {}
    assert warm["bbox_max"] == cold["bbox_max"] and warm["faces"] == cold["faces"] > 0


def test_recipe_validation_and_every_frame_share_one_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trimesh

    from tests.test_assets_library import objects_of
    from tests.test_inputs_support import write_text

    monkeypatch.setenv("SYNTHSCAPE_ASSET_CACHE", str(tmp_path / "cache"))
    for name in ("a", "b", "c"):
        write(tmp_path / "lib" / f"{name}.obj", box_obj(1, 1, 1) + f"# {name}\n".encode())
    reads: list[str] = []
    real = trimesh.load
    monkeypatch.setattr(trimesh, "load", lambda path, **kw: reads.append(path) or real(path, **kw))
    path = write_text(tmp_path, "placement: {area: [20, 20]}\nobjects:\n"
                      "- {category: m, count: 10, scale: 0.05, meshes: {folder: lib}}\n")
    objects = objects_of(path, frames=5)
    assert len(objects) == 50 and len({o.mesh_path for o in objects}) == 3
    assert sorted(Path(p).name for p in reads) == ["a.obj", "b.obj", "c.obj"]
