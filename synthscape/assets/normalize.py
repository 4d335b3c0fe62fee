"""Per-asset normalization: the 4x4 that turns a mesh file's up axis to +Z, scales it to a
target size and puts its origin at the base, the centre or where the file has it.

The matrix maps Blender's *imported* frame (where the importer puts the vertices: Y-up formats
already turned Z-up, see :mod:`synthscape.assets.mesh_info`) to the object frame; the Blender
layer applies it to the imported vertices, the sampler takes the object's bounds from it. The
object's ``scale`` then multiplies the normalized size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthscape.assets.mesh_info import Y_UP_SUFFIXES

Vec3 = tuple[float, float, float]
Matrix4 = tuple[tuple[float, float, float, float], ...]

UP_AXES = ("+X", "-X", "+Y", "-Y", "+Z", "-Z")
ORIGINS = ("base", "center", "file")
MEASURES = ("longest", "height")

_TO_Z_UP = {  # rotation taking the named axis (imported frame) to +Z
    "+Z": np.eye(3),
    "-Z": np.diag([1.0, -1.0, -1.0]),
    "+X": np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),
    "-X": np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]]),
    "+Y": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]),
    "-Y": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]),
}
_IMPORTED_AXIS_OF_Y_UP_FILE = {"+X": "+X", "-X": "-X", "+Y": "+Z", "-Y": "-Z", "+Z": "-Y", "-Z": "+Y"}
"""Where a Y-up file's own axis points after Blender's importer turned it Z-up, (x, y, z) -> (x, -z, y)."""


@dataclass(frozen=True)
class Normalization:
    """How one asset is normalized (values already drawn)."""

    size: float | None = None
    """Target size in metres of the measured extent; None keeps the file's size."""
    measure: str = "longest"
    """``longest``: the largest side of the bounding box; ``height``: its z extent (after up_axis)."""
    up_axis: str | None = None
    """The file's own axis that points up (``+Y``...); None: as the importer leaves it."""
    origin: str = "center"
    """``base`` (bottom centre), ``center`` (bounding-box centre) or ``file`` (the file's origin)."""


def up_rotation(up_axis: str | None, suffix: str) -> np.ndarray:
    """(3, 3) rotation, in the imported frame, that turns the file's ``up_axis`` to +Z.

    ``up_axis`` names an axis of the file's own coordinates; for Y-up formats (OBJ, glTF) the
    importer already turned +Y to +Z, so ``+Y`` there is the identity.
    """
    if up_axis is None:
        return np.eye(3)
    if up_axis not in _TO_Z_UP:
        raise ValueError(f"up_axis must be one of {', '.join(UP_AXES)}, got {up_axis!r}")
    imported = _IMPORTED_AXIS_OF_Y_UP_FILE[up_axis] if suffix.lower() in Y_UP_SUFFIXES else up_axis
    return _TO_Z_UP[imported]


def _box_corners(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.array([[x, y, z] for x in (low[0], high[0]) for y in (low[1], high[1]) for z in (low[2], high[2])])


def measured_extent(bbox_min: Vec3, bbox_max: Vec3, suffix: str, normalization: Normalization) -> float:
    """The extent that ``size`` sets, after the up-axis rotation (file units)."""
    corners = _box_corners(np.asarray(bbox_min, float), np.asarray(bbox_max, float))
    turned = corners @ up_rotation(normalization.up_axis, suffix).T
    extent = turned.max(axis=0) - turned.min(axis=0)
    return float(extent[2] if normalization.measure == "height" else extent.max())


def normalization_transform(bbox_min: Vec3, bbox_max: Vec3, suffix: str,
                            normalization: Normalization) -> tuple[Matrix4, Vec3, Vec3]:
    """The 4x4 (imported frame -> object frame) and the normalized shape's bounds.

    Args:
        bbox_min: the file's bounds in the imported frame (:class:`~synthscape.assets.mesh_info.MeshInfo`).
        bbox_max: see ``bbox_min``.
        suffix: the file's suffix (which axes the importer turned).
        normalization: size, measure, up axis, origin.

    Raises:
        ValueError: ``size`` is set but the measured extent is zero (a flat mesh measured by height).
    """
    rotation = up_rotation(normalization.up_axis, suffix)
    corners = _box_corners(np.asarray(bbox_min, float), np.asarray(bbox_max, float)) @ rotation.T
    low, high = corners.min(axis=0), corners.max(axis=0)
    factor = 1.0
    if normalization.size is not None:
        extent = measured_extent(bbox_min, bbox_max, suffix, normalization)
        if extent <= 0:
            raise ValueError(f"the mesh has no {normalization.measure} extent to scale to "
                             f"{normalization.size} m; use measure: longest")
        factor = float(normalization.size) / extent
    low, high = low * factor, high * factor
    if normalization.origin == "base":
        offset = -np.array([(low[0] + high[0]) / 2, (low[1] + high[1]) / 2, low[2]])
    elif normalization.origin == "center":
        offset = -(low + high) / 2
    else:
        offset = np.zeros(3)
    matrix = np.eye(4)
    matrix[:3, :3] = rotation * factor
    matrix[:3, 3] = offset
    as_tuple = tuple(tuple(float(v) + 0.0 for v in row) for row in matrix)
    return (as_tuple, tuple(float(v) + 0.0 for v in low + offset),  # type: ignore[return-value]
            tuple(float(v) + 0.0 for v in high + offset))


def transform_points(matrix: Matrix4, points: np.ndarray) -> np.ndarray:
    """(N, 3) points through a 4x4 (row vectors)."""
    m = np.asarray(matrix, float)
    return np.asarray(points, float) @ m[:3, :3].T + m[:3, 3]


__all__ = ["MEASURES", "ORIGINS", "UP_AXES", "Normalization", "measured_extent", "normalization_transform",
           "transform_points", "up_rotation"]
