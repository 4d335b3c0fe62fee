"""Collision-free placement: rejection sampling against the real shapes (python-fcl).

An object keeps the rotation the orientation stage gave it; each try draws a position in the
placement area (2 numbers) whose posed mesh stays inside the area in x and y, with its lowest
point on the ground (z = 0), and accepts it when its shape meets none of the objects placed
before it in the frame (any mode's, and fixed ``location`` ones) nor the supports' boxes (bins,
tables, shelves) and, when ``min_gap > 0``, the distance to each is at least ``min_gap``.

Shapes are the objects' real geometry: a cube is fcl's box; a sphere, a cylinder or a cone
(with equal x and y scales) is fcl's smooth solid, which holds Blender's 32-segment polytope
and is at most 0.5 % of the radius larger; a torus, Suzanne, a non-uniformly scaled cylinder or
cone and every mesh file are their triangles (primitives as Blender builds them,
:mod:`synthscape.spec.primitive_meshes`; files as Blender imports them: Y-up formats turned Z-up,
then the asset's ``mesh_transform``). A shape with no readable triangles here (``.blend`` assets,
procedural parts without a file) is its bounding box, which holds it. The lowest point and the
xy extent always come from the vertices. Object-frame meshes are cached per (shape, file,
transform), scaled geometry per scale too, for the life of the process.

fcl tests surfaces, so one closed mesh wholly inside another is not seen as a collision; objects
resting on the ground cannot be (the inner one's lowest point would be on the outer one's
boundary), but a fixed ``location`` in the air could.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.io.optional import import_optional
from synthscape.spec.camera import euler_xyz_to_matrix
from synthscape.spec.primitive_meshes import Mesh, primitive_mesh
from synthscape.spec.scene_spec import Matrix, ObjectSpec, Vec3

MESH_FILE_SUFFIXES = (".obj", ".ply", ".glb", ".gltf", ".stl")
"""Files whose triangles are read here; anything else (``.blend``) is its bounding box."""


@dataclass(frozen=True)
class ShapeKey:
    """What fixes an object's geometry in its own frame (unscaled)."""

    shape: str
    mesh_path: str | None
    mesh_transform: Matrix
    bbox_min: Vec3
    bbox_max: Vec3

    @classmethod
    def of(cls, obj: ObjectSpec) -> ShapeKey:
        """The key of a spec object."""
        return cls(obj.shape, obj.mesh_path, obj.mesh_transform, obj.bbox_min, obj.bbox_max)


def _box_mesh(bbox_min: Vec3, bbox_max: Vec3) -> Mesh:
    low, high = np.asarray(bbox_min, dtype=np.float64), np.asarray(bbox_max, dtype=np.float64)
    unit, faces = primitive_mesh("cube")
    return low + (unit + 1.0) / 2.0 * (high - low), np.asarray(faces)


def _file_mesh(path: str, mesh_transform: Matrix) -> Mesh:
    from synthscape.assets.mesh_info import load_mesh, to_blender_frame

    mesh = load_mesh(path)
    vertices = to_blender_frame(np.asarray(mesh.vertices, dtype=np.float64), Path(path).suffix)
    matrix = np.asarray(mesh_transform, dtype=np.float64)
    return vertices @ matrix[:3, :3].T + matrix[:3, 3], np.asarray(mesh.faces, dtype=np.int64)


@functools.lru_cache(maxsize=512)
def object_mesh(key: ShapeKey) -> Mesh:
    """Vertices and triangles of a shape in its object frame (unscaled), read once per process."""
    if key.shape != "mesh":
        return primitive_mesh(key.shape)
    if key.mesh_path and Path(key.mesh_path).suffix.lower() in MESH_FILE_SUFFIXES:
        return _file_mesh(key.mesh_path, key.mesh_transform)
    return _box_mesh(key.bbox_min, key.bbox_max)


