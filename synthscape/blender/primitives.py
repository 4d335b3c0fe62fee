"""Primitive meshes built once per process and shared by every object of that shape.

``bpy.ops.mesh.primitive_*_add`` creates an object and updates the view layer on every call,
which makes building a scene quadratic in its object count. Here each shape's mesh datablock
is made once through ``bmesh`` (the same bmesh operators, with the same parameters, that the
``primitive_*_add`` operators run, so vertices, faces and UVs are identical) and reused: the
objects share the mesh and carry their own material in an object-linked slot.

The meshes are found again by name (:data:`MESH_PREFIX`) and tag, never through cached
Python references, so an undo in the add-on (which reloads ``bpy.data``) cannot leave a stale
pointer behind.
"""

from __future__ import annotations

import bmesh
import bpy
from mathutils import Matrix

SMOOTH_SHAPES = frozenset({"sphere", "torus", "monkey"})
"""Primitives shaded smooth; the others keep flat faces (sharp edges)."""

PRIMITIVE_SHAPES = ("cube", "sphere", "cylinder", "cone", "torus", "monkey", "plane")
"""Shapes :func:`primitive_mesh` builds (see :mod:`synthscape.spec.shapes` for their bounds)."""

MESH_PREFIX = "synthscape_primitive_"
"""Name prefix of the shared primitive meshes."""

TAG = "synthscape_primitive"
"""Custom property on a shared primitive mesh: the shape it holds."""


def _fill_bmesh(bm: bmesh.types.BMesh, shape: str) -> None:
    """Create ``shape`` (unscaled, origin at its centre) in ``bm``, as the add-primitive operators do.

    cube edge 2; sphere radius 1 (32x16); cylinder r 1 depth 2; cone r1 1 r2 0 depth 2;
    monkey = Suzanne (size 2); plane size 2.
    """
    ops = bmesh.ops
    bm.loops.layers.uv.new("UVMap")  # calc_uvs fills the first UV layer
    if shape == "cube":
        ops.create_cube(bm, size=2.0, calc_uvs=True)
    elif shape == "sphere":
        ops.create_uvsphere(bm, u_segments=32, v_segments=16, radius=1.0, calc_uvs=True)
    elif shape in ("cylinder", "cone"):
        ops.create_cone(bm, cap_ends=True, cap_tris=False, segments=32, radius1=1.0,
                        radius2=1.0 if shape == "cylinder" else 0.0, depth=2.0, calc_uvs=True)
    elif shape == "monkey":
        ops.create_monkey(bm, calc_uvs=True)
    elif shape == "plane":
        ops.create_grid(bm, x_segments=1, y_segments=1, size=1.0, calc_uvs=True)
    else:
        raise ValueError(f"unknown primitive shape {shape!r}; expected cube, sphere, cylinder, "
                         "cone, torus, monkey, plane or mesh")


def _torus_mesh(mesh: bpy.types.Mesh) -> None:
    """The torus (major 1, minor 0.25, 48x12) with the operator's own vertex and UV code."""
    from bl_operators.add_mesh_torus import add_torus, add_uvs

    major_segments, minor_segments = 48, 12
    verts, faces = add_torus(1.0, 0.25, major_segments, minor_segments)
    mesh.vertices.add(len(verts) // 3)
    mesh.loops.add(len(faces))
    mesh.polygons.add(len(faces) // 4)
    mesh.vertices.foreach_set("co", verts)
    mesh.polygons.foreach_set("loop_start", range(0, len(faces), 4))
    mesh.loops.foreach_set("vertex_index", faces)
    add_uvs(mesh, minor_segments, major_segments)
    mesh.update()


def build_primitive_mesh(shape: str, name: str) -> bpy.types.Mesh:
    """A new mesh datablock holding ``shape`` (not shared, not tagged).

    Raises:
        ValueError: ``shape`` is not a primitive.
    """
    if shape not in PRIMITIVE_SHAPES:
        _fill_bmesh(bmesh.new(), shape)  # raises the ValueError naming the shapes
    mesh = bpy.data.meshes.new(name)
    if shape == "torus":
        _torus_mesh(mesh)
    else:
        bm = bmesh.new()
        try:
            _fill_bmesh(bm, shape)
            bm.to_mesh(mesh)
        finally:
            bm.free()
    if shape in SMOOTH_SHAPES:
        mesh.shade_smooth()
    else:
        mesh.shade_flat()
    return mesh


def primitive_mesh(shape: str) -> bpy.types.Mesh:
    """The shared mesh of ``shape``: found by name and tag, else built now.

    Raises:
        ValueError: ``shape`` is not a primitive.
    """
    name = MESH_PREFIX + shape
    mesh = bpy.data.meshes.get(name)
    if mesh is not None and mesh.get(TAG) == shape and mesh.library is None:
        return mesh
    mesh = build_primitive_mesh(shape, name)
    mesh[TAG] = shape
    return mesh


def shared_primitive_meshes() -> list[bpy.types.Mesh]:
    """Every shared primitive mesh in ``bpy.data`` (kept from frame to frame)."""
    return [m for m in bpy.data.meshes if m.get(TAG) is not None and m.name.startswith(MESH_PREFIX)]


def scaled_plane_mesh(name: str, size_x: float, size_y: float) -> bpy.types.Mesh:
    """A new plane mesh ``size_x`` by ``size_y`` metres centred at the origin (the ground)."""
    mesh = build_primitive_mesh("plane", name)
    mesh.transform(Matrix.Diagonal((size_x / 2.0, size_y / 2.0, 1.0, 1.0)))
    return mesh
