"""Rigid bodies of a physics frame: collision shapes, the ground collider, and the meshes the checks read.

* Supports' boxes and the ground collider (a hidden box under z = 0) are passive boxes.
* Each body of ``spec.physics`` is active with its object's ``collision`` shape:
  ``convex_hull``, ``mesh`` (the triangles), ``box``, or ``decomposition`` (a compound of
  hidden convex pieces parented to the object; CoACD pieces of the mesh file, cached by file
  hash in :mod:`synthscape.assets.collision`; convex primitives are their own hull).
* Every other object of the frame is a passive collider where it stands.
"""

from __future__ import annotations

import bmesh
import bpy
import numpy as np
from mathutils import Matrix

from synthscape.assets.collision import CollisionShapeError, array_pieces, mesh_file_pieces
from synthscape.blender.mesh_export import local_mesh_arrays
from synthscape.blender.physics_checks import Body, CheckResult, check_bodies
from synthscape.blender.primitives import TAG
from synthscape.blender.supports import SUPPORT_TAG
from synthscape.errors import SynthscapeError
from synthscape.spec.bodies import body_objects, distractor_key, is_distractor_key
from synthscape.spec.physics import PhysicsSpec
from synthscape.spec.scene_spec import ObjectSpec, SceneSpec

SHAPES = {"convex_hull": "CONVEX_HULL", "mesh": "MESH", "box": "BOX"}
ANALYTIC = {"cube": "BOX", "sphere": "SPHERE", "cylinder": "CYLINDER", "cone": "CONE"}
"""Bullet's exact shapes of the convex primitives (their convex hull, without the facets): used for
``convex_hull`` and ``decomposition`` of these primitives; they rest without the rocking of a faceted hull."""
CONVEX_PRIMITIVES = frozenset({"cube", "sphere", "cylinder", "cone"})
DENSITY = 500.0
"""kg/m^3 of every body (a mass from its scaled bounding-box volume; stacking stays stable)."""
GROUND_COLLIDER = "synthscape_ground_collider"
GROUND_EXTENT = 200.0
"""Side of the ground collider without a ground plane, metres."""
DISTRACTOR_PREFIX = "distractor_"
"""Blender name prefix of ``spec.distractors`` (``distractor_NNNN``, :mod:`synthscape.blender.scene_builder`)."""


def body_key(name: str, instance_id: int) -> int | None:
    """The body key of a built object (see :mod:`synthscape.spec.bodies`); None for the ground and supports."""
    if name.startswith(DISTRACTOR_PREFIX) and name[len(DISTRACTOR_PREFIX):].isdigit():
        return distractor_key(int(name[len(DISTRACTOR_PREFIX):]))
    return instance_id if instance_id > 0 else None


def _configure(obj: bpy.types.Object, collection: bpy.types.Collection, physics: PhysicsSpec,
               kind: str, shape: str) -> None:
    collection.objects.link(obj)
    body = obj.rigid_body
    body.type = kind
    body.collision_shape = shape
    body.friction = physics.friction
    body.restitution = physics.restitution
    body.use_margin = True
    body.collision_margin = physics.collision_margin
    body.linear_damping = physics.linear_damping
    body.angular_damping = physics.angular_damping


def _mass(spec: ObjectSpec) -> float:
    extent = [(hi - lo) * abs(s) for lo, hi, s in zip(spec.bbox_min, spec.bbox_max, spec.scale)]
    return max(DENSITY * 0.5 * float(np.prod(extent)), 0.005)


def _piece_object(name: str, vertices: np.ndarray, parent: bpy.types.Object,
                  scene: bpy.types.Scene) -> bpy.types.Object:
    """A hidden convex piece of a compound shape, in its parent's frame."""
    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    try:
        for co in vertices.tolist():
            bm.verts.new(co)
        bmesh.ops.convex_hull(bm, input=bm.verts)
        bm.to_mesh(mesh)
    finally:
        bm.free()
    piece = bpy.data.objects.new(name, mesh)
    scene.collection.objects.link(piece)
    piece.parent = parent
    piece.matrix_parent_inverse = Matrix.Identity(4)
    piece.hide_render = True
    return piece


def _pieces(spec: ObjectSpec, obj: bpy.types.Object) -> list[np.ndarray]:
    """Convex pieces of an object in its object frame, scaled (the object's scale is baked, see :func:`bake_scale`)."""
    scale = np.asarray(spec.scale, np.float64)
    try:
        if spec.shape == "mesh" and spec.mesh_path:
            transform = np.asarray(spec.mesh_transform, np.float64)
            return [(p @ transform[:3, :3].T + transform[:3, 3]) * scale for p in mesh_file_pieces(spec.mesh_path)]
        vertices, triangles = local_mesh_arrays(obj)
        return [p * scale for p in array_pieces(vertices, triangles, f"the {spec.shape} primitive")]
    except CollisionShapeError as error:
        raise SynthscapeError(f"object {spec.instance_id}: {error}") from None


def bake_scale(obj: bpy.types.Object) -> tuple[bpy.types.Mesh, tuple[float, ...]]:
    """Give ``obj`` a copy of its mesh with its scale applied, and scale 1; returns (mesh, scale) to restore.

    Bullet shapes with an object scale jitter at rest (small scaled boxes never stop turning);
    with the scale in the vertices the same bodies come to rest.
    """
    original = (obj.data, tuple(obj.scale))
    baked = obj.data.copy()
    baked.name = f"{obj.name}_physics"
    if TAG in baked:  # a copy of a shared primitive mesh is no shared primitive mesh
        del baked[TAG]
    baked.transform(Matrix.Diagonal((*obj.scale, 1.0)))
    obj.data = baked
    obj.scale = (1.0, 1.0, 1.0)
    return original


