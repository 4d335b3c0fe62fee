"""synthscape: YAML scene recipe -> randomized Blender scenes -> labeled synthetic dataset.

The public API (importable without ``bpy``):

* :func:`load_recipe`, :func:`parse_recipe`: read and validate a recipe.
* :func:`sample_scene`: the resolved :class:`SceneSpec` of one frame.
* :func:`render_dataset`, :class:`RenderJob`: the pipeline every front end calls.
* :func:`write_frame`, :func:`write_contact_sheet`: writers.
* :func:`augment_dataset`: 2D augmentation of a rendered dataset.

The Blender renderer is :class:`synthscape.blender.render.CyclesRenderer` (imports ``bpy``).
"""

from synthscape.buffers import FrameBuffers, SceneMesh
from synthscape.errors import RecipeError, SynthscapeError
from synthscape.pipeline import RenderJob, RunSummary, render_dataset
from synthscape.recipe.load import load_recipe, parse_recipe
from synthscape.recipe.schema import Recipe
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import SceneSpec, spec_from_dict, spec_to_json
from synthscape.versions import package_version
from synthscape.writers import frame_is_complete, write_frame

__version__ = package_version()

_LAZY = {"augment_dataset": "synthscape.augment.dataset", "write_contact_sheet": "synthscape.preview"}
"""Names whose modules need OpenCV, which Blender does not ship: imported on first use."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'synthscape' has no attribute {name!r}")

__all__ = [
    "FrameBuffers", "Recipe", "RecipeError", "RenderJob", "RunSummary", "SceneMesh", "SceneSpec",
    "SynthscapeError", "augment_dataset", "frame_is_complete", "load_recipe", "parse_recipe",
    "render_dataset", "sample_scene", "spec_from_dict", "spec_to_json", "write_contact_sheet",
    "write_frame",
]
