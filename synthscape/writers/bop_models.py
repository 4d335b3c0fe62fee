"""BOP object models: the exact triangles of an instance in its model frame, PLY files in
millimetres, ``models_info.json`` (diameter, bounds, symmetries).

Model frame (BOP ``docs/bop_datasets_format.md``): the object's own axes, origin at the centre
of its 3D bounding box, units millimetres, **scale included**: BOP models are rigid and of
fixed size, so every distinct (asset, scale) is its own model and gets its own ``obj_id``
(:func:`model_key`). Instances of one shape with one scale share the id.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from synthscape.buffers import SceneMesh
from synthscape.spec.camera import euler_xyz_to_matrix
from synthscape.spec.scene_spec import ObjectSpec

MM_PER_M = 1000.0
SCALE_DIGITS = 6
"""Scales are compared rounded to this many decimals (``model_key``)."""
SYMMETRY_TOLERANCE = 1e-6
"""Relative tolerance on extents when deciding which symmetries a scaled primitive keeps."""
Z_AXIS = [0.0, 0.0, 1.0]
DETECTION_TOLERANCE = 1e-3
"""A mesh file's candidate symmetry must move every vertex onto a vertex within this fraction of its diameter."""
DETECTION_MAX_VERTICES = 200_000


def model_key(obj: ObjectSpec) -> str:
    """The identity of an object's BOP model: its asset (primitive shape or mesh file), its
    normalization (``mesh_transform``, when not the identity) and scale."""
    scale = ",".join(f"{float(s):.{SCALE_DIGITS}f}" for s in obj.scale)
    asset = f"mesh:{obj.mesh_path}" if obj.shape == "mesh" else obj.shape
    if obj.blend_object or obj.blend_collection:  # one .blend file holds many assets
        asset += f"#object:{obj.blend_object}" if obj.blend_object else f"#collection:{obj.blend_collection}"
    transform = np.asarray(obj.mesh_transform, float)
    if not np.allclose(transform, np.eye(4), rtol=0.0, atol=10.0 ** -SCALE_DIGITS):
        asset += "|transform=" + ",".join(f"{v:.{SCALE_DIGITS}f}" for v in transform[:3].ravel())
    return f"{asset}|scale={scale}"


def model_center_m(obj: ObjectSpec) -> np.ndarray:
    """(3,) centre of the scaled object's bounding box in its own (rotated, unscaled-axes) frame, metres."""
    centre = (np.asarray(obj.bbox_min, float) + np.asarray(obj.bbox_max, float)) / 2
    return centre * np.asarray(obj.scale, float)


def model_to_world(obj: ObjectSpec) -> tuple[np.ndarray, np.ndarray]:
    """Rotation (3, 3) and translation (3,) in metres taking model-frame points (metres) to the world."""
    rotation = euler_xyz_to_matrix(tuple(obj.rotation))
    return rotation, np.asarray(obj.location, float) + rotation @ model_center_m(obj)


def instance_model(mesh: SceneMesh, obj: ObjectSpec) -> tuple[np.ndarray, np.ndarray] | None:
    """An instance's triangles in its model frame: (V, 3) float64 vertices in mm, (F, 3) int32 faces.

    None when the mesh has no triangles of that instance.
    """
    tri = np.flatnonzero(mesh.triangle_instance == obj.instance_id)
    if tri.size == 0:
        return None
    used, faces = np.unique(mesh.triangles[tri], return_inverse=True)
    rotation, translation = model_to_world(obj)
    world = mesh.vertices[used].astype(np.float64)
    model = (world - translation) @ rotation  # R^T (p - t), row vectors
    return model * MM_PER_M, faces.reshape(-1, 3).astype(np.int32)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, 3) unit vertex normals: area-weighted sums of the incident faces' normals."""
    v = np.asarray(vertices, float)
    cross = np.cross(v[faces[:, 1]] - v[faces[:, 0]], v[faces[:, 2]] - v[faces[:, 0]])
    normals = np.zeros_like(v)
    for corner in range(3):
        np.add.at(normals, faces[:, corner], cross)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)


def ply_text(vertices: np.ndarray, faces: np.ndarray) -> str:
    """ASCII PLY (as the BOP models): ``x y z nx ny nz`` per vertex (mm), triangle faces."""
    normals = vertex_normals(vertices, faces)
    header = ("ply\nformat ascii 1.0\ncomment synthscape BOP model, units: mm\n"
              f"element vertex {len(vertices)}\nproperty float x\nproperty float y\nproperty float z\n"
              "property float nx\nproperty float ny\nproperty float nz\n"
              f"element face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n")
    rows = np.hstack([vertices, normals])
    vertex_lines = "\n".join(" ".join(f"{x:.4f}" if i < 3 else f"{x:.6f}" for i, x in enumerate(r)) for r in rows)
    face_lines = "\n".join(f"3 {a} {b} {c}" for a, b, c in faces.tolist())
    return header + vertex_lines + "\n" + face_lines + "\n"


