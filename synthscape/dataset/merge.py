"""``synthscape merge``: assemble a dataset's per-frame fragments into its dataset files.

Runs the dataset-level finalize step of every chosen output format
(:func:`synthscape.writers.finalize_outputs`: ``coco/annotations.json``, ``kitti/ImageSets``,
``lidar/semantic-kitti.yaml``, ``yolo/data.yaml``, ...) and writes ``dataset.json``. The
output depends only on the frame files, never on how the frames were split across
processes or machines, so a merged sharded run is byte-identical to a single run.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthscape.assets.provenance import asset_provenance
from synthscape.dataset.resume import clean_stale_temp_files, dataset_level_only
from synthscape.dataset.run_record import RunRecord, require_run_record
from synthscape.dataset.status import MERGED_KEY, DatasetStatus, dataset_status, format_ranges, merged_frames_record
from synthscape.errors import SynthscapeError
from synthscape.writers.coco import ANNOTATIONS_FILE, FRAGMENT_DIR, INSTANCE_STRIDE, category_counts
from synthscape.writers.layout import camera_dir, frame_file


class MergeError(SynthscapeError):
    """The dataset cannot be merged: incomplete, or fragments that contradict each other."""


@dataclass
class MergeResult:
    """What a merge wrote.

    Attributes:
        status: the frame states the merge saw.
        frames_merged: frames whose fragments went into the annotations.
        category_counts: annotated instances per category name.
        written: the dataset-level files written.
    """

    status: DatasetStatus
    frames_merged: int
    category_counts: dict[str, int]
    written: list[Path] = field(default_factory=list)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise MergeError(f"{path}: cannot read ({error}), though its size matches the frame's marker "
                         f"(changed in place?); delete .done/{path.stem} and rerun `synthscape render` to redo "
                         "the frame") from None


def check_fragment(path: Path, frame_index: int, fragment: dict[str, Any], category_ids: set[int]) -> None:
    """Check a COCO fragment belongs to its frame and uses only the run's categories.

    Raises:
        MergeError: naming the file, the bad id and the fix.
    """
    images = fragment.get("images", [])
    if [image.get("id") for image in images] != [frame_index + 1]:
        raise MergeError(f"{path}: images {[i.get('id') for i in images]} should be [{frame_index + 1}] "
                         f"(image_id = frame index + 1); the fragment belongs to another frame or dataset")
    for annotation in fragment.get("annotations", []):
        if annotation.get("id", -1) // INSTANCE_STRIDE != frame_index or annotation.get("image_id") != frame_index + 1:
            raise MergeError(f"{path}: annotation id {annotation.get('id')} / image_id {annotation.get('image_id')} "
                             f"is not from frame {frame_index} (id = frame * {INSTANCE_STRIDE} + instance)")
        if annotation.get("category_id") not in category_ids:
            raise MergeError(f"{path}: annotation {annotation.get('id')} has category_id "
                             f"{annotation.get('category_id')}, not among the run's categories "
                             f"{sorted(category_ids)} (run.json); the frame was rendered from another recipe")


def check_meta_categories(out_dir: Path, frame_index: int, record: RunRecord) -> str | None:
    """Check the frame's ``meta`` categories and dataset seed equal the run's; return its Blender version.

    Raises:
        MergeError: the categories or the seed differ.
    """
    path = frame_file(out_dir, "meta", frame_index, "json")
    if not path.is_file():
        return None
    meta = _read_json(path)
    found = sorted((int(c["id"]), str(c["name"])) for c in meta.get("categories", []))
    expected = sorted((c.id, c.name) for c in record.categories)
    if found != expected:
        raise MergeError(f"{path}: categories {found} differ from the run's {expected} (run.json); "
                         "frames from different recipes are mixed in this folder")
    seed = meta.get("dataset_seed")
    if seed is not None and int(seed) != record.seed:
        raise MergeError(f"{path}: the frame was rendered with dataset seed {seed}, but this run's seed is "
                         f"{record.seed} (run.json); frames from different runs are mixed in this folder: "
                         "render them again into this --out, or into a folder of their own")
    return meta.get("versions", {}).get("blender")


def check_frames(out_dir: Path, frames: list[int], record: RunRecord) -> str | None:
    """Check every merged frame's fragment and meta; return a Blender version seen in meta."""
    category_ids = {c.id for c in record.categories}
    blender = None
    for index in frames:
        path = frame_file(out_dir, FRAGMENT_DIR, index, "json")
        if path.is_file():
            check_fragment(path, index, _read_json(path), category_ids)
        blender = check_meta_categories(out_dir, index, record) or blender
    return blender


def texture_provenance(out_dir: Path, frames: list[int]) -> list[dict[str, Any]]:
    """Every image texture the merged frames used, with its provider and model (from meta).

    One record per texture file, sorted; derived from the frames themselves, so a sharded
    and a single-process run give the same list. Empty when ``meta`` is not among the outputs.
    """
    found: dict[str, dict[str, Any]] = {}
    for index in frames:
        path = frame_file(out_dir, "meta", index, "json")
        if not path.is_file():
            continue
        meta = _read_json(path)
        materials = [o["material"] for o in meta.get("objects", [])]
        materials += [meta["ground"]["material"]] if meta.get("ground") else []
        for material in materials:
            source = material.get("texture_source")
            if material.get("texture_path") and source:
                name = Path(material["texture_path"]).name
                found[name] = {"file": name, "provider": source.get("provider"), "model": source.get("model"),
                               "prompt": source.get("prompt"), "ai_generated": bool(source.get("ai_generated"))}
    return [found[name] for name in sorted(found)]


