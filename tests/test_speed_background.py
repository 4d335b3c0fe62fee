"""The background writer: order, bounded queue, errors in the main thread, overlap, kill -9 resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.errors import SynthscapeError
from synthscape.pipeline import RenderJob, render_dataset
from synthscape.io.background import BackgroundWriter
from synthscape.writers.layout import done_marker
from tests.batch_support import MINIMAL, REPO, tree

FRAMES = 6

DRIVER = """
import sys, time
from pathlib import Path
import synthscape.writers as writers
from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.pipeline import RenderJob, render_dataset

slow_write = float(sys.argv[3])
original = writers.write_frame_files

def slow_frame_files(*args, **kwargs):
    time.sleep(slow_write)  # a kill now lands while the writer thread is inside a frame
    return original(*args, **kwargs)

writers.write_frame_files = slow_frame_files
render_dataset(RenderJob(recipe_path=sys.argv[1], out_dir=Path(sys.argv[2]), frames=int(sys.argv[4])),
               renderer_factory=lambda device: FakeRenderer(device))
"""
"""Runs the pipeline in a child process with slow frame writes (camera and frame scope each)."""


def test_steps_run_in_order_and_finished_frames_come_back_in_order() -> None:
    ran: list[int] = []
    finished: list[int] = []
    with BackgroundWriter(max_pending=2) as writer:
        for index in range(8):
            finished += writer.submit(index, lambda i=index: (time.sleep(0.002 * (i % 3)), ran.append(i)))
        finished += writer.drain()
    assert ran == list(range(8)) and finished == list(range(8))


def test_submit_blocks_while_the_queue_is_full() -> None:
    release = threading.Event()
    writer = BackgroundWriter(max_pending=1)
    writer.submit(0, release.wait)  # being written
    writer.submit(1, lambda: None)  # waiting: the queue is now full
    finished: list[int] = []
    third = threading.Thread(target=lambda: finished.extend(writer.submit(2, lambda: None)))
    third.start()
    third.join(timeout=0.3)
    assert third.is_alive(), "a third frame was queued while one was written and one waited"
    release.set()
    third.join(timeout=5)
    assert not third.is_alive()
    assert finished + writer.drain() == [0, 1, 2]
    writer.close()


def test_a_failed_step_raises_unchanged_in_the_submitting_thread_and_drops_the_rest() -> None:
    ran: list[int] = []
    error = SynthscapeError("meta/000001.json: disk full")
    go = threading.Event()

    def fail() -> None:
        go.wait()
        raise error

    writer = BackgroundWriter(max_pending=2)
    writer.submit(0, lambda: ran.append(0))
    writer.submit(1, fail)
    writer.submit(2, lambda: ran.append(2))
    go.set()
    with pytest.raises(SynthscapeError) as raised:
        writer.drain()
    assert raised.value is error
    assert ran == [0]
    with pytest.raises(RuntimeError, match="earlier error"):
        writer.submit(3, lambda: ran.append(3))
    writer.close()
    assert ran == [0]


def test_an_error_in_the_main_thread_still_lets_queued_frames_finish() -> None:
    ran: list[int] = []
    with pytest.raises(KeyError), BackgroundWriter(max_pending=1) as writer:
        writer.submit(0, lambda: (time.sleep(0.05), ran.append(0)))
        raise KeyError("render failed")
    assert ran == [0]


class _SpyRenderer(FakeRenderer):
    """Records when each render starts."""

    def __init__(self, device: str, events: list[tuple[str, int, float]]) -> None:
        super().__init__(device)
        self.events = events

    def render(self, spec):
        self.events.append(("render", spec.frame_index, time.perf_counter()))
        return super().render(spec)


def test_pipeline_renders_the_next_frame_while_the_previous_one_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synthscape import writers

    events: list[tuple[str, int, float]] = []
    original = writers.write_frame_files

    def slow(out_dir, spec, *args, **kwargs):
        events.append(("write start", spec.frame_index, time.perf_counter()))
        time.sleep(0.1)
        result = original(out_dir, spec, *args, **kwargs)
        events.append(("write end", spec.frame_index, time.perf_counter()))
        return result

    monkeypatch.setattr(writers, "write_frame_files", slow)
    progress: list[tuple[int, int, int]] = []
    summary = render_dataset(RenderJob(recipe_path=MINIMAL, out_dir=tmp_path / "ds", frames=4),
                             renderer_factory=lambda device: _SpyRenderer(device, events),
                             progress=lambda *args: progress.append(args))
    assert summary.frames_rendered == [0, 1, 2, 3]
    assert progress == [(1, 4, 0), (2, 4, 1), (3, 4, 2), (4, 4, 3)]
    first_write_end = max(t for kind, index, t in events if kind == "write end" and index == 0)
    second_render = next(t for kind, index, t in events if kind == "render" and index == 1)
    assert second_render < first_write_end, "frame 1 rendered only after frame 0 was written"
    for index in range(4):
        assert done_marker(tmp_path / "ds", index).is_file()


def test_a_writer_error_stops_the_run_with_its_own_exception(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synthscape import writers

    original = writers.write_frame_files

    def fail_on_frame_2(out_dir, spec, *args, **kwargs):
        if spec.frame_index == 2:
            raise SynthscapeError("rgb/000002.png: no space left on device")
        return original(out_dir, spec, *args, **kwargs)

    monkeypatch.setattr(writers, "write_frame_files", fail_on_frame_2)
    rendered: list[int] = []

    class Counting(FakeRenderer):
        def render(self, spec):
            rendered.append(spec.frame_index)
            return super().render(spec)

    out = tmp_path / "ds"
    with pytest.raises(SynthscapeError, match="no space left"):
        render_dataset(RenderJob(recipe_path=MINIMAL, out_dir=out, frames=FRAMES),
                       renderer_factory=lambda device: Counting(device))
    assert done_marker(out, 1).is_file() and not done_marker(out, 2).exists()
    # Frame 2 fails while frame 3 waits in the queue and frame 4 renders; no frame after that.
    assert max(rendered) <= 2 + 2, f"the run went on rendering after the failed write: {rendered}"
    assert not (out / "coco" / "annotations.json").exists()


def _driver(out: Path, slow_write: float) -> list[str]:
    return [sys.executable, "-c", DRIVER, MINIMAL, str(out), str(slow_write), str(FRAMES)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def test_sigkill_during_background_writes_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    reference = tmp_path / "ref"
    subprocess.run(_driver(reference, 0.0), env=_env(), cwd=REPO, check=True, capture_output=True)
    out = tmp_path / "ds"
    rng = np.random.default_rng(11)
    markers_at_kill = []
    for _attempt in range(10):
        proc = subprocess.Popen(_driver(out, 0.15), env=_env(), cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60  # wait for the run to start writing (the machine may be slow)
        while proc.poll() is None and not (out / ".done").is_dir() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(float(rng.uniform(0.0, 0.6)))
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        markers_at_kill.append(len(list((out / ".done").glob("[0-9]*"))))
    assert any(n < FRAMES for n in markers_at_kill), f"no kill landed mid-run: {markers_at_kill}"
    subprocess.run(_driver(out, 0.0), env=_env(), cwd=REPO, check=True, capture_output=True)
    assert tree(out) == tree(reference)
