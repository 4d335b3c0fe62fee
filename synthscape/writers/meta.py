"""Per-frame metadata: ``meta/NNNNNN.json``.

The file is the frame's resolved scene spec (:func:`spec_to_dict`, floats rounded to
9 decimals) plus the frame seed, each object's category name and the software
versions. It holds no timestamps or host names, so identical inputs give identical
bytes; :func:`spec_from_meta` rebuilds the :class:`SceneSpec` from it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.io.atomic import write_text_atomic
from synthscape.spec.scene_spec import SceneSpec, spec_from_dict, spec_to_dict
from synthscape.versions import software_versions
from synthscape.writers.layout import frame_file
from synthscape.writers.registry import OutputFormat, register_output

META_SCHEMA_VERSION = 1
_ADDED_TOP = ("frame_seed", "versions", "meta_schema_version", "sequence")
_ADDED_OBJECT = ("category_name",)


def frame_meta(spec: SceneSpec, blender_version: str | None = None) -> dict[str, Any]:
    """The JSON-ready metadata of one frame.

    Keys: everything of ``spec_to_dict(spec)`` (``frame_index``, ``dataset_seed``,
    ``camera`` with ``K``/``world_to_camera``/``width``/``height``/``focal_length_mm``/
    ``sensor_width_mm``, ``objects`` with pose, bbox, shape, mesh path and material,
    ``lights``, ``world``, ``ground``, ``render``, ``categories``, ``extras``), plus
    ``frame_seed`` = ``[dataset_seed, frame_index]`` (the ``SeedSequence`` entropy),
    ``objects[*].category_name`` and ``versions``; a sequence frame also has ``sequence``
    (:func:`sequence_meta`: step, time, camera and object poses and velocities).

    Args:
        spec: the frame's scene spec.
        blender_version: ``bpy.app.version_string`` given by the caller (None: omitted).
    """
    data = spec_to_dict(spec)
    names = {c.id: c.name for c in spec.categories}
    for obj in data["objects"]:
        obj["category_name"] = names.get(obj["category_id"], f"unknown-{obj['category_id']}")
    data["frame_seed"] = [spec.dataset_seed, spec.frame_index]
    data["versions"] = software_versions(blender_version)
    data["meta_schema_version"] = META_SCHEMA_VERSION
    if spec.motion is not None:
        data["sequence"] = sequence_meta(spec)
    return data


def _rounded(values: Any) -> list[float]:
    return [0.0 if round(float(v), 9) == 0 else round(float(v), 9) for v in values]


def sequence_meta(spec: SceneSpec) -> dict[str, Any]:
    """The ``sequence`` block of a sequence frame's meta: where and when the frame is, and what moves how.

    Keys: ``sequence``, ``step``, ``time_s``, ``fps``; ``camera`` (the main camera's world
    ``location`` of its centre, ``world_to_camera``, ``linear_velocity`` m/s and world
    ``angular_velocity`` rad/s); ``objects``: per object ``instance_id`` (its track id: the same
    in every frame of the sequence), ``location``, ``rotation`` (XYZ Euler, radians),
    ``linear_velocity`` and ``angular_velocity`` (zero for an object that stands still).
    """
    assert spec.motion is not None
    clock, motion = spec.frame_clock(), spec.motion
    world_to_camera = np.asarray(spec.camera.world_to_camera, dtype=np.float64)
    centre = -world_to_camera[:3, :3].T @ world_to_camera[:3, 3]
    moving = {m.instance_id: m for m in motion.objects}
    still = (0.0, 0.0, 0.0)
    objects = [{"instance_id": o.instance_id, "location": _rounded(o.location), "rotation": _rounded(o.rotation),
                "linear_velocity": _rounded(moving[o.instance_id].linear_velocity if o.instance_id in moving else still),
                "angular_velocity": _rounded(moving[o.instance_id].angular_velocity
                                             if o.instance_id in moving else still)}
               for o in spec.objects]
    camera = {"location": _rounded(centre), "world_to_camera": [_rounded(row) for row in world_to_camera],
              "linear_velocity": _rounded(motion.camera_linear_velocity),
              "angular_velocity": _rounded(motion.camera_angular_velocity)}
    return {"sequence": clock.sequence, "step": clock.step, "time_s": round(clock.time_s, 9), "fps": clock.fps,
            "camera": camera, "objects": objects}


def meta_to_json(meta: dict[str, Any]) -> str:
    """Canonical bytes of a meta dict: sorted keys, one-space indent, trailing newline."""
    return json.dumps(meta, sort_keys=True, indent=1, allow_nan=False) + "\n"


def spec_from_meta(meta: dict[str, Any]) -> SceneSpec:
    """Rebuild the frame's :class:`SceneSpec` from a ``meta/*.json`` dict."""
    data = {k: v for k, v in meta.items() if k not in _ADDED_TOP}
    data["objects"] = [{k: v for k, v in o.items() if k not in _ADDED_OBJECT} for o in meta["objects"]]
    return spec_from_dict(data)


def write_meta(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
               blender_version: str | None = None, **ctx: Any) -> list[Path]:
    """``meta/NNNNNN.json`` for the frame (``buffers`` is not used)."""
    text = meta_to_json(frame_meta(spec, blender_version))
    return [write_text_atomic(frame_file(out_dir, "meta", spec.frame_index, "json"), text)]


register_output(OutputFormat("meta", write_meta, scope="frame",
                             description="meta/NNNNNN.json: the frame's resolved spec, seed and versions"))