def frame_metas(out_dir: Path, frames: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(frame index, meta dict)`` of every merged frame that has a ``meta`` file."""
    for index in frames:
        path = frame_file(out_dir, "meta", index, "json")
        if path.is_file():
            yield index, _read_json(path)


def refuse_incomplete(status: DatasetStatus) -> None:
    """Raise a :class:`MergeError` listing the frames that are not done."""
    parts = []
    if status.missing:
        parts.append(f"{len(status.missing)} missing ({format_ranges(status.missing)})")
    if status.failed:
        parts.append(f"{len(status.failed)} unfinished ({format_ranges(status.failed)})")
    raise MergeError(f"{status.out_dir}: {len(status.done)}/{status.frames} frames done, "
                     f"{'; '.join(parts)}. Rerun the render (or the failed shards) to finish them, "
                     "or pass --allow-partial to merge the done frames only")


def run_outputs(record: RunRecord) -> tuple[str, ...] | None:
    """The run's output formats: the run record's, else the recipe's ``outputs:`` (None = default)."""
    outputs = getattr(record, "outputs", None) or (record.recipe or {}).get("outputs")
    return tuple(outputs) if outputs else None


def finalize_frames(out_dir: Path, frames: list[int], record: RunRecord,
                    outputs: Sequence[str] | None) -> tuple[list[Path], dict[str, int]]:
    """Run the output formats' finalize steps over the merged frames.

    Returns:
        The files written, and the annotated instances per category name (from
        ``coco/annotations.json`` when ``coco`` is among the outputs, else empty).
    """
    from synthscape.writers import check_outputs, finalize_outputs
    from synthscape.writers.registry import FinalizeContext

    chosen = check_outputs(outputs, "run.json: outputs")
    ctx = FinalizeContext(out_dir=out_dir, frames=tuple(frames), dataset_seed=record.seed,
                          categories=tuple(record.categories), name=record.name)
    main, *others = record.cameras or ("camera",)
    cameras = [camera_dir(out_dir, name, main) for name in others]
    written = finalize_outputs(ctx, chosen, camera_dirs=cameras)
    annotations = out_dir / ANNOTATIONS_FILE
    counts = category_counts(_read_json(annotations)) if "coco" in chosen and annotations in written else {}
    return written, counts


def merge_dataset(out_dir: str | os.PathLike[str], *, allow_partial: bool = False,
                  record: RunRecord | None = None, summary: Any = None,
                  outputs: Sequence[str] | None = None) -> MergeResult:
    """Merge the done frames of ``out_dir``: every output's finalize step, then ``dataset.json``.

    Args:
        out_dir: the dataset folder (with ``run.json``).
        allow_partial: merge even when frames are missing or unfinished.
        record: the run parameters (default: read ``run.json``).
        outputs: the output formats to finalize (default: :func:`run_outputs` of the record).
        summary: a :class:`synthscape.pipeline.RunSummary` whose timings and device go
            into ``dataset.json`` (single-machine runs); None for a standalone merge.

    Raises:
        RunRecordError: no ``run.json``.
        MergeError: the dataset is incomplete (without ``allow_partial``), or a fragment
            or meta file contradicts the run (wrong ids, other categories).
    """
    out = Path(out_dir)
    record = record or require_run_record(out)
    status = dataset_status(out, record.frames, record.num_shards)
    if not status.complete and not allow_partial:
        refuse_incomplete(status)
    if status.extra:
        raise MergeError(f"{out}: frames {format_ranges(status.extra)} are beyond the run's {record.frames} frames "
                         "(run.json); they come from another run: delete them or use a new folder")
    clean_stale_temp_files(out, dataset_level_only)
    blender = check_frames(out, status.done, record)
    written, counts = finalize_frames(out, status.done, record, outputs if outputs is not None else run_outputs(record))
    textures = texture_provenance(out, status.done)
    assets = asset_provenance(frame_metas(out, status.done), Path(record.recipe_path).resolve().parent)
    written.append(_write_dataset_json(out, record, status, counts, summary, blender, textures, assets))
    return MergeResult(status=status, frames_merged=len(status.done), category_counts=counts, written=written)


def _write_dataset_json(out: Path, record: RunRecord, status: DatasetStatus, counts: dict[str, int],
                        summary: Any, blender: str | None, textures: list[dict[str, Any]],
                        assets: list[dict[str, Any]]) -> Path:
    from synthscape.versions import software_versions
    from synthscape.writers.dataset_json import write_dataset_json

    device = dict(getattr(summary, "device_info", None) or {})
    timings: dict[str, Any] = {"frames_merged": len(status.done), "host": socket.gethostname(),
                               "platform": platform.platform(),
                               "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if summary is not None:
        timings.update(seconds=round(summary.seconds, 3), render_seconds=round(summary.render_seconds, 3),
                       frames_rendered=len(summary.frames_rendered))
    return write_dataset_json(
        out, recipe_dict=record.recipe, dataset_seed=record.seed, frame_count=record.frames,
        versions=software_versions(device.get("blender_version") or blender), category_counts=counts,
        timings=timings, device_info=device,
        extra={"recipe_path": record.recipe_path, "complete": status.complete,
               "frames_done": len(status.done), "textures": textures, "assets": assets,
               MERGED_KEY: merged_frames_record(out, status.done)})
