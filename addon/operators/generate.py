"""Generate dataset: the pipeline in a child process, progress in the status bar, Esc cancels.

In background mode (no UI; timers never fire) the operator waits for the child instead, so
scripts and tests can drive it.
"""

from __future__ import annotations

import bpy

from synthscape.errors import SynthscapeError
from synthscape.extension.worker import Event, GenerateProcess

from ..props import panel_settings
from ..scene_mode import prepare_job

_RUNNING: list[GenerateProcess] = []
"""The child of the generation in progress (at most one)."""


def cancel_running() -> None:
    """Stop a running generation (used on unregister)."""
    while _RUNNING:
        _RUNNING.pop().cancel()


def start(context: bpy.types.Context) -> GenerateProcess:
    """Prepare the job (exporting tagged objects in scene mode) and start the child.

    Raises:
        SynthscapeError / ValueError / OSError: with the message for the user.
    """
    from synthscape.pipeline import plan_run

    job = prepare_job(context.scene, panel_settings(context.scene.synthscape))
    plan_run(job)  # report recipe errors here, before a process starts
    return GenerateProcess(job, blender_binary=bpy.app.binary_path)


def _failure(process: GenerateProcess, events: list[Event]) -> str | None:
    """The message for the user when the child failed, else None."""
    errors = [e.data.get("message", "") for e in events if e.kind == "error"]
    if errors:
        return errors[-1]
    if not any(e.kind == "done" for e in events):
        tail = "\n".join(process.output_tail[-5:])
        return f"generation stopped unexpectedly (exit status {process.returncode}):\n{tail}"
    return None


class SYNTHSCAPE_OT_generate(bpy.types.Operator):
    """Render the dataset in a background process (Esc cancels; finished frames are kept)"""

    bl_idname = "synthscape.generate"
    bl_label = "Generate Dataset"

    _timer = None
    _events: list[Event]

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Run to completion (background mode and scripts)."""
        try:
            process = start(context)
        except (SynthscapeError, ValueError, OSError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        events = process.wait()
        return self._finish(context, process, events)

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        """Start the child and follow it from a timer (interactive Blender)."""
        if bpy.app.background:
            return self.execute(context)
        if _RUNNING:
            self.report({"ERROR"}, "a dataset is already being generated; press Esc over the 3D view to stop it")
            return {"CANCELLED"}
        try:
            _RUNNING.append(start(context))
        except (SynthscapeError, ValueError, OSError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self._events = []
        context.scene.synthscape.running = True
        self._timer = context.window_manager.event_timer_add(0.25, window=context.window)
        context.window_manager.progress_begin(0, 100)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        if not _RUNNING:
            return self._end(context, {"CANCELLED"})
        process = _RUNNING[0]
        if event.type == "ESC":
            process.cancel()
            self.report({"WARNING"}, "cancelled: finished frames are kept; Generate again to complete the rest")
            return self._end(context, {"CANCELLED"})
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        new = process.poll()
        self._events += new
        self._show_progress(context, new)
        if process.running:
            return {"PASS_THROUGH"}
        return self._end(context, self._finish(context, process, self._events + process.wait()))

    def _show_progress(self, context: bpy.types.Context, events: list[Event]) -> None:
        for event in (e for e in events if e.kind == "progress"):
            done, total = event.data["done"], max(event.data["total"], 1)
            context.scene.synthscape.progress = int(100 * done / total)
            context.window_manager.progress_update(context.scene.synthscape.progress)
            context.workspace.status_text_set(f"Synthscape: frame {done}/{total} rendered (Esc to stop)")

    def _finish(self, context: bpy.types.Context, process: GenerateProcess, events: list[Event]) -> set[str]:
        message = _failure(process, events)
        if message:
            self.report({"ERROR"}, message)
            return {"CANCELLED"}
        done = next(e for e in events if e.kind == "done").data
        self.report({"INFO"}, f"dataset ready: {done['rendered']} frame(s) rendered, "
                              f"{done['skipped']} already complete")
        return {"FINISHED"}

    def _end(self, context: bpy.types.Context, result: set[str]) -> set[str]:
        cancel_running()
        context.window_manager.event_timer_remove(self._timer)
        context.window_manager.progress_end()
        context.workspace.status_text_set(None)
        context.scene.synthscape.running = False
        return result


CLASSES: tuple[type, ...] = (SYNTHSCAPE_OT_generate,)
