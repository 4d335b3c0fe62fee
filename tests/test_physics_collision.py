"""Convex decompositions for ``collision: decomposition``: computed once per file content, cached."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from synthscape.assets.cache import STATS
from synthscape.assets.collision import COLLISION_KIND, CollisionShapeError, mesh_file_pieces


def ring_file(folder: Path) -> Path:
    import trimesh

    path = folder / "ring.ply"
    trimesh.creation.annulus(r_min=0.02, r_max=0.04, height=0.02, sections=16).export(path)
    return path


def test_pieces_are_convex_cover_the_ring_and_keep_its_hole(tmp_path: Path) -> None:
    import trimesh

    pieces = mesh_file_pieces(str(ring_file(tmp_path)), cache_root=tmp_path / "cache")
    assert len(pieces) >= 3, "a ring needs several convex pieces"
    hulls = [trimesh.convex.convex_hull(p) for p in pieces]
    ring = trimesh.load(ring_file(tmp_path), force="mesh")
    on_ring = trimesh.sample.sample_surface_even(ring, 300, seed=0)[0]
    near = np.min([np.abs(np.asarray([_hull_distance(h, p) for p in on_ring])) for h in hulls], axis=0)
    assert np.mean(near < 3e-3) > 0.95, "the pieces do not follow the ring's surface"
    assert not any(_inside_hull(h, np.zeros(3)) for h in hulls), "a piece fills the ring's hole"


def _inside_hull(hull, point: np.ndarray) -> bool:
    normals, offsets = hull.face_normals, np.einsum("ij,ij->i", hull.face_normals, hull.triangles[:, 0])
    return bool(np.all(normals @ point - offsets <= 1e-9))


def _hull_distance(hull, point: np.ndarray) -> float:
    """Distance from ``point`` to a convex hull's surface, by its face planes (inside: negative)."""
    normals = hull.face_normals
    offsets = np.einsum("ij,ij->i", normals, hull.triangles[:, 0])
    return float(np.max(normals @ point - offsets))


def test_decomposition_is_computed_once_per_file_content(tmp_path: Path) -> None:
    source = ring_file(tmp_path)
    copy = tmp_path / "elsewhere" / "same_ring.ply"
    copy.parent.mkdir()
    shutil.copy(source, copy)
    STATS.reset()
    first = mesh_file_pieces(str(source), cache_root=tmp_path / "cache")
    again = mesh_file_pieces(str(copy), cache_root=tmp_path / "cache")
    assert STATS.misses.get(COLLISION_KIND) == 1 and STATS.hits.get(COLLISION_KIND) == 1
    assert len(first) == len(again) and all(np.array_equal(a, b) for a, b in zip(first, again))


def test_an_open_mesh_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "open.obj"
    path.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\n")
    with pytest.raises(CollisionShapeError, match=r"open\.obj: collision: decomposition: .*watertight"):
        mesh_file_pieces(str(path), cache_root=tmp_path / "cache")
