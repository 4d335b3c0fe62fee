"""Synthscape for Blender: tag objects, set ranges, generate a labeled dataset.

A front end only: operators turn the panel's properties into a recipe and run the same
pipeline as ``synthscape render`` (see :mod:`synthscape.extension`).
"""

from __future__ import annotations

import bpy

from . import operators, panels, props

CLASSES: tuple[type, ...] = (*props.CLASSES, *operators.CLASSES, *panels.CLASSES)
"""Every class this add-on registers, in registration order."""


def register() -> None:
    """Register the classes and the one ``Scene.synthscape`` settings pointer."""
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.synthscape = bpy.props.PointerProperty(type=props.SynthscapeSettings)


def unregister() -> None:
    """Undo :func:`register`, stopping a running generation first."""
    operators.generate.cancel_running()
    del bpy.types.Scene.synthscape
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
