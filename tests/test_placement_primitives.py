"""The sampler's primitive meshes are Blender's, and its Euler angles mean what Blender reads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synthscape.spec.camera import euler_xyz_to_matrix
from synthscape.spec.primitive_meshes import primitive_mesh

SHAPES = ("cube", "sphere", "cylinder", "cone", "torus", "monkey", "plane")


def _mesh_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


@pytest.mark.parametrize("shape", ["cube", "sphere", "cylinder", "cone", "torus"])
def test_closed_primitives_are_watertight_and_face_outwards(shape):
    vertices, faces = primitive_mesh(shape)
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
    _, uses = np.unique(edges, axis=0, return_counts=True)
    assert np.all(uses == 2), "every edge joins exactly two triangles"
    assert _mesh_volume(vertices, faces) > 0


def test_primitive_volumes_approach_the_ideal_solids():
    assert _mesh_volume(*primitive_mesh("cube")) == pytest.approx(8.0)
    assert _mesh_volume(*primitive_mesh("sphere")) == pytest.approx(4 / 3 * math.pi, rel=0.02)
    assert _mesh_volume(*primitive_mesh("cylinder")) == pytest.approx(2 * math.pi, rel=0.01)
    assert _mesh_volume(*primitive_mesh("cone")) == pytest.approx(2 / 3 * math.pi, rel=0.01)
    assert _mesh_volume(*primitive_mesh("torus")) == pytest.approx(2 * math.pi ** 2 * 0.25 ** 2, rel=0.05)  # 12-gon tube


def _blender_mesh(shape: str) -> tuple[np.ndarray, np.ndarray]:
    import bpy  # first: it makes bmesh importable

    from synthscape.blender.primitives import build_primitive_mesh

    mesh = build_primitive_mesh(shape, f"probe_{shape}")
    try:
        vertices = np.array([v.co[:] for v in mesh.vertices])
        mesh.calc_loop_triangles()
        triangles = np.array([t.vertices[:] for t in mesh.loop_triangles])
        return vertices, triangles
    finally:
        bpy.data.meshes.remove(mesh)


def _nearest(points: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Distance from each of ``points`` to the nearest of ``others``."""
    return np.linalg.norm(points[:, None, :] - others[None, :, :], axis=2).min(axis=1)


@pytest.mark.blender
@pytest.mark.parametrize("shape", SHAPES)
def test_primitive_vertices_are_blenders(shape):
    ours, our_faces = primitive_mesh(shape)
    theirs, their_faces = _blender_mesh(shape)
    assert _nearest(theirs, ours).max() < 1e-5, "every Blender vertex is one of ours (float32 there)"
    extra = ours[_nearest(ours, theirs) > 1e-5]
    # Ours may add the centres of n-gon caps (cylinder, cone), which lie on Blender's surface.
    assert len(extra) <= 2 and np.allclose(np.abs(extra), [0.0, 0.0, 1.0])
    assert _mesh_volume(ours, our_faces) == pytest.approx(_mesh_volume(theirs, their_faces), rel=1e-5)
    if shape == "monkey":  # Blender's own triangulation, stored
        assert np.allclose(ours, theirs, atol=1e-6) and np.array_equal(our_faces, their_faces)


@pytest.mark.blender
def test_spec_euler_angles_are_blenders_xyz_euler():
    from mathutils import Euler

    rng = np.random.default_rng(3)
    for _ in range(50):
        angles = tuple(rng.uniform(-math.pi, math.pi, 3))
        blender = np.array(Euler(angles, "XYZ").to_matrix())
        assert np.allclose(euler_xyz_to_matrix(angles), blender, atol=1e-6)
