"""Choosing the Cycles compute device: ``auto`` | ``cpu`` | ``gpu``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bpy

from synthscape.errors import SynthscapeError

LOG = logging.getLogger("synthscape.blender")

GPU_BACKENDS: tuple[str, ...] = ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL")
"""Cycles compute backends in order of preference."""


class DeviceUnavailableError(SynthscapeError, RuntimeError):
    """A GPU was requested but Cycles has no usable GPU device."""


@dataclass(frozen=True)
class DeviceInfo:
    """The device Cycles renders on, for ``dataset.json``.

    Attributes:
        requested: what was asked for: ``auto``, ``cpu`` or ``gpu``.
        backend: ``CPU`` or the GPU backend (``OPTIX``, ``CUDA``, ``HIP``, ``ONEAPI``, ``METAL``).
        names: names of the enabled Cycles devices.
    """

    requested: str
    backend: str
    names: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``type`` is the backend, as in the pipeline's device_info)."""
        return {"type": self.backend, "requested": self.requested, "names": list(self.names)}


def _cycles_prefs() -> bpy.types.AddonPreferences:
    return bpy.context.preferences.addons["cycles"].preferences


def _enable_backend(prefs: bpy.types.AddonPreferences, backend: str) -> tuple[str, ...]:
    """Switch Cycles to ``backend`` and enable its GPU devices; names of enabled GPUs."""
    try:
        prefs.compute_device_type = backend
    except TypeError:  # backend not compiled into this build / platform
        return ()
    prefs.refresh_devices()
    gpus = [d for d in prefs.devices if d.type == backend]
    for device in prefs.devices:
        device.use = device.type == backend
    # A GPU request with no device actually marked use=True silently renders on CPU.
    return tuple(d.name for d in gpus if d.use)


def _cpu_name() -> tuple[str, ...]:
    prefs = _cycles_prefs()
    try:
        prefs.compute_device_type = "NONE"
        prefs.refresh_devices()
    except TypeError:
        return ("CPU",)
    return tuple(d.name for d in prefs.devices if d.type == "CPU") or ("CPU",)


def select_device(request: str, scene: bpy.types.Scene) -> DeviceInfo:
    """Configure ``scene`` to render on the requested device.

    Args:
        request: ``auto`` (best GPU backend present, else CPU), ``cpu`` or ``gpu``.
        scene: the scene whose ``cycles.device`` is set.

    Returns:
        The chosen device.

    Raises:
        ValueError: ``request`` is not auto/cpu/gpu.
        DeviceUnavailableError: ``gpu`` was requested and no GPU backend has a device.
    """
    if request not in ("auto", "cpu", "gpu"):
        raise ValueError(f"device must be auto, cpu or gpu, got {request!r} "
                         "(--device / render.device)")
    if request != "cpu":
        prefs = _cycles_prefs()
        for backend in GPU_BACKENDS:
            names = _enable_backend(prefs, backend)
            if names:
                scene.cycles.device = "GPU"
                info = DeviceInfo(request, backend, names)
                LOG.info("Cycles renders on GPU: %s %s", backend, ", ".join(names))
                return info
        if request == "gpu":
            raise DeviceUnavailableError(
                "device 'gpu' was requested but Cycles found no GPU device "
                f"(tried {', '.join(GPU_BACKENDS)}); use --device cpu or --device auto")
    scene.cycles.device = "CPU"
    info = DeviceInfo(request, "CPU", _cpu_name())
    LOG.info("Cycles renders on CPU (%s requested): %s", request, ", ".join(info.names))
    return info
