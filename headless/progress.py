"""A one-line progress display for frame loops: frames done, frames/min, ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``1h02m03s`` / ``2m03s`` / ``3s``."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class FrameProgress:
    """Prints ``[#####.....] 12/40 frames  8.1 frames/min  ETA 3m27s`` as frames finish.

    On a terminal the line is redrawn in place; otherwise one line per frame is printed.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 24):
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.interactive = self.stream.isatty()

    def __call__(self, done: int, total: int, frame_index: int) -> None:
        """Report that ``done`` of ``total`` frames are finished (the last was ``frame_index``)."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = done / elapsed * 60.0
        eta = (total - done) / (done / elapsed) if done else 0.0
        filled = int(self.width * done / max(total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        line = (f"[{bar}] {done}/{total} frames  {rate:.1f} frames/min  "
                f"ETA {format_duration(eta)}  (frame {frame_index:06d})")
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if done == total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
