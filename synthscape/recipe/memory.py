"""Will one frame fit in memory? An estimate of the passes a frame holds, against this machine.

A render keeps every pass of one frame in memory twice: Blender's render result, then the
numpy :class:`~synthscape.buffers.FrameBuffers` the writers read. A resolution whose frame
does not fit is warned about at load time (with the estimate), since the recipe may be meant
for another machine; a render that would not fit even in all of this machine's physical memory
is refused before it starts (``refuse=True``).
"""

from __future__ import annotations

import logging
import os

from synthscape.errors import RecipeError

log = logging.getLogger("synthscape.recipe")

PASS_BYTES_PER_PIXEL = {
    "rgb (float32 x3)": 12,
    "depth (float32)": 4,
    "normal (float32 x3)": 12,
    "instance (uint16)": 2,
}
"""Bytes per pixel of each pass in :class:`~synthscape.buffers.FrameBuffers`."""
COPIES = 2
"""Blender's render result plus the numpy buffers."""
LABEL_BYTES_PER_PIXEL = 2
"""The semantic map (uint16) the writers derive from the instance map."""


def frame_bytes(width: int, height: int) -> int:
    """Estimated peak bytes one frame of ``width`` x ``height`` pixels holds in memory."""
    per_pixel = COPIES * sum(PASS_BYTES_PER_PIXEL.values()) + LABEL_BYTES_PER_PIXEL
    return int(width) * int(height) * per_pixel


def machine_memory() -> tuple[int, int] | None:
    """``(available, total)`` bytes of physical memory, or None where it cannot be read.

    Uses psutil when installed, else ``os.sysconf`` (Linux and most Unixes).
    """
    try:
        import psutil  # optional: the headless and test extras install it
    except ImportError:
        psutil = None
    if psutil is not None:
        info = psutil.virtual_memory()
        return int(info.available), int(info.total)
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        return os.sysconf("SC_AVPHYS_PAGES") * page, os.sysconf("SC_PHYS_PAGES") * page
    except (AttributeError, ValueError, OSError):
        return None


def _gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def warn_if_frame_too_large(resolution: tuple[int, int], source: str, key: str = "camera.resolution",
                            memory: tuple[int, int] | None = None, refuse: bool = False) -> int:
    """Warn when a frame of ``resolution`` would not fit in the available memory.

    Args:
        resolution: ``(width, height)`` in pixels.
        source: the recipe file (or ``--resolution``), for the message.
        key: the recipe key the resolution comes from.
        memory: ``(available, total)`` bytes; default: :func:`machine_memory`.
        refuse: raise instead of warning when the frame exceeds all physical memory (a render
            on this machine); False when only validating.

    Returns:
        The estimate in bytes.

    Raises:
        RecipeError: ``refuse`` and the frame is larger than this machine's whole physical memory.
    """
    width, height = resolution
    estimate = frame_bytes(width, height)
    memory = memory if memory is not None else machine_memory()
    if memory is None:
        return estimate
    available, total = memory
    what = (f"a {width}x{height} frame needs about {_gib(estimate)} for its passes "
            f"({', '.join(PASS_BYTES_PER_PIXEL)}, held {COPIES} times)")
    if estimate > total and refuse:
        raise RecipeError(source, [(key, f"{what}, more than this machine's {_gib(total)} of memory; "
                                         "lower the resolution")])
    if estimate > available:
        log.warning("%s: %s: %s, but only %s is available; the render may run out of memory "
                    "(lower the resolution or free memory)", source, key, what, _gib(available))
    return estimate
