"""Errors that carry a readable message for the user (the CLI maps them to exit code 2)."""

from __future__ import annotations


class SynthscapeError(Exception):
    """Base class for errors caused by bad input, shown to the user without a traceback."""


class RecipeError(SynthscapeError):
    """A recipe that cannot be read or does not match the schema.

    Attributes:
        path: the recipe file.
        problems: ``(key_path, message)`` pairs, e.g. ``("objects[2].scale", "must be > 0")``.
    """

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}: {key}: {message}" if key else f"{path}: {message}"
                 for key, message in problems]
        super().__init__("\n".join(lines))


class OutputDirError(SynthscapeError):
    """The output folder cannot be created or written."""


class DiskFullError(OutputDirError):
    """A write failed because the disk (or the user's quota) is full.

    Attributes:
        folder: the folder that could not be written.
    """

    def __init__(self, folder: object, name: str, error: OSError):
        self.folder = folder
        super().__init__(f"{folder}: the disk is full ({error.strerror or error}) while writing {name}; "
                         "free some space (or raise the quota) and run the same command again: "
                         "it resumes where it stopped")
