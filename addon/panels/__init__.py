"""The 3D viewport sidebar (N panel), category "Synthscape"."""

from __future__ import annotations

import bpy

from ..scene_mode import CATEGORY_KEY, KITTI_KEY, tagged_objects


class _Panel:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Synthscape"


class SYNTHSCAPE_PT_main(_Panel, bpy.types.Panel):
    bl_label = "Synthscape"

    def draw(self, context: bpy.types.Context) -> None:
        self.layout.label(text="Labeled datasets with Cycles")


class SYNTHSCAPE_PT_recipe(_Panel, bpy.types.Panel):
    bl_label = "Recipe"
    bl_parent_id = "SYNTHSCAPE_PT_main"

    def draw(self, context: bpy.types.Context) -> None:
        settings = context.scene.synthscape
        self.layout.prop(settings, "mode", expand=True)
        if settings.mode == "recipe":
            self.layout.prop(settings, "recipe_path")
        self.layout.operator("synthscape.validate", icon="CHECKMARK")


class SYNTHSCAPE_PT_objects(_Panel, bpy.types.Panel):
    bl_label = "Objects"
    bl_parent_id = "SYNTHSCAPE_PT_main"

    def draw(self, context: bpy.types.Context) -> None:
        settings, layout = context.scene.synthscape, self.layout
        layout.prop(settings, "tag_category")
        layout.prop(settings, "tag_kitti_type")
        row = layout.row(align=True)
        row.operator("synthscape.tag_selected", icon="BOOKMARKS")
        row.operator("synthscape.untag_selected", icon="X")
        box = layout.box()
        objects = tagged_objects(context.scene)
        box.label(text=f"{len(objects)} tagged object(s)")
        for obj in objects:
            kitti = obj.get(KITTI_KEY) or "-"
            box.label(text=f"{obj.name}: {obj[CATEGORY_KEY]} (KITTI {kitti})", icon="OBJECT_DATA")


class SYNTHSCAPE_PT_randomization(_Panel, bpy.types.Panel):
    bl_label = "Randomization"
    bl_parent_id = "SYNTHSCAPE_PT_main"

    def draw(self, context: bpy.types.Context) -> None:
        settings, layout = context.scene.synthscape, self.layout
        layout.enabled = settings.mode == "scene"
        for name in ("camera_distance", "camera_elevation", "camera_azimuth", "light_count",
                     "light_intensity", "light_temperature"):
            layout.prop(settings, name)
        layout.prop(settings, "randomize_color")
        layout.prop(settings, "randomize_roughness")
        if settings.randomize_roughness:
            layout.prop(settings, "roughness")
        layout.prop(settings, "texture_source")
        if settings.texture_source == "openai":
            layout.prop(settings, "texture_prompt")
        elif settings.texture_source == "folder":
            layout.prop(settings, "texture_folder")
        layout.prop(settings, "randomize_pose")
        if settings.randomize_pose:
            layout.prop(settings, "placement_area")
            layout.prop(settings, "yaw")
        layout.prop(settings, "ground")
        if settings.ground:
            layout.prop(settings, "ground_size")


class SYNTHSCAPE_PT_outputs(_Panel, bpy.types.Panel):
    bl_label = "Outputs"
    bl_parent_id = "SYNTHSCAPE_PT_main"

    def draw(self, context: bpy.types.Context) -> None:
        settings, layout = context.scene.synthscape, self.layout
        layout.label(text="Always: RGB, depth, normals, instance/semantic masks, COCO")
        row = layout.row()
        row.prop(settings, "kitti")
        row.prop(settings, "lidar")
        for name in ("resolution", "samples", "device", "frames", "seed", "out_dir"):
            layout.prop(settings, name)


class SYNTHSCAPE_PT_generate(_Panel, bpy.types.Panel):
    bl_label = "Generate"
    bl_parent_id = "SYNTHSCAPE_PT_main"

    def draw(self, context: bpy.types.Context) -> None:
        settings, layout = context.scene.synthscape, self.layout
        row = layout.row(align=True)
        row.prop(settings, "preview_frame")
        row.operator("synthscape.preview", icon="HIDE_OFF")
        row.operator("synthscape.clear_preview", text="", icon="TRASH")
        if settings.running:
            layout.prop(settings, "progress", slider=True)
            layout.label(text="Esc over the 3D view stops after this frame")
        else:
            layout.operator("synthscape.generate", icon="RENDER_STILL")
        layout.operator("synthscape.open_output", icon="FILE_FOLDER")


CLASSES: tuple[type, ...] = (SYNTHSCAPE_PT_main, SYNTHSCAPE_PT_recipe, SYNTHSCAPE_PT_objects,
                             SYNTHSCAPE_PT_randomization, SYNTHSCAPE_PT_outputs, SYNTHSCAPE_PT_generate)
