"""Locks on a dataset folder (``--out``), so two runs never mix their frames.

Two kinds of ``fcntl.flock`` locks, which the kernel releases when their process
dies (a SIGKILLed run never blocks the next one):

* ``DIR/.lock``, held for a moment around every setup step (taking the run locks
  below, checking and writing ``run.json``): it makes "check the folder, then claim
  it" atomic across processes (:func:`setup_lock`).
* ``DIR/.locks/*``, held for the whole run (:func:`hold_output_lock`). A whole-dataset
  run holds ``.locks/all`` exclusively. A shard holds ``.locks/all`` shared plus
  ``.locks/shard-K-of-M`` exclusively. So shards of one split run side by side, while a
  whole run is refused while any shard runs (and the other way round), the same shard
  twice is refused, and so are shards of another split (``--num-shards``).

Each held lock file contains its holder (pid, host, command, frames, start time) so a
refused run can name it; its content is only trusted while its lock is held. A run
deletes its lock files when it ends (under the setup lock, so no other process can be
about to lock them); a killed run leaves them, unlocked, for the next run to reuse.
``DIR/.lock`` itself stays.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from synthscape.errors import DiskFullError, OutputDirError, SynthscapeError

log = logging.getLogger("synthscape.dataset.lock")

SETUP_LOCK = ".lock"
LOCKS_DIR = ".locks"
WHOLE = "all"
SHARD_NAME = re.compile(r"^shard-(?P<index>\d+)-of-(?P<count>\d+)$")
SETUP_TIMEOUT_S = 120.0
"""Longest wait for another process's setup step (it normally lasts milliseconds)."""
_UNSUPPORTED = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}

_registry_lock = threading.RLock()
_setup_depth: dict[tuple[int, str], int] = {}
_setup_fds: dict[tuple[int, str], int] = {}
_held_paths: collections.Counter[str] = collections.Counter()
"""Run lock files this process holds, with how many times (a path held twice stays held after one release)."""


class OutputLockedError(SynthscapeError):
    """Another live run holds the output folder (or the part of it this run wants)."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock: written into the lock file, shown when another run is refused."""

    pid: int
    host: str
    command: str
    frames: str
    started: str

    def describe(self) -> str:
        """``pid 12 on host h (shard 1 of 4), started 2026-...: synthscape render ...``."""
        return f"pid {self.pid} on host {self.host} ({self.frames}), started {self.started}: {self.command}"


def this_holder(frames: str) -> Holder:
    """The :class:`Holder` record of this process holding ``frames``."""
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else sys.executable
    return Holder(pid=os.getpid(), host=socket.gethostname(), command=command[:300], frames=frames,
                  started=time.strftime("%Y-%m-%dT%H:%M:%S%z"))


def shard_lock_name(shard_index: int, num_shards: int) -> str:
    """``shard-K-of-M``: the lock file of one shard."""
    return f"shard-{shard_index}-of-{num_shards}"


