"""Optional heavy libraries, imported only by the features that need them.

Blender's own Python ships without OpenCV, so the add-on (and anything imported at start-up)
must not import it at module level; a feature that needs it imports it through here and gets a
clear error where it is missing.
"""

from __future__ import annotations

from types import ModuleType

from synthscape.errors import SynthscapeError


def import_cv2(feature: str) -> ModuleType:
    """OpenCV, for ``feature`` (named in the error when OpenCV is not installed).

    Raises:
        SynthscapeError: OpenCV cannot be imported in this Python.
    """
    try:
        import cv2
    except ImportError:
        raise SynthscapeError(f"{feature} needs OpenCV, which this Python lacks (Blender's own Python ships "
                              "without it): pip install 'opencv-python-headless<4.12', or run `synthscape "
                              "render` from a venv with synthscape installed") from None
    return cv2


def import_optional(module: str, package: str, feature: str) -> ModuleType:
    """Import ``module`` (from the pip distribution ``package``) for ``feature``.

    Raises:
        SynthscapeError: the module cannot be imported in this Python (names the feature and the fix).
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise SynthscapeError(f"{feature} needs the {package!r} package, which this Python lacks (the Blender "
                              f"extension bundles it only where a wheel exists): pip install {package}, or run "
                              "`synthscape render` from a venv with synthscape installed") from None
