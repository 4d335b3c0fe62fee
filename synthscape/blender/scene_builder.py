"""Render settings set once per process, and the per-frame build/clear of a scene spec."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import bpy

from synthscape.blender import compat
from synthscape.blender.camera import build_camera
from synthscape.blender.lights import build_light, build_world
from synthscape.blender.objects import REUSABLE, build_ground, build_object
from synthscape.blender.optics import apply_optics
from synthscape.blender.primitives import TAG, shared_primitive_meshes
from synthscape.blender.supports import build_supports
from synthscape.spec.scene_spec import ObjectSpec, RenderSpec, SceneSpec

FRAME_DATA: tuple[str, ...] = (
    "objects", "meshes", "materials", "images", "lights", "cameras", "worlds", "node_groups",
    "textures", "curves", "armatures", "actions", "collections",
)
"""``bpy.data`` collections emptied between frames (the scene itself is kept)."""


def configure_render(scene: bpy.types.Scene) -> None:
    """Settings that hold for every frame: Cycles, passes, float32 multilayer EXR output.

    View transform 'Standard' so the pipeline owns the colour conversion; persistent data
    off because every frame is rebuilt from scratch.
    """
    render = scene.render
    render.engine = "CYCLES"
    render.threads_mode = "AUTO"
    render.use_persistent_data = False
    render.film_transparent = False
    render.use_file_extension = True
    render.use_placeholder = False
    render.use_overwrite = True
    compat.disable_compositor(scene)
    compat.set_multilayer_exr(render.image_settings)
    scene.display_settings.display_device = "sRGB"
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0
    cycles = scene.cycles
    cycles.use_adaptive_sampling = True
    cycles.use_auto_tile = False
    cycles.denoiser = "OPENIMAGEDENOISE"
    # A one-pixel box filter keeps every sample of a pixel inside that pixel, so the depth and
    # object-index passes (taken from one sample) never report a surface seen only by a
    # neighbouring pixel; Cycles' default 1.5 px Blackman-Harris lets labels bleed by ~0.75 px.
    cycles.pixel_filter_type = "BOX"
    cycles.filter_width = 1.0
    view_layer = scene.view_layers[0]
    view_layer.use_pass_combined = True
    view_layer.use_pass_z = True
    view_layer.use_pass_normal = True
    view_layer.use_pass_object_index = True


def apply_render_spec(scene: bpy.types.Scene, spec: RenderSpec) -> None:
    """Per-frame sampling settings: sample count and denoiser on/off."""
    if spec.samples < 1:
        raise ValueError(f"render.samples must be >= 1, got {spec.samples}")
    scene.cycles.samples = spec.samples
    scene.cycles.use_denoising = spec.denoise


def reusable_objects() -> dict[str, bpy.types.Object]:
    """The previous frame's primitive objects (tagged by :func:`build_object`), by name."""
    return {obj.name: obj for obj in bpy.data.objects if obj.get(REUSABLE) and obj.library is None}


def clear_frame(keep_reusable: bool = False) -> dict[str, bpy.types.Object]:
    """Remove every datablock a previous frame created, so counts and memory stay flat.

    The shared primitive meshes (at most one per shape) are kept, with a fake user so the
    orphan purge leaves them; the next frame's objects reuse them.

    Args:
        keep_reusable: also keep the primitive objects and their materials, for
            :func:`build_scene` to reuse (it removes the ones the next frame does not need).

    Returns:
        The kept objects by name (empty unless ``keep_reusable``).
    """
    meshes = set(shared_primitive_meshes())
    for mesh in meshes:
        mesh.use_fake_user = True
    reusable = reusable_objects() if keep_reusable else {}
    kept = meshes | set(reusable.values()) | _slot_materials(reusable.values())
    blocks = [block for name in FRAME_DATA for block in getattr(bpy.data, name) if block not in kept]
    if blocks:
        bpy.data.batch_remove(blocks)
    bpy.data.orphans_purge(do_local_ids=True, do_linked_ids=True, do_recursive=True)
    return reusable


