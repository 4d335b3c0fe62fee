"""Software versions recorded in meta and dataset files."""

from __future__ import annotations

import importlib.metadata
import platform

import numpy as np


def package_version(name: str = "synthscape") -> str:
    """The installed version of a distribution, or ``0+unknown`` when run from a source tree."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def software_versions(blender_version: str | None = None) -> dict[str, str]:
    """Versions of synthscape, Python, numpy and (when given) Blender."""
    versions = {"synthscape": package_version(), "python": platform.python_version(), "numpy": np.__version__}
    if blender_version:
        versions["blender"] = blender_version
    return versions