def _smooth_solid(shape: str, scale: Vec3) -> object | None:
    """fcl's own solid for a cube (exact) or for the smooth solid around Blender's 32-segment sphere,
    cylinder or cone (at most 0.5 % of the radius larger: conservative); None: use the triangles."""
    fcl = import_optional("fcl", "python-fcl", "placement: collision_free")

    sx, sy, sz = (abs(float(v)) for v in scale)
    if shape == "cube":
        return fcl.Box(2 * sx, 2 * sy, 2 * sz)
    if shape == "sphere":
        return fcl.Sphere(sx) if sx == sy == sz else fcl.Ellipsoid(sx, sy, sz)
    if shape in ("cylinder", "cone") and sx == sy:
        return fcl.Cylinder(sx, 2 * sz) if shape == "cylinder" else fcl.Cone(sx, 2 * sz)
    return None


@functools.lru_cache(maxsize=2048)
def _scaled_geometry(key: ShapeKey, scale: Vec3) -> tuple[np.ndarray, object]:
    """The scaled vertices and their fcl geometry (shared by every object of that shape and scale).

    Building a BVH costs milliseconds in python-fcl, so the cube, sphere, cylinder and cone use
    fcl's analytic solids instead (:func:`_smooth_solid`); the rest their triangles.
    """
    fcl = import_optional("fcl", "python-fcl", "placement: collision_free")

    vertices, faces = object_mesh(key)
    scaled = np.ascontiguousarray(vertices * np.asarray(scale, dtype=np.float64))
    solid = _smooth_solid(key.shape, scale)
    if solid is not None:
        return scaled, solid
    bvh = fcl.BVHModel()
    bvh.beginModel(len(scaled), len(faces))
    bvh.addSubModel(scaled, np.ascontiguousarray(faces, dtype=np.int64))
    bvh.endModel()
    return scaled, bvh


class CollisionWorld:
    """The objects placed so far in one frame, as fcl collision objects in a dynamic AABB tree."""

    def __init__(self) -> None:
        fcl = import_optional("fcl", "python-fcl", "placement: collision_free")

        self._fcl = fcl
        self._manager = fcl.DynamicAABBTreeCollisionManager()
        self._bodies: list[object] = []  # fcl's manager keeps raw pointers: hold the objects
        self.synced = 0
        """How many objects of the frame's placed list are in the world."""

    def sync(self, placed: Sequence[ObjectSpec]) -> None:
        """Add the objects of ``placed`` not added yet (the list only grows within a frame)."""
        for obj in placed[self.synced:]:
            _, geometry = _scaled_geometry(ShapeKey.of(obj), tuple(obj.scale))  # type: ignore[arg-type]
            rotation = euler_xyz_to_matrix(tuple(obj.rotation))  # type: ignore[arg-type]
            body = self._fcl.CollisionObject(geometry, self._fcl.Transform(rotation, np.asarray(obj.location)))
            self._manager.registerObject(body)
            self._bodies.append(body)
        if len(placed) > self.synced:
            self._manager.setup()
        self.synced = len(placed)

    def add_boxes(self, boxes: Sequence[tuple[Vec3, Vec3, float]]) -> None:
        """Add fixed boxes ``(centre, half extents, yaw)`` (the supports: bins, tables, shelves)."""
        for center, half, yaw in boxes:
            c, s = np.cos(yaw), np.sin(yaw)
            rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
            box = self._fcl.Box(*(2.0 * np.asarray(half, dtype=np.float64)))
            body = self._fcl.CollisionObject(box, self._fcl.Transform(rotation, np.asarray(center, dtype=np.float64)))
            self._manager.registerObject(body)
            self._bodies.append(body)
        self._manager.setup()

    def fits(self, body: object, min_gap: float) -> bool:
        """True when ``body`` meets no placed object and, for ``min_gap > 0``, clears each by that much."""
        if not self._bodies:
            return True
        fcl = self._fcl
        data = fcl.CollisionData(request=fcl.CollisionRequest())
        self._manager.collide(body, data, fcl.defaultCollisionCallback)
        if data.result.is_collision:
            return False
        if min_gap <= 0:
            return True
        distance = fcl.DistanceData()
        self._manager.distance(body, distance, fcl.defaultDistanceCallback)
        return float(distance.result.min_distance) >= min_gap


