"""One GPU per local worker: which NVIDIA GPUs a machine offers, and which worker gets which.

``--workers N`` on a machine with GPUs gives worker ``k`` its own device through
``CUDA_VISIBLE_DEVICES`` (Cycles' CUDA and OptiX backends then see only that GPU), so two
workers never render on one device by accident. Sharing is explicit: repeat a device in
``CUDA_VISIBLE_DEVICES`` (``0,0,1,1``: four workers, two per GPU).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence

from synthscape.errors import SynthscapeError

CUDA_DEVICES_ENV = "CUDA_VISIBLE_DEVICES"


def visible_gpus(environ: Mapping[str, str] | None = None) -> list[str]:
    """The GPUs workers may use: ``CUDA_VISIBLE_DEVICES`` when set (ids or UUIDs, in order), else
    the indices ``nvidia-smi -L`` lists; empty when there is none (or no NVIDIA driver)."""
    environ = os.environ if environ is None else environ
    if CUDA_DEVICES_ENV in environ:
        found = [d.strip() for d in environ[CUDA_DEVICES_ENV].split(",") if d.strip()]
        return [] if found[:1] == ["-1"] else found
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        listing = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [str(i) for i, line in enumerate(line for line in listing.splitlines() if line.startswith("GPU "))]


def assign_gpus(workers: int, device: str, gpus: Sequence[str]) -> list[str | None]:
    """The GPU of each worker (None: leave the environment as it is).

    Args:
        workers: number of worker processes.
        device: the run's device (``cpu`` renders on no GPU, so nothing is assigned).
        gpus: :func:`visible_gpus`.

    Raises:
        SynthscapeError: more workers than GPUs, so some would share one by accident.
    """
    if device == "cpu" or not gpus:
        return [None] * workers
    if workers > len(gpus):
        raise SynthscapeError(
            f"--workers {workers} with {len(gpus)} GPU(s) ({', '.join(gpus)}): workers would share a GPU. "
            f"Use --workers {len(gpus)}, --device cpu, or list a GPU twice in {CUDA_DEVICES_ENV} to share "
            f"it on purpose (e.g. {CUDA_DEVICES_ENV}={','.join(g for g in gpus for _ in (0, 1))})")
    return list(gpus[:workers])
