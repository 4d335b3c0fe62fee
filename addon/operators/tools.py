"""Validate the recipe and open the output folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import bpy

from synthscape.errors import SynthscapeError

from ..props import panel_settings
from ..scene_mode import prepare_job


def check_job(context: bpy.types.Context) -> tuple[str, str]:
    """Prepare the job and validate its recipe exactly as ``synthscape validate`` does.

    Returns:
        (recipe path, a one-line summary).

    Raises:
        SynthscapeError / ValueError / OSError: with the message for the user.
    """
    from synthscape.pipeline import plan_run
    from synthscape.spec.sample import sample_frame

    with tempfile.TemporaryDirectory(prefix="synthscape_validate_") as folder:
        job = prepare_job(context.scene, panel_settings(context.scene.synthscape), Path(folder))
        plan = plan_run(job)
        spec = sample_frame(plan, 0)
    names = ", ".join(f"{c.id}:{c.name}" for c in plan.categories)
    source = job.recipe_path if context.scene.synthscape.mode == "recipe" else "scene recipe"
    return source, (f"ok: {len(plan.recipe.objects)} object group(s), categories {names}; "
                    f"frame 0 has {len(spec.objects)} object(s)")


class SYNTHSCAPE_OT_validate(bpy.types.Operator):
    """Check the recipe (or the scene recipe) against the schema without rendering"""

    bl_idname = "synthscape.validate"
    bl_label = "Validate Recipe"

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            path, summary = check_job(context)
        except (SynthscapeError, ValueError, OSError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"{path}: {summary}")
        return {"FINISHED"}


class SYNTHSCAPE_OT_open_output(bpy.types.Operator):
    """Open the output folder in the file browser"""

    bl_idname = "synthscape.open_output"
    bl_label = "Open Output Folder"

    def execute(self, context: bpy.types.Context) -> set[str]:
        folder = Path(bpy.path.abspath(context.scene.synthscape.out_dir))
        if not folder.is_dir():
            self.report({"ERROR"}, f"{folder}: the folder does not exist yet; generate a dataset first")
            return {"CANCELLED"}
        bpy.ops.wm.path_open(filepath=str(folder))
        return {"FINISHED"}


CLASSES: tuple[type, ...] = (SYNTHSCAPE_OT_validate, SYNTHSCAPE_OT_open_output)
