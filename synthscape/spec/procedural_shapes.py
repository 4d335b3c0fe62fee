"""The sampler's side of procedural shapes: draw a group's generator parameters per object and
get the generated mesh (from the asset cache, or built once and cached)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthscape.assets.procedural.cache import COLOR_ATTRIBUTE, procedural_mesh
from synthscape.recipe.procedural import ProceduralRecipe
from synthscape.spec.draft import FrameDraft


@dataclass(frozen=True)
class ProceduralShape:
    """One object's generated mesh and its record."""

    mesh_path: str
    bbox_min: tuple[float, float, float]
    bbox_max: tuple[float, float, float]
    color_attribute: str
    """The mesh's part-colour attribute as Blender's PLY importer names it."""
    record: dict[str, Any]
    """``kind`` and every parameter the mesh was built from (``ObjectSpec.procedural``)."""


def sample_procedural(draft: FrameDraft, recipe: ProceduralRecipe, instance_id: int) -> ProceduralShape:
    """The generated shape of object ``instance_id``: parameters from ``draft.rng("procedural", instance_id)``."""
    params = recipe.sample(draft.rng("procedural", instance_id))
    mesh = procedural_mesh(recipe.kind, params)
    return ProceduralShape(mesh_path=mesh.path, bbox_min=mesh.bbox_min, bbox_max=mesh.bbox_max,
                           color_attribute=COLOR_ATTRIBUTE, record={"kind": recipe.kind, **mesh.params})