def diameter(vertices: np.ndarray) -> float:
    """Largest distance between any two vertices (over the convex hull's vertices when it exists)."""
    points = np.asarray(vertices, float)
    if len(points) > 4:
        from scipy.spatial import ConvexHull, QhullError

        with contextlib.suppress(QhullError):  # flat or degenerate: every vertex counts
            points = points[ConvexHull(points).vertices]
    best = 0.0
    for start in range(0, len(points), 1024):
        chunk = points[start:start + 1024]
        d2 = ((chunk[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
        best = max(best, float(d2.max()))
    return float(np.sqrt(best))


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= SYMMETRY_TOLERANCE * max(abs(a), abs(b), 1e-12)


def _proper_signed_permutations() -> list[np.ndarray]:
    mats = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1.0, -1.0), repeat=3):
            m = np.zeros((3, 3))
            m[range(3), perm] = signs
            if np.linalg.det(m) > 0 and not np.allclose(m, np.eye(3)):
                mats.append(m)
    return mats


def box_symmetries(extents: Sequence[float]) -> list[np.ndarray]:
    """Non-identity rotations mapping an axis-aligned centred box of these extents onto itself
    (23 for a cube, 7 with two equal sides, 3 for three different sides)."""
    e = [float(x) for x in extents]
    return [m for m in _proper_signed_permutations()
            if all(_same(e[int(np.flatnonzero(m[i])[0])], e[i]) for i in range(3))]


def half_turns(axes: str = "xyz") -> list[np.ndarray]:
    """Rotations by pi about the named coordinate axes."""
    flips = {"x": np.diag([1.0, -1.0, -1.0]), "y": np.diag([-1.0, 1.0, -1.0]), "z": np.diag([-1.0, -1.0, 1.0])}
    return [flips[a] for a in axes]


def _round_axis(a: float, b: float, c: float) -> str | None:
    """The axis ('x', 'y', 'z') whose scale differs while the other two match; None otherwise."""
    if _same(a, b) and not _same(a, c):
        return "z"
    if _same(a, c) and not _same(a, b):
        return "y"
    if _same(b, c) and not _same(a, b):
        return "x"
    return None


def primitive_symmetries(shape: str, scale: Sequence[float],
                         extents: Sequence[float]) -> tuple[list[np.ndarray], list[list[float]]]:
    """Discrete rotations and continuous axes of a scaled primitive's geometry (model frame).

    Appearance is not considered: a uniform material keeps them exact; textures may not. Mesh
    files: see :func:`detected_symmetries`.
    Returns ([R (3, 3)], [axis (3,)]); both empty for an asset without known symmetry.
    """
    sx, sy, sz = (float(s) for s in scale)
    axis_vec = {"x": [1.0, 0.0, 0.0], "y": [0.0, 1.0, 0.0], "z": Z_AXIS}
    if shape in ("cube", "plane"):
        return box_symmetries(extents), []
    if shape == "sphere":
        if _same(sx, sy) and _same(sy, sz):
            return [], [axis_vec["x"], axis_vec["y"], axis_vec["z"]]
        round_axis = _round_axis(sx, sy, sz)
        if round_axis is not None:
            other = "x" if round_axis != "x" else "y"
            return half_turns(other), [axis_vec[round_axis]]
        return half_turns(), []
    if shape in ("cylinder", "torus"):
        return (half_turns("x"), [Z_AXIS]) if _same(sx, sy) else (half_turns(), [])
    if shape == "cone":
        return ([], [Z_AXIS]) if _same(sx, sy) else (half_turns("z"), [])
    return [], []


def detected_symmetries(vertices: np.ndarray) -> list[np.ndarray]:
    """The 23 non-identity rotations of the cube group (about the model's axes and origin, the
    bounding-box centre) that map a mesh's vertex set onto itself within
    :data:`DETECTION_TOLERANCE` of its diameter; [] above :data:`DETECTION_MAX_VERTICES` vertices
    (not checked). Continuous symmetries of mesh files are not detected."""
    points = np.asarray(vertices, float)
    if len(points) > DETECTION_MAX_VERTICES or len(points) == 0:
        return []
    from scipy.spatial import cKDTree

    tree = cKDTree(points)
    limit = DETECTION_TOLERANCE * max(diameter(points), 1e-9)
    return [r for r in _proper_signed_permutations() if float(tree.query(points @ r.T)[0].max()) <= limit]


def model_info(asset: dict[str, Any], vertices: np.ndarray) -> dict[str, Any]:
    """The ``models_info.json`` entry of a model (vertices in mm, model frame).

    Args:
        asset: ``shape``, ``scale``, ``bbox_min``, ``bbox_max`` of the object (unscaled bounds).
        vertices: (V, 3) model vertices, mm.
    """
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    size = high - low
    info: dict[str, Any] = {"diameter": round(diameter(vertices), 6)}
    for i, axis in enumerate("xyz"):
        info[f"min_{axis}"] = round(float(low[i]), 6)
        info[f"size_{axis}"] = round(float(size[i]), 6)
    scale = np.asarray(asset["scale"], float)
    extents = (np.asarray(asset["bbox_max"], float) - np.asarray(asset["bbox_min"], float)) * np.abs(scale)
    if asset["shape"] == "mesh":
        discrete, continuous = detected_symmetries(vertices), []
    else:
        discrete, continuous = primitive_symmetries(str(asset["shape"]), scale, extents)
    if discrete:
        info["symmetries_discrete"] = [_sym4x4(r) for r in discrete]
    if continuous:
        info["symmetries_continuous"] = [{"axis": list(a), "offset": [0.0, 0.0, 0.0]} for a in continuous]
    return info


def _sym4x4(rotation: np.ndarray) -> list[float]:
    m = np.eye(4)
    m[:3, :3] = rotation
    return [float(v) + 0.0 for v in m.ravel()]


__all__ = ["MM_PER_M", "box_symmetries", "detected_symmetries", "diameter", "instance_model", "model_info", "model_key",
           "model_to_world", "ply_text", "primitive_symmetries", "vertex_normals"]
