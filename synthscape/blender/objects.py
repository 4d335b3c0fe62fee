"""Mesh objects: primitives, mesh files and the ground plane (one builder per shape kind)."""

from __future__ import annotations

import bpy
from mathutils import Matrix

from synthscape.blender import compat
from synthscape.blender.materials import build_material
from synthscape.spec.scene_spec import GroundSpec, ObjectSpec

SMOOTH_SHAPES = frozenset({"sphere", "torus", "monkey"})
"""Primitives shaded smooth; the others keep flat faces (sharp edges)."""


def _add_primitive(shape: str) -> bpy.types.Object:
    """Add an unscaled primitive at the origin with the sampler's bounds (see spec/shapes.py).

    cube edge 2; sphere radius 1 (32x16); cylinder r 1 depth 2; cone r1 1 r2 0 depth 2;
    torus major 1 minor 0.25; monkey = Suzanne; plane size 2. Origin at the shape centre.
    """
    ops = bpy.ops.mesh
    if shape == "cube":
        ops.primitive_cube_add(size=2.0)
    elif shape == "sphere":
        ops.primitive_uv_sphere_add(segments=32, ring_count=16, radius=1.0)
    elif shape == "cylinder":
        ops.primitive_cylinder_add(vertices=32, radius=1.0, depth=2.0)
    elif shape == "cone":
        ops.primitive_cone_add(vertices=32, radius1=1.0, radius2=0.0, depth=2.0)
    elif shape == "torus":
        ops.primitive_torus_add(major_radius=1.0, minor_radius=0.25, major_segments=48,
                                minor_segments=12)
    elif shape == "monkey":
        ops.primitive_monkey_add(size=2.0)
    elif shape == "plane":
        ops.primitive_plane_add(size=2.0)
    else:
        raise ValueError(f"unknown primitive shape {shape!r}; expected cube, sphere, cylinder, "
                         "cone, torus, monkey, plane or mesh")
    obj = bpy.context.active_object
    if shape in SMOOTH_SHAPES:
        obj.data.shade_smooth()
    return obj


def _import_mesh(path: str) -> bpy.types.Object:
    """Import a mesh file and join its mesh objects into one object (file origin kept).

    Raises:
        FileNotFoundError / ValueError: missing file, unsupported suffix or no mesh inside.
    """
    import os

    if not os.path.isfile(path):
        raise FileNotFoundError(f"mesh_path {path!r} does not exist (object shape 'mesh')")
    before = set(bpy.data.objects)
    bpy.ops.object.select_all(action="DESELECT")
    compat.import_mesh_file(path)
    new = [o for o in bpy.data.objects if o not in before]
    meshes = [o for o in new if o.type == "MESH"]
    if not meshes:
        bpy.data.batch_remove(new)
        raise ValueError(f"{path}: the file contains no mesh geometry")
    for obj in meshes:  # bake importer transforms (e.g. Y-up -> Z-up) into the vertices
        obj.data.transform(obj.matrix_world)
        obj.parent = None
        obj.matrix_world = Matrix.Identity(4)
    others = [o for o in new if o.type != "MESH"]
    if others:
        bpy.data.batch_remove(others)
    target = meshes[0]
    if len(meshes) > 1:
        with bpy.context.temp_override(active_object=target, selected_editable_objects=meshes):
            bpy.ops.object.join()
    target.data.materials.clear()
    return target


def build_object(spec: ObjectSpec) -> bpy.types.Object:
    """Create one object: shape, pose, scale, material and ``pass_index = instance_id``."""
    if spec.shape == "mesh":
        if not spec.mesh_path:
            raise ValueError(f"object {spec.instance_id}: shape 'mesh' needs mesh_path")
        obj = _import_mesh(spec.mesh_path)
    else:
        obj = _add_primitive(spec.shape)
    obj.name = f"object_{spec.instance_id:04d}"
    obj.location = spec.location
    obj.rotation_mode = "XYZ"
    obj.rotation_euler = spec.rotation
    obj.scale = spec.scale
    obj.pass_index = spec.instance_id
    _assign(obj, build_material(spec.material, f"{obj.name}_material", spec.scale))
    return obj


def build_ground(spec: GroundSpec) -> bpy.types.Object:
    """The ground plane at z = 0, ``size`` metres along x and y, pass index 0 (background)."""
    bpy.ops.mesh.primitive_plane_add(size=1.0)
    obj = bpy.context.active_object
    obj.data.transform(Matrix.Diagonal((spec.size[0], spec.size[1], 1.0, 1.0)))
    obj.name = "ground"
    obj.pass_index = 0
    _assign(obj, build_material(spec.material, "ground_material"))
    return obj


def _assign(obj: bpy.types.Object, material: bpy.types.Material) -> None:
    obj.data.materials.clear()
    obj.data.materials.append(material)
    for polygon in obj.data.polygons:
        polygon.material_index = 0
