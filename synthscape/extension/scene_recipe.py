"""The add-on's panel values as plain data, and the recipe "use my scene" mode generates.

The add-on converts its Blender properties into :class:`PanelSettings` at the boundary and
never passes Blender objects further. In scene mode the tagged objects become mesh groups of
an ordinary recipe, so the add-on and ``synthscape render`` run the very same pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from synthscape.io.atomic import write_atomic, write_text_atomic

Range = tuple[float, float]

SCENE_RECIPE_DIR = "scene_recipe"
"""Folder inside the output folder that holds the generated recipe and its meshes."""


@dataclass(frozen=True)
class PanelSettings:
    """Everything the panel sets, as plain values (angles in degrees, lengths in metres)."""

    mode: Literal["recipe", "scene"] = "recipe"
    recipe_path: str = ""
    out_dir: str = ""
    frames: int = 10
    seed: int = 0
    resolution: tuple[int, int] = (640, 480)
    samples: int = 64
    device: Literal["auto", "cpu", "gpu"] = "auto"
    kitti: bool = True
    """Write KITTI labels for categories that have a KITTI type."""
    lidar: bool = False
    lidar_preset: str = "vlp16"
    camera_distance: Range = (3.0, 6.0)
    camera_elevation: Range = (15.0, 60.0)
    camera_azimuth: Range = (0.0, 360.0)
    light_count: tuple[int, int] = (1, 3)
    light_intensity: Range = (300.0, 1000.0)
    """Watts (point lights)."""
    light_temperature: Range = (3500.0, 7500.0)
    """Kelvin."""
    randomize_color: bool = True
    randomize_roughness: bool = True
    roughness: Range = (0.2, 0.9)
    texture_source: Literal["none", "procedural", "openai", "folder"] = "none"
    texture_prompt: str = ""
    texture_folder: str = ""
    randomize_pose: bool = True
    """Place objects on the ground without overlap; otherwise keep their locations."""
    placement_area: tuple[float, float] = (4.0, 4.0)
    yaw: Range = (0.0, 360.0)
    ground: bool = True
    ground_size: tuple[float, float] = (10.0, 10.0)


@dataclass(frozen=True)
class TaggedObject:
    """A tagged object of the user's scene, already exported to a mesh file."""

    name: str
    category: str
    kitti_type: str | None
    mesh_file: str
    """File name inside the recipe's ``meshes/`` folder."""
    location: tuple[float, float, float]
    base_color: tuple[float, float, float] = (0.8, 0.8, 0.8)
    extras: dict[str, Any] = field(default_factory=dict)


def _uniform(bounds: Range) -> dict[str, list[float]] | float:
    low, high = float(min(bounds)), float(max(bounds))
    return low if low == high else {"uniform": [low, high]}


def _material(settings: PanelSettings, obj: TaggedObject) -> dict[str, Any]:
    material: dict[str, Any] = {
        "base_color": [{"uniform": [0.0, 1.0]}] * 3 if settings.randomize_color else list(obj.base_color),
        "roughness": _uniform(settings.roughness) if settings.randomize_roughness else 0.5,
    }
    if settings.texture_source == "procedural":
        material["texture"] = {"source": "procedural"}
    elif settings.texture_source == "openai":
        material["texture"] = {"source": "openai", "prompt": settings.texture_prompt}
    elif settings.texture_source == "folder":
        material["texture"] = {"source": "folder", "folder": settings.texture_folder}
    return material


def _categories(settings: PanelSettings, objects: list[TaggedObject]) -> list[dict[str, Any]]:
    seen: dict[str, str | None] = {}
    for obj in objects:
        seen.setdefault(obj.category, obj.kitti_type or None)
    return [{"name": name, "kitti_type": kitti if settings.kitti else None} for name, kitti in seen.items()]


def scene_recipe(settings: PanelSettings, objects: list[TaggedObject]) -> dict[str, Any]:
    """A recipe (plain data, relative mesh paths) randomizing the tagged objects' scene.

    Raises:
        ValueError: no tagged objects.
    """
    if not objects:
        raise ValueError("no tagged objects: select meshes and press 'Tag Selected' in the Objects panel")
    centre = np.mean([o.location for o in objects], axis=0)
    groups = []
    for obj in objects:
        group: dict[str, Any] = {"category": obj.category, "mesh": f"meshes/{obj.mesh_file}", "count": 1,
                                 "yaw": _uniform(settings.yaw) if settings.randomize_pose else 0.0,
                                 "material": _material(settings, obj)}
        if not settings.randomize_pose:
            group["location"] = [float(v) for v in obj.location]
        groups.append(group)
    recipe: dict[str, Any] = {
        "schema_version": 1, "name": "blender_scene", "seed": settings.seed, "frames": settings.frames,
        "categories": _categories(settings, objects), "objects": groups,
        "placement": {"area": list(settings.placement_area), "center": [float(centre[0]), float(centre[1])]},
        "ground": {"size": list(settings.ground_size)} if settings.ground else None,
        "lights": [{"type": "point", "count": {"randint": list(settings.light_count)},
                    "intensity": _uniform(settings.light_intensity),
                    "temperature": _uniform(settings.light_temperature)}],
        "camera": {"resolution": list(settings.resolution), "target": [float(v) for v in centre],
                   "distance": _uniform(settings.camera_distance),
                   "elevation": _uniform(settings.camera_elevation),
                   "azimuth": _uniform(settings.camera_azimuth)},
        "render": {"samples": settings.samples, "device": settings.device},
    }
    if settings.lidar:
        recipe["lidar"] = {"preset": settings.lidar_preset}
    return recipe


def write_scene_recipe(recipe: dict[str, Any], folder: Path) -> Path:
    """Write ``recipe.yaml`` into ``folder`` (which holds ``meshes/``); returns its path."""
    return write_text_atomic(folder / "recipe.yaml", yaml.safe_dump(recipe, sort_keys=False))


def write_ply(path: Path, vertices: np.ndarray, triangles: np.ndarray) -> Path:
    """Write a binary PLY mesh with trimesh (Z up, metres, as Blender's PLY importer expects).

    Args:
        vertices: (N, 3) float positions.
        triangles: (M, 3) integer vertex indices.
    """
    import trimesh

    mesh = trimesh.Trimesh(vertices=np.asarray(vertices, dtype=np.float64).reshape(-1, 3),
                           faces=np.asarray(triangles, dtype=np.int64).reshape(-1, 3), process=False)
    payload = mesh.export(file_type="ply")
    return write_atomic(path, lambda tmp: tmp.write_bytes(payload))
