"""Run the pipeline in a child process and follow its progress (used by the add-on).

The add-on never renders in Blender's UI process: :class:`GenerateProcess` starts a child
(Blender in ``--background`` mode, or the Python that has the ``bpy`` module) that calls
:func:`synthscape.pipeline.render_dataset`, the function ``synthscape render`` calls, and
prints one line per event. No bpy here.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthscape.plan.run_plan import RenderJob

USER_FOLDER_VARS = ("BLENDER_USER_RESOURCES", "BLENDER_USER_CONFIG", "BLENDER_USER_SCRIPTS",
                    "BLENDER_USER_EXTENSIONS", "BLENDER_USER_DATAFILES")
"""Blender's user folders, pointed at a private folder in the child (see :func:`child_env`)."""

PREFIX = "SYNTHSCAPE "
"""Marks the child's event lines among Blender's own output."""

KILL_AFTER_S = 10.0
"""After a cancel, how long the child may finish its frame before it is killed."""


WorkerJob = RenderJob
"""The child's job is the pipeline's one job type (kept as a name for the add-on)."""


@dataclass(frozen=True)
class Event:
    """One line from the child: ``progress`` (done, total, frame), ``done`` or ``error`` (message)."""

    kind: str
    data: dict[str, Any]


def emit(kind: str, **data: Any) -> None:
    """Print one event line for the parent."""
    print(PREFIX + json.dumps({"kind": kind, **data}), flush=True)


def parse_event(line: str) -> Event | None:
    """The event of one output line, or None for Blender's own chatter."""
    if not line.startswith(PREFIX):
        return None
    try:
        data = json.loads(line[len(PREFIX):])
    except json.JSONDecodeError:
        return None
    return Event(kind=str(data.pop("kind", "")), data=data)


def main(job_file: str) -> None:
    """Child entry point: render the job in ``job_file``; SIGTERM stops after the current frame."""
    from synthscape.errors import SynthscapeError
    from synthscape.pipeline import render_dataset

    job = RenderJob.from_dict(json.loads(Path(job_file).read_text(encoding="utf-8")))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        summary = render_dataset(job, progress=lambda done, total, index: emit(
            "progress", done=done, total=total, frame=index), stop=stop)
    except SynthscapeError as error:
        emit("error", message=str(error))
        return
    emit("done", rendered=len(summary.frames_rendered), skipped=len(summary.frames_skipped),
         interrupted=summary.interrupted, counts=summary.category_counts)


def child_command(job_file: Path, blender_binary: str = "") -> list[str]:
    """The command that runs :func:`main` with this process's ``sys.path`` appended to its own.

    Appended, not prepended: in the ``bpy`` module the path holds Blender's ``scripts/modules``,
    whose ``bpy`` package must not shadow the compiled module before it is imported.

    Args:
        blender_binary: ``bpy.app.binary_path`` (empty for the ``bpy`` module: then this
            process's Python, which can import bpy, runs the child).
    """
    paths = [p for p in sys.path if p and Path(p).is_dir()]
    expr = (f"import sys; sys.path += [p for p in {paths!r} if p not in sys.path]; "
            f"from synthscape.extension.worker import main; main({str(job_file)!r})")
    if blender_binary:
        return [blender_binary, "--background", "--factory-startup", "--python-exit-code", "1",
                "--python-expr", expr]
    return [sys.executable, "-c", expr]


def child_env(private: Path) -> dict[str, str]:
    """The child's environment: Blender's user folders moved to ``private``.

    The renderer resets Blender to factory settings, which disables extensions and makes
    Blender remove their wheels from the shared extension site-packages, under the add-on's
    feet. A private user folder keeps the child away from the user's installation; it still
    imports synthscape through the ``sys.path`` entries :func:`child_command` passes on.
    """
    env = dict(os.environ)
    for name in USER_FOLDER_VARS:
        env[name] = str(private / name.lower())
    return env


class GenerateProcess:
    """A running child; :meth:`poll` returns its new events without blocking."""

    def __init__(self, job: RenderJob, blender_binary: str = "") -> None:
        """Write ``job`` to a private temporary folder and start the child."""
        self._workdir = Path(tempfile.mkdtemp(prefix="synthscape_job_"))
        job_file = self._workdir / "job.json"
        job_file.write_text(json.dumps(job.to_dict()), encoding="utf-8")
        self._proc = subprocess.Popen(child_command(job_file, blender_binary), stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, bufsize=1,
                                      env=child_env(self._workdir / "blender_user"))
        self._events: queue.Queue[Event] = queue.Queue()
        self.output_tail: list[str] = []
        """The child's last output lines (for error messages)."""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            event = parse_event(line.rstrip("\n"))
            if event is None:
                self.output_tail = (self.output_tail + [line.rstrip()])[-20:]
            else:
                self._events.put(event)

    def poll(self) -> list[Event]:
        """Events that arrived since the last call."""
        events = []
        while not self._events.empty():
            events.append(self._events.get_nowait())
        return events

    @property
    def running(self) -> bool:
        """True while the child runs or its output is still being read."""
        return self._proc.poll() is None or self._reader.is_alive()

    @property
    def returncode(self) -> int | None:
        """The child's exit status once it has ended."""
        return self._proc.poll()

    def wait(self) -> list[Event]:
        """Block until the child ends; all remaining events."""
        self._proc.wait()
        self._reader.join()
        self._cleanup()
        return self.poll()

    def _cleanup(self) -> None:
        shutil.rmtree(self._workdir, ignore_errors=True)

    def cancel(self) -> None:
        """Ask the child to stop (frames already complete stay), killing it if it lingers."""
        if self._proc.poll() is not None:
            self._cleanup()
            return
        self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout=KILL_AFTER_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=5)
        self._cleanup()
