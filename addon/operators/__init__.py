"""Operators: tagging, preview, generate, open folder, validate."""

from . import generate, preview, tags, tools

CLASSES: tuple[type, ...] = (*tags.CLASSES, *preview.CLASSES, *generate.CLASSES, *tools.CLASSES)

__all__ = ["CLASSES", "generate", "preview", "tags", "tools"]
