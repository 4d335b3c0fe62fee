"""Mesh objects: primitives, mesh files and the ground plane (one builder per shape kind)."""

from __future__ import annotations

import bpy
from mathutils import Matrix

from synthscape.blender import compat
from synthscape.blender.blend_assets import build_blend_spec_object, fill_empty_slots, is_blend_spec
from synthscape.blender.materials import build_material, update_material
from synthscape.blender.primitives import primitive_mesh, scaled_plane_mesh
from synthscape.spec.scene_spec import GroundSpec, ObjectSpec

REUSABLE = "synthscape_reusable"
"""Custom property on a primitive object that the next frame may reuse (renderer only)."""


def _link(obj: bpy.types.Object) -> bpy.types.Object:
    """Link ``obj`` into the active scene's master collection (no operator, no view-layer update)."""
    bpy.context.scene.collection.objects.link(obj)
    return obj


_ASSET_MESHES: dict[tuple, bpy.types.Mesh] = {}
"""Imported asset meshes of this frame, by (file, hash, mesh_transform, own materials): the
frame's further objects of one asset are linked duplicates (``obj.data`` shared)."""


def _live_mesh(key: tuple) -> bpy.types.Mesh | None:
    """The imported mesh of ``key`` if it still exists (``clear_frame`` removes a frame's meshes)."""
    mesh = _ASSET_MESHES.get(key)
    if mesh is None:
        return None
    try:
        alive = bpy.data.meshes.get(mesh.name) == mesh
    except ReferenceError:
        alive = False
    if not alive:
        del _ASSET_MESHES[key]
        return None
    return mesh


def _asset_object(spec: ObjectSpec, name: str) -> bpy.types.Object:
    """A mesh-file object: the file imported once per frame, its vertices through ``mesh_transform``;
    further objects of the same asset share that mesh datablock."""
    if not spec.mesh_path:
        raise ValueError(f"object {spec.instance_id}: shape 'mesh' needs mesh_path")
    key = (spec.mesh_path, spec.asset_hash, tuple(map(tuple, spec.mesh_transform)), spec.use_asset_materials)
    mesh = _live_mesh(key)
    if mesh is not None:
        return _link(bpy.data.objects.new(name, mesh))
    obj = _import_mesh(spec.mesh_path, keep_materials=spec.use_asset_materials)
    obj.data.transform(Matrix(spec.mesh_transform))
    obj.data.update()
    obj.name = name
    _ASSET_MESHES[key] = obj.data
    return obj


def _import_mesh(path: str, keep_materials: bool = False) -> bpy.types.Object:
    """Import a mesh file and join its mesh objects into one object (file origin kept).

    The file's materials are dropped unless ``keep_materials``.

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
    if not keep_materials:
        target.data.materials.clear()
        target.data.polygons.foreach_set("material_index", [0] * len(target.data.polygons))
    return target


def build_object(spec: ObjectSpec, reuse: bpy.types.Object | None = None) -> bpy.types.Object:
    """Create one object: shape, pose, scale, material and ``pass_index = instance_id``.

    Primitive objects share their shape's mesh (:func:`primitive_mesh`); the material sits
    in an object-linked slot, so objects of one shape keep their own materials.

    Args:
        spec: the object.
        reuse: a primitive object of the previous frame with this object's name (renderer
            only); it gets this spec's shape, pose and material values instead of a new
            object being made (its material too, when the node layout is the same).
    """
    name = f"object_{spec.instance_id:04d}"
    old = reuse.material_slots[0].material if reuse is not None and reuse.material_slots else None
    if is_blend_spec(spec):
        obj = build_blend_spec_object(spec, name)
    elif spec.shape == "mesh":
        obj = _asset_object(spec, name)
    elif reuse is not None:
        obj = reuse
        mesh = primitive_mesh(spec.shape)
        if obj.data != mesh:
            obj.data = mesh  # may reset the slot's object link; _assign sets it again
    else:
        obj = _link(bpy.data.objects.new(name, primitive_mesh(spec.shape)))
        obj[REUSABLE] = True
    obj.location = spec.location
    obj.rotation_mode = "XYZ"
    obj.rotation_euler = spec.rotation
    obj.scale = spec.scale
    obj.pass_index = spec.instance_id
    reused = old is not None and update_material(old, spec.material, spec.scale, spec.color_attribute)
    material = old if reused else None
    if material is None:
        if old is not None:
            bpy.data.materials.remove(old)
        material = build_material(spec.material, f"{obj.name}_material", spec.scale, spec.color_attribute)
    if spec.shape == "mesh" and spec.use_asset_materials:
        fill_empty_slots(obj, material)  # the file's materials; the group's where a face has none
    else:
        _assign(obj, material)
    return obj


def build_ground(spec: GroundSpec) -> bpy.types.Object:
    """The ground plane at z = 0, ``size`` metres along x and y, pass index 0 (background)."""
    obj = _link(bpy.data.objects.new("ground", scaled_plane_mesh("ground", spec.size[0], spec.size[1])))
    obj.pass_index = 0
    _assign(obj, build_material(spec.material, "ground_material"))
    return obj


def _assign(obj: bpy.types.Object, material: bpy.types.Material) -> None:
    """Give ``obj`` one object-linked material slot holding ``material`` (the mesh keeps no material).

    The mesh data gets one empty slot (all faces already use index 0); the object's slot
    overrides it, so objects sharing a mesh render with their own materials.
    """
    if len(obj.data.materials) != 1 or obj.data.materials[0] is not None:
        obj.data.materials.clear()
        obj.data.materials.append(None)
    slot = obj.material_slots[0]
    slot.link = "OBJECT"
    slot.material = material
