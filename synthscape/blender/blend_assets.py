"""Objects and collections of ``.blend`` files, appended headless with ``bpy.data.libraries.load``.

Importing this module registers :func:`read_blend_geometry` with
:func:`synthscape.assets.blend.register_blend_reader`, so the sampler can take the bounds of a
``.blend`` asset from the asset cache.

An asset becomes ONE object (``object_NNNN``): the geometry of the object, or of every visible
geometry object of the collection (nested collections included), evaluated (modifiers applied)
and baked into one mesh in the asset's own frame (as it looks in the file, the object's origin
or the collection's instance offset at 0). So the whole collection is posed, labelled
(``pass_index``), exported for LiDAR and simulated as one object. Its materials are the file's,
per face (see :func:`build_blend_object` for when the group's material replaces them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import bpy
import numpy as np
from mathutils import Matrix

from synthscape.assets.blend import BlendAssetError, BlendGeometry, check_blend_kind, register_blend_reader
from synthscape.blender.mesh_export import GEOMETRY_TYPES, local_mesh_arrays
from synthscape.spec.scene_spec import ObjectSpec

ID_COLLECTIONS = ("objects", "meshes", "materials", "images", "node_groups", "textures", "collections",
                  "curves", "armatures", "actions", "lights", "cameras", "worlds", "libraries", "scenes",
                  "lattices", "fonts", "particles", "metaballs")
"""``bpy.data`` collections an append may add to (all removed again after a geometry read)."""
SCAFFOLDING = frozenset({"objects", "meshes", "collections", "curves", "armatures", "actions", "lights", "cameras",
                         "worlds", "libraries", "scenes", "lattices", "fonts", "particles", "metaballs"})
"""What :func:`build_blend_object` removes after baking: everything appended but what the faces use."""


def _new_ids(before: dict[str, set[bpy.types.ID]], kinds: frozenset[str] | None = None) -> list[bpy.types.ID]:
    return [block for name, old in before.items() if kinds is None or name in kinds
            for block in getattr(bpy.data, name) if block not in old]


def _id_snapshot() -> dict[str, set[bpy.types.ID]]:
    return {name: set(getattr(bpy.data, name)) for name in ID_COLLECTIONS if hasattr(bpy.data, name)}


def append_datablock(path: str, kind: str, name: str) -> bpy.types.Object | bpy.types.Collection:
    """Append one object or collection (and what it uses) from ``path``; the library entry is dropped.

    The appended datablock is local and linked to no scene.

    Raises:
        BlendAssetError: the file cannot be opened as a .blend file, or has no datablock of that name
            (the message lists the names it has).
    """
    check_blend_kind(kind)
    attribute = f"{kind}s"
    libraries = set(bpy.data.libraries)
    try:
        with bpy.data.libraries.load(path, link=False) as (source, target):
            available = list(getattr(source, attribute))
            if name in available:
                setattr(target, attribute, [name])
    except OSError as error:
        raise BlendAssetError(f"{path}: Blender cannot open this .blend file ({error}); it is corrupt or "
                              "from a newer Blender: save it again from Blender") from None
    if name not in available:
        shown = ", ".join(repr(n) for n in sorted(available)[:20]) or "none"
        raise BlendAssetError(f"{path}: no {kind} named {name!r} in this file; its {attribute}: {shown}")
    block = getattr(target, attribute)[0]
    for library in [lib for lib in bpy.data.libraries if lib not in libraries]:
        bpy.data.libraries.remove(library)  # appended data is local; the Library entry is not needed
    return block


def asset_parts(block: bpy.types.Object | bpy.types.Collection) -> list[bpy.types.Object]:
    """The geometry objects of an appended datablock (a collection's visible ones, nested included)."""
    if isinstance(block, bpy.types.Collection):
        return [o for o in block.all_objects if o.type in GEOMETRY_TYPES and not o.hide_render]
    return [block] if block.type in GEOMETRY_TYPES else []


def asset_frame(block: bpy.types.Object | bpy.types.Collection, depsgraph: bpy.types.Depsgraph) -> Matrix:
    """From the file's world to the asset frame: minus the object's origin or the collection's instance offset."""
    if isinstance(block, bpy.types.Collection):
        return Matrix.Translation(-block.instance_offset)
    return Matrix.Translation(-block.evaluated_get(depsgraph).matrix_world.translation)


@contextmanager
def _in_probe_scene(objects: list[bpy.types.Object]) -> Iterator[bpy.types.Depsgraph]:
    """Link ``objects`` into a temporary scene and yield its evaluated depsgraph (scene removed after)."""
    scene = bpy.data.scenes.new("synthscape_blend_probe")
    try:
        for obj in objects:
            scene.collection.objects.link(obj)
        with bpy.context.temp_override(scene=scene, view_layer=scene.view_layers[0]):
            yield bpy.context.evaluated_depsgraph_get()
    finally:
        bpy.data.scenes.remove(scene)


def _part_arrays(obj: bpy.types.Object, depsgraph: bpy.types.Depsgraph,
                 frame: Matrix) -> tuple[np.ndarray, np.ndarray, set[str]]:
    evaluated = obj.evaluated_get(depsgraph)
    local, triangles = local_mesh_arrays(evaluated)
    matrix = np.array(frame @ evaluated.matrix_world, dtype=np.float64)
    materials = {slot.material.name for slot in obj.material_slots if slot.material is not None}
    return local @ matrix[:3, :3].T + matrix[:3, 3], triangles, materials


def read_blend_geometry(path: str, kind: str, name: str) -> BlendGeometry:
    """The triangles of one ``.blend`` datablock in its own frame; ``bpy.data`` is left as it was.

    Raises:
        BlendAssetError: see :func:`append_datablock`.
    """
    before = _id_snapshot()
    try:
        block = append_datablock(path, kind, name)
        parts = asset_parts(block)
        vertices, triangles, materials = [np.zeros((0, 3))], [np.zeros((0, 3), np.int32)], set()
        with _in_probe_scene(parts) as depsgraph:
            frame, offset = asset_frame(block, depsgraph), 0
            for obj in parts:
                v, t, m = _part_arrays(obj, depsgraph, frame)
                vertices.append(v)
                triangles.append(t + offset)
                materials |= m
                offset += len(v)
    finally:
        new = _new_ids(before)
        if new:
            bpy.data.batch_remove(new)
    return BlendGeometry(vertices=np.concatenate(vertices).astype(np.float64),
                         triangles=np.concatenate(triangles).astype(np.int32), materials=tuple(sorted(materials)))


def _baked_mesh(obj: bpy.types.Object, depsgraph: bpy.types.Depsgraph, frame: Matrix) -> bpy.types.Mesh:
    """A new mesh of the evaluated object in the asset frame, with the object's materials per slot."""
    evaluated = obj.evaluated_get(depsgraph)
    mesh = bpy.data.meshes.new_from_object(evaluated, preserve_all_data_layers=True, depsgraph=depsgraph)
    mesh.transform(frame @ evaluated.matrix_world)
    if any(slot.link == "OBJECT" for slot in obj.material_slots) or len(mesh.materials) != len(obj.material_slots):
        mesh.materials.clear()
        for slot in obj.material_slots:
            mesh.materials.append(slot.material)
    return mesh


def _join(meshes: list[bpy.types.Mesh], name: str) -> bpy.types.Object:
    """One object in the active scene holding every mesh (materials kept per face)."""
    collection = bpy.context.scene.collection
    objects = [bpy.data.objects.new(f"{name}_part{index}", mesh) for index, mesh in enumerate(meshes)]
    for obj in objects:
        collection.objects.link(obj)
    target = objects[0]
    if len(objects) > 1:
        with bpy.context.temp_override(active_object=target, selected_editable_objects=objects):
            bpy.ops.object.join()
        bpy.data.batch_remove([mesh for mesh in meshes[1:] if mesh.users == 0])
    target.name = name
    target.data.name = name
    return target


def build_blend_object(path: str, kind: str, datablock: str, name: str,
                       keep_materials: bool = True) -> bpy.types.Object:
    """Append a ``.blend`` object or collection and bake it into one object ``name`` in the active scene.

    The new object has the identity pose (the caller sets location, rotation, scale and
    ``pass_index``). With ``keep_materials`` it has the file's materials per face, and faces
    without one an empty slot (the caller fills it, see :func:`fill_empty_slots`); without, no
    material at all and every face on slot 0 (the caller assigns the group's material).
    The appended originals are removed.

    Raises:
        BlendAssetError: see :func:`append_datablock`; or the datablock has no geometry.
    """
    before = _id_snapshot()
    block = append_datablock(path, kind, datablock)
    parts = asset_parts(block)
    if not parts:
        bpy.data.batch_remove(_new_ids(before))
        raise BlendAssetError(f"{path}: {kind} {datablock!r} has no visible mesh geometry")
    with _in_probe_scene(parts) as depsgraph:
        frame = asset_frame(block, depsgraph)
        meshes = [_baked_mesh(obj, depsgraph, frame) for obj in parts]
    baked = set(meshes)
    bpy.data.batch_remove([b for b in _new_ids(before, SCAFFOLDING) if b not in baked])
    obj = _join(meshes, name)
    if not keep_materials:
        obj.data.materials.clear()
        obj.data.polygons.foreach_set("material_index", [0] * len(obj.data.polygons))
    return obj


_BAKED: dict[tuple, bpy.types.Mesh] = {}
"""Baked asset meshes of this frame, by (file, hash, datablock, mesh_transform, own materials): the
frame's further objects of one asset share that mesh (no second append)."""


def _live_baked(key: tuple) -> bpy.types.Mesh | None:
    """The baked mesh of ``key`` if it still exists (``clear_frame`` removes a frame's meshes)."""
    mesh = _BAKED.get(key)
    try:
        alive = mesh is not None and bpy.data.meshes.get(mesh.name) == mesh
    except ReferenceError:
        alive = False
    if not alive:
        _BAKED.pop(key, None)
        return None
    return mesh


def build_blend_spec_object(spec: ObjectSpec, name: str) -> bpy.types.Object:
    """The object of a ``.blend`` asset spec: baked once per frame (:func:`build_blend_object`), its
    vertices through ``mesh_transform``; further objects of the same asset share the mesh."""
    kind, datablock = ("object", spec.blend_object) if spec.blend_object else ("collection", spec.blend_collection)
    if not spec.mesh_path or not datablock:
        raise ValueError(f"object {spec.instance_id}: a .blend asset needs mesh_path and an object or collection")
    key = (spec.mesh_path, spec.asset_hash, kind, datablock, tuple(map(tuple, spec.mesh_transform)),
           spec.use_asset_materials)
    mesh = _live_baked(key)
    if mesh is not None:
        obj = bpy.data.objects.new(name, mesh)
        bpy.context.scene.collection.objects.link(obj)
        return obj
    obj = build_blend_object(spec.mesh_path, kind, datablock, name, keep_materials=spec.use_asset_materials)
    obj.data.transform(Matrix(spec.mesh_transform))
    obj.data.update()
    _BAKED[key] = obj.data
    return obj


def is_blend_spec(spec: ObjectSpec) -> bool:
    """True for an object spec of a ``.blend`` asset."""
    return spec.shape == "mesh" and bool(spec.blend_object or spec.blend_collection)


def fill_empty_slots(obj: bpy.types.Object, material: bpy.types.Material) -> None:
    """Put ``material`` into every empty material slot of ``obj`` (a slot-less object gets one).

    The slots filled are object-linked, so objects sharing one mesh keep their own materials there.
    """
    if not obj.material_slots:
        obj.data.materials.append(None)
    for slot in obj.material_slots:
        if slot.material is None:
            slot.link = "OBJECT"
            slot.material = material


register_blend_reader(read_blend_geometry)
