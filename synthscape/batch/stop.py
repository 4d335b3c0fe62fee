"""A stop request that remembers which signal asked for it (Ctrl-C or SIGTERM).

The render loops only need a :class:`threading.Event`; front ends that forward the
request (``--workers N`` to its worker processes) or turn it into an exit status
(130 for SIGINT, 143 for SIGTERM, like a shell) read :attr:`StopRequest.signum`.
"""

from __future__ import annotations

import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that ask a render to stop after its current frame."""


class StopRequest(threading.Event):
    """A :class:`threading.Event` set by a signal, with the signal's number.

    Attributes:
        signum: the first signal that asked to stop (None while not asked, or when set
            directly with :meth:`set`, which counts as SIGINT).
    """

    def __init__(self) -> None:
        super().__init__()
        self.signum: int | None = None

    def request(self, signum: int) -> None:
        """Ask to stop because of signal ``signum`` (the first signal is the one kept)."""
        if self.signum is None:
            self.signum = signum
        self.set()

    @property
    def exit_code(self) -> int:
        """The shell's status for a process stopped by this signal: 128 + signal number."""
        return 128 + stop_signal(self)


def stop_signal(stop: threading.Event) -> int:
    """The signal to forward for ``stop``: its :attr:`StopRequest.signum`, else SIGINT."""
    signum = getattr(stop, "signum", None)
    return int(signum) if signum is not None else int(signal.SIGINT)
