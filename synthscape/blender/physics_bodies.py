"""Rigid bodies of a physics frame: collision shapes, the ground collider, and the meshes the checks read.

* Supports' boxes and the ground collider (a hidden box under z = 0) are passive boxes.
* Each body of ``spec.physics`` is active with its object's ``collision`` shape:
  ``convex_hull``, ``mesh`` (the triangles), ``box``, or ``decomposition`` (a compound of
  hidden convex pieces parented to the object; CoACD pieces of the mesh file, cached by file
  hash in :mod:`synthscape.assets.collision`; convex primitives are their own hull).
  Round convex shapes (cylinders, cones, the convex hull of a mesh) collide as a faceted hull
  that contains the mesh (:mod:`synthscape.blender.physics_facets`): Bullet keeps round bodies
  rolling on their side, a faceted one rests on a face. Cubes and spheres keep Bullet's exact shapes.
* Every other object of the frame is a passive collider where it stands.
"""

from __future__ import annotations

import bmesh
import bpy
import numpy as np
from mathutils import Matrix, Vector

from synthscape.assets.collision import CollisionShapeError, array_pieces, mesh_file_pieces
from synthscape.blender.mesh_export import local_mesh_arrays
from synthscape.blender.physics_checks import Body, CheckResult, check_bodies
from synthscape.blender.physics_facets import faceted_hull
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
CENTRE_KEY = "synthscape_physics_centre"
"""Custom property of a body whose origin was moved to its centre for the simulation: the offset,
object frame, metres (:func:`_centre_origin`)."""
CENTRE_MIN_OFFSET = 1e-4
"""Metres: a body whose bounding-box centre is closer to its origin keeps its origin."""
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


def _rolls(spec: ObjectSpec) -> bool:
    """Whether the body's convex collision shape may be round (a cylinder, a cone, a lathe-profile
    mesh): such bodies get a faceted hull (:mod:`synthscape.blender.physics_facets`) so they come to rest."""
    if spec.shape in ("cylinder", "cone"):
        return spec.collision in ("convex_hull", "decomposition")
    return spec.collision == "convex_hull" and spec.shape not in ANALYTIC


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
    """Undo :func:`bake_scale` (and :func:`_centre_origin`) and delete the baked copy."""
    if CENTRE_KEY in obj:
        obj.matrix_basis = obj.matrix_basis @ Matrix.Translation(Vector([-float(v) for v in obj[CENTRE_KEY]]))
        del obj[CENTRE_KEY]
    baked = obj.data
    obj.data, obj.scale = original
    if baked is not original[0] and baked.users == 0:
        bpy.data.meshes.remove(baked)


def _centre_origin(obj: bpy.types.Object, vertices: np.ndarray) -> np.ndarray:
    """Move a baked body's origin to the centre of its bounding box; returns that centre (object frame).

    Bullet puts the centre of mass at the object's origin: a procedural bottle or mug has it at
    the base, so lying on its side it would stand itself up (its base is lower that way). The
    offset is kept on the object (:data:`CENTRE_KEY`) so :func:`settled_pose` and
    :func:`restore_scale` convert back to the object's own origin exactly.
    """
    centre = (vertices.min(axis=0) + vertices.max(axis=0)) / 2 if len(vertices) else np.zeros(3)
    if float(np.abs(centre).max()) < CENTRE_MIN_OFFSET:
        return np.zeros(3)
    obj.data.transform(Matrix.Translation(Vector(-centre)))
    obj.matrix_basis = obj.matrix_basis @ Matrix.Translation(Vector(centre))  # basis: fresh after bake_scale
    obj[CENTRE_KEY] = centre.tolist()
    return centre


def _add_body(spec: ObjectSpec, obj: bpy.types.Object, scene: bpy.types.Scene,
              collection: bpy.types.Collection, physics: PhysicsSpec,
              baked: list[tuple[bpy.types.Object, tuple]], keep_origin: bool = False) -> None:
    """Make ``obj`` an active body with its collision shape (its scale baked first, noted in ``baked``;
    its origin moved to its centre unless ``keep_origin``: tossed bodies, whose poses are read as they are)."""
    pieces = _pieces(spec, obj) if spec.collision == "decomposition" and spec.shape not in CONVEX_PRIMITIVES \
        else None
    baked.append((obj, bake_scale(obj)))
    vertices = local_mesh_arrays(obj)[0]
    if pieces is None and _rolls(spec):
        facets = faceted_hull(vertices, max_standoff=physics.contact_tolerance / 2)
        pieces = None if facets is None else [facets]
    centre = np.zeros(3) if keep_origin else _centre_origin(obj, vertices)
    if pieces is not None:
        _configure(obj, collection, physics, "ACTIVE", "COMPOUND")
        for index, piece in enumerate(pieces or ()):
            part = _piece_object(f"{obj.name}_piece_{index:03d}", piece - centre, obj, scene)
            _configure(part, collection, physics, "ACTIVE", "CONVEX_HULL")
    elif spec.collision in ("convex_hull", "decomposition") and spec.shape in ANALYTIC:
        _configure(obj, collection, physics, "ACTIVE", ANALYTIC[spec.shape])
    else:
        _configure(obj, collection, physics, "ACTIVE", SHAPES.get(spec.collision, "CONVEX_HULL"))
    obj.rigid_body.mass = _mass(spec)


def _tossed(physics: PhysicsSpec, key: int) -> bool:
    """Whether the body is tossed (initial velocities: :mod:`synthscape.blender.physics_motion` reads its poses)."""
    body = physics.body(key)
    return body is not None and getattr(body, "linear_velocity", None) is not None


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
            _add_body(by_key[key], obj, scene, collection, physics, baked, keep_origin=_tossed(physics, key))
            bodies[key] = obj
        elif key is not None and obj.type == "MESH":
            _configure(obj, collection, physics, "PASSIVE", "MESH")
    return bodies


def settled_pose(obj: bpy.types.Object) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(location, XYZ Euler rotation) of a body's own origin now (not of its centre, see :func:`_centre_origin`)."""
    matrix = obj.matrix_world
    if CENTRE_KEY in obj:
        matrix = matrix @ Matrix.Translation(Vector([-float(v) for v in obj[CENTRE_KEY]]))
    location, rotation, _scale = matrix.decompose()
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