def build_scene(spec: SceneSpec, scene: bpy.types.Scene,
                reusable: dict[str, bpy.types.Object] | None = None) -> dict[str, int]:
    """Build ground, objects, lights, world and camera of ``spec`` into ``scene``.

    Args:
        spec: the frame.
        scene: where the objects go.
        reusable: primitive objects kept by :func:`clear_frame` (``keep_reusable=True``);
            each primitive object of ``spec`` reuses the one of its name, the rest are removed.

    Returns:
        Map from Blender object name to instance id (0 for the ground, the supports and the
        distractors, which the exported scene mesh thus holds as background).
    """
    apply_render_spec(scene, spec.render)
    reuse = _reuse_plan(spec, reusable or {})
    instance_of: dict[str, int] = {}
    by_instance: dict[int, bpy.types.Object] = {}
    if spec.ground is not None:
        instance_of[build_ground(spec.ground).name] = 0
    for support in build_supports(spec, scene):
        instance_of[support.name] = 0
    for object_spec in spec.objects:
        obj = build_object(object_spec, reuse.get(object_spec.instance_id))
        instance_of[obj.name] = object_spec.instance_id
        by_instance[object_spec.instance_id] = obj
    for distractor in spec.distractors:
        instance_of[build_distractor(distractor).name] = 0
    for index, light in enumerate(spec.lights):
        build_light(light, f"light_{index:03d}")
    build_world(spec.world, scene)
    apply_optics(scene, spec, build_camera(spec.camera, scene), by_instance)
    return instance_of


def build_distractor(spec: ObjectSpec) -> bpy.types.Object:
    """A distractor (``spec.distractors``): built as an object is, named ``distractor_NNNN`` (its own
    id space), pass index 0, so it renders, occludes and casts shadows but labels as background."""
    obj = build_object(dataclasses.replace(spec, instance_id=0))
    obj.name = f"distractor_{spec.instance_id:04d}"
    obj.pass_index = 0
    if REUSABLE in obj:  # never reused as a labelled object of the next frame
        del obj[REUSABLE]
    return obj


def _slot_materials(objects: Iterable[bpy.types.Object]) -> set[bpy.types.Material]:
    return {slot.material for obj in objects for slot in obj.material_slots if slot.material is not None}


def _reuse_plan(spec: SceneSpec, reusable: dict[str, bpy.types.Object]) -> dict[int, bpy.types.Object]:
    """Instance id -> kept object to reuse; removes the kept objects (and materials) no one reuses."""
    plan: dict[int, bpy.types.Object] = {}
    for object_spec in spec.objects:
        obj = reusable.get(f"object_{object_spec.instance_id:04d}")
        if obj is not None and object_spec.shape != "mesh":
            plan[object_spec.instance_id] = obj
    surplus = [obj for obj in reusable.values() if obj not in set(plan.values())]
    if surplus:
        bpy.data.batch_remove([*surplus, *_slot_materials(surplus)])
    return plan


def datablock_counts() -> dict[str, int]:
    """Number of datablocks in each per-frame ``bpy.data`` collection (for leak checks).

    A kept shared primitive mesh counts only while an object of this frame uses it; the
    kept ones are at most one per shape (:func:`shared_primitive_counts`).
    """
    idle = {mesh for mesh in shared_primitive_meshes() if mesh.users <= int(mesh.use_fake_user)}
    return {name: sum(1 for block in getattr(bpy.data, name) if block not in idle) for name in FRAME_DATA}


def shared_primitive_counts() -> dict[str, int]:
    """How many shared primitive meshes exist per shape (1 each once used; never more)."""
    counts: dict[str, int] = {}
    for mesh in shared_primitive_meshes():
        counts[str(mesh[TAG])] = counts.get(str(mesh[TAG]), 0) + 1
    return counts