def _open(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(path.parent, path.name, error) from None
        raise OutputDirError(f"--out {path.parent}: cannot create {path.name} there "
                             f"({error.strerror or error}); choose a folder you can write to") from None


def _try_flock(fd: int, operation: int) -> bool | None:
    """Non-blocking flock: True when taken, False when another holds it, None when unsupported."""
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as error:
        if error.errno in _UNSUPPORTED:
            return None
        raise
    return True


def _warn_unsupported(path: Path) -> None:
    log.warning("%s: the file system does not support file locks; runs started at the same time into "
                "this folder are not detected", path.parent)


@contextlib.contextmanager
def setup_lock(out_dir: str | os.PathLike[str]) -> Iterator[None]:
    """Hold ``DIR/.lock`` exclusively for a short setup step (re-entrant within a thread).

    Raises:
        OutputLockedError: another process held it for over :data:`SETUP_TIMEOUT_S`.
        OutputDirError: the folder cannot be written.
    """
    path = Path(out_dir) / SETUP_LOCK
    key = (threading.get_ident(), str(path.resolve()))
    with _registry_lock:
        nested = key in _setup_depth
        if nested:
            _setup_depth[key] += 1
    if not nested:
        fd = _open(path)
        _wait_for_setup_lock(fd, path)
        with _registry_lock:
            _setup_fds[key], _setup_depth[key] = fd, 1
    try:
        yield
    finally:
        with _registry_lock:
            _setup_depth[key] -= 1
            fd = _setup_fds.pop(key) if _setup_depth[key] == 0 else -1
            if fd >= 0:
                del _setup_depth[key]
        if fd >= 0:
            os.close(fd)  # releases the flock


def _wait_for_setup_lock(fd: int, path: Path) -> None:
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while True:
        taken = _try_flock(fd, fcntl.LOCK_EX)
        if taken is None:
            _warn_unsupported(path)
            return
        if taken:
            return
        if time.monotonic() > deadline:
            os.close(fd)
            raise OutputLockedError(f"{path}: another process has held this folder's setup lock for over "
                                    f"{SETUP_TIMEOUT_S:.0f} s; if no synthscape run is using {path.parent}, "
                                    "check the file system's locking (NFS lockd)")
        time.sleep(0.05)


def read_holder(path: Path) -> Holder | None:
    """The holder recorded in a lock file (None when empty or unreadable)."""
    try:
        return Holder(**json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _is_held_elsewhere(path: Path) -> bool:
    """Whether another process (or another lock of this one) holds ``path``; call under :func:`setup_lock`."""
    with _registry_lock:
        if _held_paths[str(path.resolve())] > 0:
            return False
    try:
        fd = os.open(path, os.O_RDWR)  # NFS emulates flock with fcntl locks: LOCK_EX needs a writable fd
    except FileNotFoundError:
        return False
    try:
        return _try_flock(fd, fcntl.LOCK_EX) is False
    finally:
        os.close(fd)


def live_shard_locks(out_dir: str | os.PathLike[str]) -> list[Path]:
    """The shard lock files of ``out_dir`` that other live runs hold; call under :func:`setup_lock`."""
    folder = Path(out_dir) / LOCKS_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if SHARD_NAME.match(p.name) and _is_held_elsewhere(p))


def live_holders(out_dir: str | os.PathLike[str]) -> list[Holder]:
    """The other live runs holding locks in ``out_dir`` (its shards, else a whole run).

    Locks held by this process are not listed. Call it under :func:`setup_lock`.
    """
    holders = [read_holder(p) or _unknown(p) for p in live_shard_locks(out_dir)]
    whole = Path(out_dir) / LOCKS_DIR / WHOLE
    if not holders and whole.is_file() and _is_held_elsewhere(whole):
        holders.append(read_holder(whole) or _unknown(whole))
    return holders


def _unknown(path: Path) -> Holder:
    return Holder(pid=0, host="?", command="?", frames=path.name, started="?")


def _refuse(out_dir: Path, holders: list[Holder], wanted: str) -> OutputLockedError:
    lines = "\n  ".join(h.describe() for h in holders[:8]) or "(a process whose details are not recorded)"
    return OutputLockedError(f"{out_dir}: another run is writing into this folder, so this run ({wanted}) "
                             f"cannot start:\n  {lines}\nwait for it to finish (or stop it), or use another "
                             "--out folder; a run that was killed releases the folder by itself")


class _HeldLocks:
    """The run locks one :func:`hold_output_lock` took (file descriptors, closed on release)."""

    def __init__(self) -> None:
        self.fds: list[tuple[int, Path, bool]] = []
        """(descriptor, path, exclusive) of each lock taken."""

    def take(self, path: Path, operation: int, holder: Holder | None) -> bool:
        """Take ``path`` without waiting; write ``holder`` into it. False: another process holds it."""
        fd = _open(path)
        taken = _try_flock(fd, operation)
        if taken is False:
            os.close(fd)
            return False
        if taken is None:
            _warn_unsupported(path)
        self.fds.append((fd, path, operation == fcntl.LOCK_EX))
        with _registry_lock:
            _held_paths[str(path.resolve())] += 1
        if holder is not None:
            _write_holder(fd, path, holder)
        return True

    def release(self) -> None:
        """Drop every lock, deleting each lock file no other process holds; call under :func:`setup_lock`.

        Deleting is safe there: every process opens run lock files only under the setup
        lock, so none can be about to lock the file being deleted.
        """
        for fd, path, exclusive in reversed(self.fds):
            with _registry_lock:
                _held_paths[str(path.resolve())] -= 1
                if _held_paths[str(path.resolve())] <= 0:
                    del _held_paths[str(path.resolve())]
            if exclusive:
                with contextlib.suppress(OSError):
                    path.unlink()
                os.close(fd)
            else:  # shared: other shards (of this process or others) may still hold it
                os.close(fd)
                with _registry_lock:
                    still_mine = _held_paths[str(path.resolve())] > 0
                with contextlib.suppress(OSError):
                    if not still_mine and not _is_held_elsewhere(path):
                        path.unlink()
        self.fds.clear()


def _write_holder(fd: int, path: Path, holder: Holder) -> None:
    data = (json.dumps(asdict(holder), sort_keys=True) + "\n").encode("utf-8")
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(path.parent, path.name, error) from None
        raise


def _take_run_locks(out: Path, held: _HeldLocks, shard: tuple[int, int] | None) -> None:
    locks = out / LOCKS_DIR
    if shard is None:
        if not held.take(locks / WHOLE, fcntl.LOCK_EX, this_holder("all frames")):
            raise _refuse(out, live_holders(out), "all frames")
        return
    index, count = shard
    wanted = f"shard {index} of {count}"
    if not held.take(locks / WHOLE, fcntl.LOCK_SH, None):
        raise _refuse(out, live_holders(out), wanted)
    other_split = [p for p in live_shard_locks(out) if int(SHARD_NAME.match(p.name)["count"]) != count]
    if other_split:
        raise _refuse(out, [read_holder(p) or _unknown(p) for p in other_split],
                      f"{wanted}, while shards of another --num-shards run")
    if not held.take(locks / shard_lock_name(index, count), fcntl.LOCK_EX, this_holder(wanted)):
        path = locks / shard_lock_name(index, count)
        raise _refuse(out, [read_holder(path) or _unknown(path)], wanted)


@contextlib.contextmanager
def hold_output_lock(out_dir: str | os.PathLike[str], shard: tuple[int, int] | None = None) -> Iterator[None]:
    """Hold the output folder for a run: all its frames (``shard`` None) or one shard ``(K, M)``.

    Raises:
        OutputLockedError: a live run holds the folder in a conflicting way (it is named).
        OutputDirError: the folder cannot be written.
    """
    out = Path(out_dir)
    held = _HeldLocks()
    with setup_lock(out):
        try:
            _take_run_locks(out, held, shard)
        except BaseException:
            held.release()
            raise
    try:
        yield
    finally:
        try:
            with setup_lock(out):
                held.release()
        except OutputLockedError:  # the setup lock timed out: drop the locks, keep their files
            for fd, _path, _exclusive in held.fds:
                os.close(fd)
            held.fds.clear()
