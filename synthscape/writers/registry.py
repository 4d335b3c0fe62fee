"""The output-format registry: every format is one module that registers itself here.

An :class:`OutputFormat` bundles a per-frame writer, an optional dataset-level finalize step
(run by ``synthscape merge``), what it needs from the renderer and the sensors stage, and
whether it is written per camera folder or once per frame at the dataset root. The recipe's
``outputs:`` list (default :data:`DEFAULT_OUTPUTS`) chooses the formats; they always run in
registration order, so a format may read files an earlier one wrote (KITTI and YOLO reuse
``rgb/``). Registration is explicit: one import line per format module in
:mod:`synthscape.writers`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from synthscape.buffers import FrameBuffers
from synthscape.errors import SynthscapeError
from synthscape.spec.scene_spec import CategorySpec, SceneSpec
from synthscape.writers.layout import done_marker, write_done_marker

FrameWriter = Callable[..., list[Path]]
"""``writer(out_dir, spec, buffers, **ctx) -> list of paths written`` (``ctx``: ``blender_version``)."""
Scope = Literal["camera", "frame"]


@dataclass(frozen=True)
class FinalizeContext:
    """What a dataset-level finalize step may use.

    Attributes:
        out_dir: the folder the format's per-frame files are in (a camera folder for
            camera-scope formats of a multi-camera rig).
        frames: the done frame indices being merged, sorted.
        dataset_seed: the dataset seed (train/val splits).
        categories: the run's categories (id, name, kitti_type).
        name: the dataset name (the recipe's ``name``).
    """

    out_dir: Path
    frames: tuple[int, ...]
    dataset_seed: int
    categories: tuple[CategorySpec, ...]
    name: str = "scene"


Finalizer = Callable[[FinalizeContext], list[Path]]
"""``finalize(ctx) -> list of dataset-level paths written``."""


@dataclass(frozen=True)
class OutputFormat:
    """One output format.

    Attributes:
        name: the name used in ``outputs:`` (``rgb``, ``coco``, ``kitti``, ``yolo``, ...).
        write: the per-frame writer (a pure function of spec and buffers).
        finalize: the dataset-level step ``merge`` runs, or None.
        needs: what the writer reads beyond the image passes: ``mesh`` (renderer),
            ``visibility``, ``lidar`` (sensors stage).
        scope: ``camera`` (written in each camera's folder) or ``frame`` (once per frame at
            the dataset root).
        description: one line for ``--help`` and docs.
    """

    name: str
    write: FrameWriter
    finalize: Finalizer | None = None
    needs: frozenset[str] = frozenset()
    scope: Scope = "camera"
    description: str = ""


_REGISTRY: dict[str, OutputFormat] = {}

DEFAULT_OUTPUTS: tuple[str, ...] = ("rgb", "depth", "instance", "semantic", "normal", "meta", "coco",
                                    "lidar", "kitti")
"""The formats of a recipe without ``outputs:``. ``lidar`` writes only with a ``lidar:`` section and
``kitti`` only when a category has a ``kitti_type``, as before ``outputs:`` existed."""


def register_output(fmt: OutputFormat) -> OutputFormat:
    """Add a format to the registry (after the ones registered before it).

    Raises:
        ValueError: another format already has that name.
    """
    if fmt.name in _REGISTRY and _REGISTRY[fmt.name] is not fmt:
        raise ValueError(f"output format {fmt.name!r} is registered twice")
    if fmt.scope not in ("camera", "frame"):
        raise ValueError(f"output format {fmt.name!r}: scope must be 'camera' or 'frame', not {fmt.scope!r}")
    _REGISTRY[fmt.name] = fmt
    return fmt


def known_outputs() -> tuple[str, ...]:
    """Every registered format name, in registration (= writing) order."""
    return tuple(_REGISTRY)


def output_format(name: str) -> OutputFormat:
    """The registered format called ``name``.

    Raises:
        SynthscapeError: no such format (the message lists the known ones).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise SynthscapeError(f"unknown output {name!r}; known outputs: {', '.join(known_outputs())}") from None


def check_outputs(names: Iterable[Any] | None, source: str = "outputs") -> tuple[str, ...]:
    """Validate an ``outputs:`` list and return it as a tuple (None: :data:`DEFAULT_OUTPUTS`).

    Args:
        names: the format names as given.
        source: where the list came from, for the message (``recipe.yaml: outputs``, ``--outputs``).

    Raises:
        SynthscapeError: an unknown or repeated name, naming ``source[i]`` and the known names,
            or an empty list.
    """
    if names is None:
        return DEFAULT_OUTPUTS
    if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise SynthscapeError(f"{source}: must be a list of output names, e.g. [rgb, coco, yolo], "
                              f"not {str(names)[:40]!r}; known outputs: {', '.join(known_outputs())}")
    found = list(names)
    if not found:
        raise SynthscapeError(f"{source}: the list is empty; name at least one of: {', '.join(known_outputs())} "
                              "(or leave it out for the default set)")
    for i, name in enumerate(found):
        if not isinstance(name, str) or name not in _REGISTRY:
            raise SynthscapeError(f"{source}[{i}]: unknown output {str(name)[:40]!r}; known outputs: "
                                  f"{', '.join(known_outputs())}")
        if name in found[:i]:
            raise SynthscapeError(f"{source}[{i}]: {name!r} is listed twice; list each output once")
    return tuple(found)


def selected_formats(outputs: Sequence[str] | None, scope: Scope | None = None) -> list[OutputFormat]:
    """The chosen formats in registration order, optionally only those of one ``scope``."""
    wanted = set(check_outputs(outputs))
    return [f for f in _REGISTRY.values() if f.name in wanted and (scope is None or f.scope == scope)]


def output_needs(names: Sequence[str] | None) -> frozenset[str]:
    """Union of what the chosen formats need (``mesh``, ``visibility``, ``lidar``)."""
    return frozenset().union(*(f.needs for f in selected_formats(names)))


def _spec_outputs(spec: SceneSpec) -> tuple[str, ...] | None:
    return tuple(getattr(spec, "outputs", ()) or ()) or None


def write_frame_files(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                      outputs: Sequence[str] | None, scope: Scope | None = None, **ctx: Any) -> list[Path]:
    """Run the chosen formats' writers for one frame (no ``.done`` marker).

    Args:
        out_dir: where the files go (the dataset folder, or a camera folder).
        spec: the frame (as seen by the camera being written).
        buffers: its passes and sensor outputs.
        outputs: format names (None: :data:`DEFAULT_OUTPUTS`).
        scope: only ``camera`` or only ``frame`` formats (None: both).
        **ctx: passed to every writer (``blender_version``).

    Returns:
        The files written, in writing order.
    """
    written: list[Path] = []
    for fmt in selected_formats(outputs, scope):
        written.extend(fmt.write(out_dir, spec, buffers, **ctx))
    return written


def write_frame(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                blender_version: str | None = None, *, outputs: Sequence[str] | None = None,
                **ctx: Any) -> list[Path]:
    """Write every file of one frame, then its ``.done/NNNNNN`` marker.

    An old marker is removed first, so a frame whose writing fails part-way is never
    reported complete; each file is written atomically, so none is left half-written.

    Args:
        out_dir: the dataset folder.
        spec: the frame's scene spec.
        buffers: the frame's passes, after the sensors stage (:func:`synthscape.sensors.run_sensors`).
        blender_version: ``bpy.app.version_string`` for ``meta`` (the caller reads it).
        outputs: format names (None: the spec's ``outputs`` if the run plan set them, else
            :data:`DEFAULT_OUTPUTS`); keyword-only, so ``write_frame(dir, spec, buffers, "5.0.1")``
            keeps working.
        **ctx: extra keyword arguments passed to every writer.

    Returns:
        The files written, marker last.
    """
    chosen = outputs if outputs is not None else _spec_outputs(spec)
    done_marker(out_dir, spec.frame_index).unlink(missing_ok=True)
    written = write_frame_files(out_dir, spec, buffers, chosen, blender_version=blender_version, **ctx)
    return [*written, write_done_marker(out_dir, spec.frame_index, written)]


def finalize_outputs(ctx: FinalizeContext, outputs: Sequence[str] | None,
                     camera_dirs: Sequence[Path] = ()) -> list[Path]:
    """Run the chosen formats' finalize steps (``merge`` calls this).

    Frame-scope finalizers run once at ``ctx.out_dir``; camera-scope ones run there and in
    each of ``camera_dirs`` (``DIR/cameras/NAME`` of a multi-camera rig).

    Returns:
        The dataset-level files written.
    """
    written: list[Path] = []
    for fmt in selected_formats(outputs):
        if fmt.finalize is None:
            continue
        folders = [ctx.out_dir] + (list(camera_dirs) if fmt.scope == "camera" else [])
        for folder in folders:
            written.extend(fmt.finalize(dataclasses.replace(ctx, out_dir=Path(folder))))
    return written
