"""synthscape: YAML scene recipe -> randomized Blender scenes -> labeled synthetic dataset.

The public API (importable without ``bpy``):

* :func:`load_recipe`, :func:`parse_recipe`: read and validate a recipe.
* :class:`RenderJob` (what a front end asks for), :func:`plan_run` -> :class:`RunPlan` (every
  effective value of the run, resolved once).
* :func:`sample_frame`: the resolved :class:`SceneSpec` of one frame of a plan
  (:func:`sample_scene`: straight from a recipe, for previews).
* :func:`render_dataset`: the pipeline every front end calls.
* :func:`write_frame`, :func:`known_outputs`, :func:`write_contact_sheet`: writers.
* :func:`augment_dataset`: 2D augmentation of a rendered dataset.

The Blender renderer is :class:`synthscape.blender.render.CyclesRenderer` (imports ``bpy``).
"""

from synthscape.buffers import FrameBuffers, SceneMesh
from synthscape.errors import RecipeError, SynthscapeError
from synthscape.pipeline import RunSummary, plan_run, render_dataset
from synthscape.plan import RenderJob, RunPlan
from synthscape.recipe.load import load_recipe, parse_recipe
from synthscape.recipe.schema import Recipe
from synthscape.spec.sample import sample_frame, sample_scene
from synthscape.spec.scene_spec import SceneSpec, spec_from_dict, spec_to_json
from synthscape.versions import package_version
from synthscape.writers import frame_is_complete, known_outputs, write_frame

__version__ = package_version()

_LAZY = {"augment_dataset": "synthscape.augment.dataset", "write_contact_sheet": "synthscape.preview"}
"""Names whose modules need OpenCV, which Blender does not ship: imported on first use."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'synthscape' has no attribute {name!r}")

__all__ = [
    "FrameBuffers", "Recipe", "RecipeError", "RenderJob", "RunPlan", "RunSummary", "SceneMesh", "SceneSpec",
    "SynthscapeError", "augment_dataset", "frame_is_complete", "known_outputs", "load_recipe", "parse_recipe",
    "plan_run", "render_dataset", "sample_frame", "sample_scene", "spec_from_dict", "spec_to_json",
    "write_contact_sheet", "write_frame",
]
