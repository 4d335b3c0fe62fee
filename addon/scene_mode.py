"""Use-my-scene mode: tagged objects -> mesh files + a recipe; and the job every operator runs.

Tags are custom properties on objects (``synthscape_category``, ``synthscape_kitti_type``),
so they are saved in the .blend and survive without the add-on.
"""

from __future__ import annotations

import re
from pathlib import Path

import bpy
import numpy as np

from synthscape.extension.scene_recipe import (
    SCENE_RECIPE_DIR,
    PanelSettings,
    TaggedObject,
    scene_recipe,
    write_ply,
    write_scene_recipe,
)
from synthscape.plan.run_plan import RenderJob

CATEGORY_KEY = "synthscape_category"
KITTI_KEY = "synthscape_kitti_type"


def tagged_objects(scene: bpy.types.Scene) -> list[bpy.types.Object]:
    """Mesh objects of ``scene`` with a category tag, sorted by name (stable instance ids)."""
    return sorted((o for o in scene.objects if o.type == "MESH" and o.get(CATEGORY_KEY)), key=lambda o: o.name)


def tag(obj: bpy.types.Object, category: str, kitti_type: str) -> None:
    """Store the category (and KITTI type, '' for none) on the object."""
    obj[CATEGORY_KEY] = category
    obj[KITTI_KEY] = kitti_type


def untag(obj: bpy.types.Object) -> None:
    """Remove the tags from the object."""
    for key in (CATEGORY_KEY, KITTI_KEY):
        if key in obj:
            del obj[key]


def _world_oriented_mesh(obj: bpy.types.Object, depsgraph: bpy.types.Depsgraph) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3) vertices with rotation and scale applied about the origin, (M, 3) triangles."""
    from synthscape.blender.mesh_export import local_mesh_arrays

    local, triangles = local_mesh_arrays(obj.evaluated_get(depsgraph))
    linear = np.array(obj.matrix_world, dtype=np.float64)[:3, :3]
    return local @ linear.T, triangles


def _base_color(obj: bpy.types.Object) -> tuple[float, float, float]:
    material = obj.active_material
    return tuple(material.diffuse_color[:3]) if material is not None else (0.8, 0.8, 0.8)


def export_tagged(scene: bpy.types.Scene, folder: Path) -> list[TaggedObject]:
    """Write each tagged object's mesh to ``folder/meshes/<name>.ply``.

    Rotation, scale and modifiers are baked in; the origin stays at the object's location.
    """
    depsgraph = bpy.context.evaluated_depsgraph_get()
    found = []
    for index, obj in enumerate(tagged_objects(scene)):
        vertices, triangles = _world_oriented_mesh(obj, depsgraph)
        if len(triangles) == 0:
            continue
        filename = f"{index:03d}_{re.sub(r'[^A-Za-z0-9_.-]+', '_', obj.name)}.ply"
        write_ply(folder / "meshes" / filename, vertices, triangles)
        found.append(TaggedObject(name=obj.name, category=str(obj[CATEGORY_KEY]),
                                  kitti_type=str(obj.get(KITTI_KEY) or "") or None, mesh_file=filename,
                                  location=tuple(obj.matrix_world.translation), base_color=_base_color(obj)))
    return found


def prepare_job(scene: bpy.types.Scene, settings: PanelSettings, folder: Path | None = None) -> RenderJob:
    """The render job of the panel: the recipe file, or the scene recipe written to the output folder.

    Args:
        folder: where scene mode writes its recipe and meshes (default ``<out>/scene_recipe``).

    Raises:
        ValueError: no output folder, no recipe file, or no tagged objects (message for the user).
    """
    if not settings.out_dir:
        raise ValueError("Outputs: set an output folder")
    if settings.mode == "recipe":
        if not settings.recipe_path:
            raise ValueError("Recipe: choose a recipe YAML file, or switch to 'Use My Scene'")
        return RenderJob(recipe_path=settings.recipe_path, out_dir=Path(settings.out_dir), frames=settings.frames,
                         seed=settings.seed, resolution=tuple(settings.resolution), samples=settings.samples,
                         device=settings.device)
    folder = folder or Path(settings.out_dir) / SCENE_RECIPE_DIR
    objects = export_tagged(scene, folder)
    path = write_scene_recipe(scene_recipe(settings, objects), folder)
    return RenderJob(recipe_path=str(path), out_dir=Path(settings.out_dir))
