"""Atomic file writes: write to a temporary name in the same folder, then rename.

Files get the mode a plain ``open(path, "w")`` would give them (``0o666 & ~umask``),
not ``tempfile.mkstemp``'s private 0600, so a merge or training job running as another
user of a shared volume can read the dataset. A full disk (``ENOSPC``) or an exceeded
quota (``EDQUOT``) becomes a :class:`DiskFullError` naming the folder; the temporary
file is removed, so nothing half-written is left.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from synthscape.errors import DiskFullError

FILE_MODE = 0o666
"""Mode of a new file before the umask is applied (what ``open()`` uses)."""
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

_umask_lock = threading.Lock()
_umask: int | None = None


def _umask_from_proc() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        return None
    return None


def process_umask() -> int:
    """This process's umask, read once (from ``/proc/self/status``, else an ``os.umask`` round trip)."""
    global _umask
    with _umask_lock:
        if _umask is None:
            found = _umask_from_proc()
            if found is None:  # no /proc (macOS): set and restore, under the lock
                found = os.umask(0o022)
                os.umask(found)
            _umask = found
        return _umask


def new_file_mode() -> int:
    """``0o666 & ~umask``: the mode a new output file gets."""
    return FILE_MODE & ~process_umask()


def is_disk_full(error: BaseException) -> bool:
    """True for an ``OSError`` meaning no space left (ENOSPC) or quota exceeded (EDQUOT)."""
    return isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it onto ``path``.

    The temporary name keeps the file's suffix (so libraries that pick a format from
    the extension still work). On any exception the temporary file is removed and
    ``path`` is left untouched.

    Raises:
        DiskFullError: the disk or quota filled up (from the write, or from ``os.replace``).
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}",
                                        dir=target.parent)
    except OSError as error:
        if is_disk_full(error):
            raise DiskFullError(target.parent, target.name, error) from None
        raise
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, new_file_mode())
        finally:
            os.close(fd)
        yield tmp
        os.replace(tmp, target)
    except OSError as error:
        if is_disk_full(error):
            raise DiskFullError(target.parent, target.name, error) from None
        raise
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and atomically move the result to ``path``."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Atomically write ``data`` to ``path``."""
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Atomically write UTF-8 ``text`` to ``path``."""
    return write_bytes_atomic(path, text.encode("utf-8"))