def restore_scale(obj: bpy.types.Object, original: tuple[bpy.types.Mesh, tuple[float, ...]]) -> None:
    """Undo :func:`bake_scale` and delete the baked copy."""
    baked = obj.data
    obj.data, obj.scale = original
    if baked is not original[0] and baked.users == 0:
        bpy.data.meshes.remove(baked)


def _add_body(spec: ObjectSpec, obj: bpy.types.Object, scene: bpy.types.Scene,
              collection: bpy.types.Collection, physics: PhysicsSpec,
              baked: list[tuple[bpy.types.Object, tuple]]) -> None:
    """Make ``obj`` an active body with its collision shape (its scale baked first, noted in ``baked``)."""
    pieces = _pieces(spec, obj) if spec.collision == "decomposition" and spec.shape not in CONVEX_PRIMITIVES \
        else None
    baked.append((obj, bake_scale(obj)))
    if pieces is not None:
        _configure(obj, collection, physics, "ACTIVE", "COMPOUND")
        for index, piece in enumerate(pieces or ()):
            part = _piece_object(f"{obj.name}_piece_{index:03d}", piece, obj, scene)
            _configure(part, collection, physics, "ACTIVE", "CONVEX_HULL")
    elif spec.collision in ("convex_hull", "decomposition") and spec.shape in ANALYTIC:
        _configure(obj, collection, physics, "ACTIVE", ANALYTIC[spec.shape])
    else:
        _configure(obj, collection, physics, "ACTIVE", SHAPES.get(spec.collision, "CONVEX_HULL"))
    obj.rigid_body.mass = _mass(spec)


def _ground_collider(spec: SceneSpec, scene: bpy.types.Scene) -> bpy.types.Object:
    """A hidden passive box whose top face is the plane z = 0 (the ground's extent, or a wide one)."""
    sx, sy = spec.ground.size if spec.ground is not None else (GROUND_EXTENT, GROUND_EXTENT)
    mesh = bpy.data.meshes.new(GROUND_COLLIDER)
    bm = bmesh.new()
    try:
        bmesh.ops.create_cube(bm, size=1.0)
        bmesh.ops.scale(bm, vec=(max(sx, 1e-3), max(sy, 1e-3), 1.0), verts=bm.verts)
        bm.to_mesh(mesh)
    finally:
        bm.free()
    obj = bpy.data.objects.new(GROUND_COLLIDER, mesh)
    obj.location = (0.0, 0.0, -0.5)
    obj.hide_render = True
    scene.collection.objects.link(obj)
    return obj


def add_rigid_bodies(spec: SceneSpec, scene: bpy.types.Scene, instance_of: dict[str, int],
                     collection: bpy.types.Collection, baked: list[tuple[bpy.types.Object, tuple]]
                     ) -> dict[int, bpy.types.Object]:
    """Make the built frame a rigid body scene; returns the active bodies by body key.

    The active bodies' scales are baked (:func:`bake_scale`); ``baked`` gets what to restore.
    """
    physics = spec.physics
    assert physics is not None
    _configure(_ground_collider(spec, scene), collection, physics, "PASSIVE", "BOX")
    by_key = body_objects(spec)
    dynamic = {b.instance_id for b in physics.bodies}
    bodies: dict[int, bpy.types.Object] = {}
    for name, instance_id in instance_of.items():
        obj, key = bpy.data.objects[name], body_key(name, instance_id)
        if SUPPORT_TAG in obj:
            _configure(obj, collection, physics, "PASSIVE", "BOX")
        elif key in dynamic:
            _add_body(by_key[key], obj, scene, collection, physics, baked)
            bodies[key] = obj
        elif key is not None and obj.type == "MESH":
            _configure(obj, collection, physics, "PASSIVE", "MESH")
    return bodies


def settled_pose(obj: bpy.types.Object) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(location, XYZ Euler rotation) of a body now."""
    location, rotation, _scale = obj.matrix_world.decompose()
    euler = rotation.to_euler("XYZ")
    return (tuple(float(v) for v in location), (float(euler.x), float(euler.y), float(euler.z)))  # type: ignore[return-value]


def _world_mesh(obj: bpy.types.Object, depsgraph: bpy.types.Depsgraph) -> tuple[np.ndarray, np.ndarray]:
    evaluated = obj.evaluated_get(depsgraph)
    vertices, triangles = local_mesh_arrays(evaluated)
    matrix = np.array(obj.matrix_world, dtype=np.float64)
    return vertices @ matrix[:3, :3].T + matrix[:3, 3], triangles


def check_frame(spec: SceneSpec, instance_of: dict[str, int], physics: PhysicsSpec) -> CheckResult:
    """Run the checks on the built frame at its current (settled) poses."""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    dynamic = {b.instance_id for b in physics.bodies}
    bodies = []
    for name, instance_id in instance_of.items():
        obj, key = bpy.data.objects[name], body_key(name, instance_id)
        if obj.type != "MESH" or (key is None and SUPPORT_TAG not in obj):
            continue  # the ground plane is z = 0 in the checks
        vertices, triangles = _world_mesh(obj, depsgraph)
        label = "a support" if key is None else (f"distractor {key - distractor_key(0)}" if is_distractor_key(key)
                                                  else f"object {key}")
        if len(triangles):
            bodies.append(Body(key or 0, vertices, triangles, dynamic=key in dynamic, label=label))
    return check_bodies(bodies, physics.penetration_tolerance, physics.contact_tolerance)