def _axis_range(low: float, high: float, center: float, extent: float) -> tuple[float, float]:
    """Origin positions along one axis that keep ``[low, high]`` (posed extent) inside the area."""
    start, stop = center - extent / 2.0 - low, center + extent / 2.0 - high
    if start > stop:  # wider than the area: centred on it
        start = stop = center - (low + high) / 2.0
    return start, stop


@dataclass(frozen=True)
class PoseRequest:
    """One object to place: its geometry, scale and rotation, and the area's values for it."""

    key: ShapeKey
    scale: Vec3
    rotation: Vec3
    area: tuple[float, float]
    center: tuple[float, float]
    min_gap: float
    max_tries: int

    @classmethod
    def sample(cls, placement: Any, key: ShapeKey, scale: Vec3, rotation: Vec3,
               rng: np.random.Generator) -> PoseRequest:
        """The request for one object, drawing ``placement``'s area, centre and gap from ``rng``."""
        area, center = placement.area.sample(rng), placement.center.sample(rng)
        return cls(key, scale, rotation, (float(area[0]), float(area[1])), (float(center[0]), float(center[1])),
                   float(placement.min_gap.sample(rng)), int(placement.max_tries))


def place_collision_free(world: CollisionWorld, request: PoseRequest,
                         rng: np.random.Generator) -> tuple[Vec3, float] | None:
    """A position for the object that touches no placed mesh, resting on the ground.

    Draws exactly 2 numbers per try, ``max_tries`` tries at most.

    Returns:
        ``(location, radius)`` (the radius of the circle about the origin holding the posed
        mesh's xy extent, for footprint-mode groups to avoid), or None when every try collides.
    """
    fcl = import_optional("fcl", "python-fcl", "placement: collision_free")

    scaled, geometry = _scaled_geometry(request.key, request.scale)
    rotation = euler_xyz_to_matrix(request.rotation)
    posed = scaled @ rotation.T
    low, high = posed.min(axis=0), posed.max(axis=0)
    x_range = _axis_range(low[0], high[0], request.center[0], request.area[0])
    y_range = _axis_range(low[1], high[1], request.center[1], request.area[1])
    z = -float(low[2])
    body = fcl.CollisionObject(geometry, fcl.Transform(rotation, np.zeros(3)))
    for _ in range(request.max_tries):
        x, y = float(rng.uniform(*x_range)), float(rng.uniform(*y_range))
        body.setTranslation(np.array([x, y, z]))
        if world.fits(body, request.min_gap):
            radius = float(np.hypot(posed[:, 0], posed[:, 1]).max())
            return (x, y, z), radius
    return None


def posed_footprint(key: ShapeKey, scale: Vec3, rotation: Vec3) -> tuple[float, float]:
    """(radius, lift) of a rotated shape: the circle about its origin holding its posed xy extent,
    and the origin height that puts its lowest point on the ground."""
    scaled, _ = _scaled_geometry(key, scale)
    posed = scaled @ euler_xyz_to_matrix(rotation).T
    return float(np.hypot(posed[:, 0], posed[:, 1]).max()), -float(posed[:, 2].min())


def posed_vertices(obj: ObjectSpec) -> np.ndarray:
    """(V, 3) world vertices of a spec object's mesh (as this module sees it)."""
    scaled, _ = _scaled_geometry(ShapeKey.of(obj), tuple(obj.scale))  # type: ignore[arg-type]
    return scaled @ euler_xyz_to_matrix(tuple(obj.rotation)).T + np.asarray(obj.location)  # type: ignore[arg-type]


def lowest_point(obj: ObjectSpec) -> float:
    """z of the lowest vertex of a posed object, metres."""
    return float(posed_vertices(obj)[:, 2].min())
