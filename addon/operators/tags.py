"""Tag and untag the selected objects."""

from __future__ import annotations

import bpy

from ..props.settings import KITTI_NONE
from ..scene_mode import tag, untag


class SYNTHSCAPE_OT_tag_selected(bpy.types.Operator):
    """Give the selected meshes the panel's category and KITTI type"""

    bl_idname = "synthscape.tag_selected"
    bl_label = "Tag Selected"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        settings = context.scene.synthscape
        category = settings.tag_category.strip()
        if not category:
            self.report({"ERROR"}, "Objects: type a category name first")
            return {"CANCELLED"}
        meshes = [o for o in context.selected_objects if o.type == "MESH"]
        if not meshes:
            self.report({"ERROR"}, "Objects: select one or more mesh objects to tag")
            return {"CANCELLED"}
        for obj in meshes:
            tag(obj, category, "" if settings.tag_kitti_type == KITTI_NONE else settings.tag_kitti_type)
        self.report({"INFO"}, f"tagged {len(meshes)} object(s) as {category!r}")
        return {"FINISHED"}


class SYNTHSCAPE_OT_untag_selected(bpy.types.Operator):
    """Remove the synthscape tags from the selected objects"""

    bl_idname = "synthscape.untag_selected"
    bl_label = "Clear Tags"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        for obj in context.selected_objects:
            untag(obj)
        return {"FINISHED"}


CLASSES: tuple[type, ...] = (SYNTHSCAPE_OT_tag_selected, SYNTHSCAPE_OT_untag_selected)
