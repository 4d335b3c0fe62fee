"""Property groups: the one ``Scene.synthscape`` pointer and its conversion to plain data."""

from .settings import SynthscapeSettings, panel_settings

CLASSES: tuple[type, ...] = (SynthscapeSettings,)

__all__ = ["CLASSES", "SynthscapeSettings", "panel_settings"]
