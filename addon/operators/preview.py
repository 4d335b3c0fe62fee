"""Preview: build one randomized frame of the dataset in the open scene (undoable)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import bpy

from synthscape.errors import SynthscapeError

from ..props import panel_settings
from ..scene_mode import prepare_job, tagged_objects

PREVIEW_COLLECTION = "Synthscape Preview"
"""Collection holding the preview's objects (replaced by the next preview)."""


def clear_preview(scene: bpy.types.Scene) -> None:
    """Delete the previous preview's objects and show the tagged originals again."""
    collection = bpy.data.collections.get(PREVIEW_COLLECTION)
    if collection is not None:
        for obj in list(collection.objects):
            bpy.data.objects.remove(obj)
        bpy.data.collections.remove(collection)
    for obj in tagged_objects(scene):
        obj.hide_set(False)
        obj.hide_render = False


def preview_spec(context: bpy.types.Context, folder: Path) -> object:
    """The :class:`SceneSpec` of the panel's preview frame (same sampling as the pipeline).

    Args:
        folder: where scene mode writes its meshes; must live until the spec is built.
    """
    from synthscape.pipeline import plan_run, resolve_textures
    from synthscape.spec.sample import sample_frame

    props = context.scene.synthscape
    plan = plan_run(prepare_job(context.scene, panel_settings(props), folder))
    return sample_frame(plan, props.preview_frame, resolve_textures(plan.recipe, plan.job) or {})


def build_preview(context: bpy.types.Context, spec: object) -> bpy.types.Collection:
    """Build ``spec`` into the scene and gather its new objects in the preview collection."""
    from synthscape.blender.scene_builder import build_scene

    scene = context.scene
    before = set(bpy.data.objects)
    build_scene(spec, scene)
    collection = bpy.data.collections.new(PREVIEW_COLLECTION)
    scene.collection.children.link(collection)
    for obj in set(bpy.data.objects) - before:
        for owner in list(obj.users_collection):
            owner.objects.unlink(obj)
        collection.objects.link(obj)
    if scene.synthscape.mode == "scene":
        for obj in tagged_objects(scene):
            obj.hide_set(True)
            obj.hide_render = True
    return collection


class SYNTHSCAPE_OT_preview(bpy.types.Operator):
    """Build one randomized frame in this scene so you can look at it (Ctrl+Z undoes it)"""

    bl_idname = "synthscape.preview"
    bl_label = "Preview Frame"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        clear_preview(context.scene)
        try:
            with tempfile.TemporaryDirectory(prefix="synthscape_preview_") as folder:
                spec = preview_spec(context, Path(folder))
                collection = build_preview(context, spec)
        except (SynthscapeError, ValueError, OSError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"preview of frame {spec.frame_index}: {len(spec.objects)} object(s), "
                              f"{len(collection.objects)} Blender object(s)")
        return {"FINISHED"}


class SYNTHSCAPE_OT_clear_preview(bpy.types.Operator):
    """Remove the preview objects and show the tagged objects again"""

    bl_idname = "synthscape.clear_preview"
    bl_label = "Clear Preview"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        clear_preview(context.scene)
        return {"FINISHED"}


CLASSES: tuple[type, ...] = (SYNTHSCAPE_OT_preview, SYNTHSCAPE_OT_clear_preview)
