"""A background writer: each frame's write step runs on one thread while the next frame renders.

The pipeline hands every rendered frame's complete write step (sensors, encoders, file
writes, ``.done`` marker last) to :class:`BackgroundWriter` and goes on to build and render
the next frame. One thread runs the steps strictly in submission order; at most
``max_pending`` steps wait in the queue (plus the one being written), so besides the frame
the main thread is rendering at most ``max_pending + 1`` frames of buffers are alive and
memory stays flat. The crash-safety contract is the write step's own (every file renamed
into place, marker last), so a kill at any moment leaves at most ``max_pending + 1``
rendered frames without a marker, which a rerun redoes.

An exception in a write step is kept and raised again, unchanged, in the submitting thread
at the next :meth:`BackgroundWriter.submit` or at :meth:`BackgroundWriter.drain`; the steps
queued after it are dropped (their frames stay incomplete), so the run stops as it would
have without the thread.

Example::

    with BackgroundWriter() as writer:
        for index in frames:
            buffers = render(index)
            finished = writer.submit(index, functools.partial(write, index, buffers))
        finished += writer.drain()
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

LOG = logging.getLogger("synthscape.pipeline")

WriteStep = Callable[[], Any]
"""One frame's complete write step (it writes its ``.done`` marker last)."""


class BackgroundWriter:
    """Runs submitted write steps in order on a single daemon thread, with a bounded queue."""

    def __init__(self, max_pending: int = 1, name: str = "synthscape-writer") -> None:
        """Start the writer thread.

        Args:
            max_pending: steps that may wait while one is being written (>= 1); ``submit``
                blocks when the queue is full.
            name: the thread's name (shows in tracebacks and profilers).
        """
        if max_pending < 1:
            raise ValueError(f"max_pending must be >= 1, got {max_pending}")
        self._queue: queue.Queue[tuple[int, WriteStep] | None] = queue.Queue(maxsize=max_pending)
        self._finished: collections.deque[int] = collections.deque()
        self._failed: BaseException | None = None
        """The first failed step's exception (set by the writer thread only)."""
        self._reported = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, frame_index: int, step: WriteStep) -> list[int]:
        """Queue ``step`` (frame ``frame_index``); block while ``max_pending`` steps wait.

        Returns:
            Frames whose steps finished since the last call, in order.

        Raises:
            BaseException: the exception of an earlier step, unchanged.
            RuntimeError: the writer was closed.
        """
        if self._closed:
            raise RuntimeError("the background writer is closed")
        self.raise_if_failed()
        self._queue.put((frame_index, step))
        self.raise_if_failed()  # a step may have failed while this one waited for room
        return self.finished()

    def finished(self) -> list[int]:
        """Frames whose steps finished since the last call (submit, drain or this), in order."""
        done = []
        while self._finished:
            done.append(self._finished.popleft())
        return done

    def drain(self) -> list[int]:
        """Wait until every queued step has run.

        Returns:
            Frames whose steps finished since the last call, in order.

        Raises:
            BaseException: the exception of a step, unchanged.
        """
        self._queue.join()
        self.raise_if_failed()
        return self.finished()

    def raise_if_failed(self) -> None:
        """Raise the exception of a failed step, if any (later calls: a RuntimeError from it)."""
        error = self._failed
        if error is None:
            return
        if not self._reported:
            self._reported = True
            raise error
        raise RuntimeError("the background writer stopped after an earlier error") from error

    def close(self) -> None:
        """Let the queued steps finish, then stop the thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Drain and stop; an error of a step is raised unless one is already propagating."""
        self.close()
        if exc is None:
            if not self._reported:
                self.raise_if_failed()
        elif self._failed is not None and not self._reported:
            LOG.error("a background frame write also failed: %r", self._failed)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._failed is None:  # after a failure the remaining steps are dropped
                    index, step = item
                    step()
                    self._finished.append(index)
            except BaseException as error:  # noqa: BLE001 - handed to the submitting thread
                self._failed = error
            finally:
                self._queue.task_done()

