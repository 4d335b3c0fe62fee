"""What one frame's sampler stages share: the draft they fill in, materials, and the sampling errors.

The stages themselves live in :mod:`synthscape.spec.sample` (camera, lights, world, ...) and
:mod:`synthscape.spec.objects` (object groups: shapes, orientation, placement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthscape.errors import SynthscapeError
from synthscape.plan.run_plan import RunPlan
from synthscape.recipe.schema import (
    GeneratedTextureRecipe,
    ImageTextureRecipe,
    MaterialRecipe,
)
from synthscape.spec.optics import OpticsSpec
from synthscape.spec.pbr import sample_pbr_maps, sample_texture_mapping
from synthscape.spec.scene_spec import (
    CameraSpec,
    GroundSpec,
    LightSpec,
    MaterialSpec,
    ObjectSpec,
    RigSpec,
    TextureMapping,
    TextureSource,
    WorldSpec,
)
from synthscape.spec.seeds import stage_rng
from synthscape.spec.textures import texture_source
from synthscape.textures import pool_key, sample_texture


class SamplingError(SynthscapeError):
    """A frame cannot be sampled from the recipe (names the recipe file and key)."""


class PlacementError(SamplingError):
    """An object could not be placed and the recipe says ``on_failure: error``."""



def tuple3(values: Sequence[float]) -> tuple[float, float, float]:
    """Three floats from a sequence."""
    return (float(values[0]), float(values[1]), float(values[2]))



def sample_material(material: MaterialRecipe, rng: np.random.Generator,
                    texture_pools: Mapping[str, Sequence[Any]] | None = None,
                    texture_rng: np.random.Generator | None = None,
                    library_rng: np.random.Generator | None = None) -> MaterialSpec:
    """Draw a material's parameters.

    ``texture_pools`` maps :func:`~synthscape.textures.pool_key` to resolved textures; when it
    is None (validation, spec previews) generated textures are left out of the spec. The
    texture is chosen with ``texture_rng`` (default ``rng``); a ``library`` texture set, its
    mapping and strengths with ``library_rng`` (default ``rng``).
    """
    base_color = tuple3(material.base_color.sample(rng))
    roughness = float(material.roughness.sample(rng))
    metallic = float(material.metallic.sample(rng))
    texture_path, mapping, source = None, TextureMapping(), None
    tex = material.texture
    if isinstance(tex, GeneratedTextureRecipe) and texture_pools is not None:
        key = pool_key(tex)
        if key not in texture_pools:
            raise KeyError(f"texture pool {key} was not resolved before sampling")
        entry = sample_texture(texture_pools[key], texture_rng or rng)
        texture_path, source = str(entry.path), texture_source(entry)
    elif isinstance(tex, ImageTextureRecipe):
        texture_path, source = tex.path, TextureSource(provider="file")
    if texture_path is not None:
        assert tex is not None
        mapping = sample_texture_mapping(tex.mapping, rng)
    pbr = None
    if material.library is not None:
        pbr, mapping = sample_pbr_maps(material.library, library_rng if library_rng is not None else rng)
    noise_scale, noise_strength = None, 0.0
    if material.noise is not None:
        noise_scale = float(material.noise.scale.sample(rng))
        noise_strength = float(material.noise.strength.sample(rng))
    return MaterialSpec(base_color=base_color, roughness=roughness, metallic=metallic,
                        texture_path=texture_path, texture_mapping=mapping, texture_source=source,
                        noise_scale=noise_scale, noise_strength=noise_strength,
                        lidar_reflectivity=material.lidar_reflectivity,
                        retroreflective=material.retroreflective, pbr=pbr)


@dataclass
class FrameDraft:
    """What the stages of one frame have drawn so far (the stages fill it in order)."""

    plan: RunPlan
    frame_index: int
    texture_pools: Mapping[str, Sequence[Any]] | None
    target: np.ndarray | None = None
    camera: CameraSpec | None = None
    rig: RigSpec = RigSpec()
    objects: tuple[ObjectSpec, ...] = ()
    distractors: tuple[ObjectSpec, ...] = ()
    """Unlabelled objects (``label: false`` groups), numbered from 1 in their own id space."""
    lights: tuple[LightSpec, ...] = ()
    world: WorldSpec = WorldSpec()
    ground: GroundSpec | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    optics: OpticsSpec | None = None
    object_groups: dict[int, int] = field(default_factory=dict)
    """Index in ``objects:`` of each object's group, by instance id (filled by the ``objects`` stage)."""
    supports: tuple[Any, ...] = ()
    """The frame's :class:`~synthscape.spec.supports.SupportSpec` s (stage ``supports``, before ``objects``)."""
    bodies: list[Any] = field(default_factory=list)
    """:class:`~synthscape.spec.physics.BodySpec` of each object placed by physics, in order."""

    def rng(self, stage: str, *extra: int) -> np.random.Generator:
        """The generator of ``stage`` for this frame (``extra`` words: e.g. an instance id)."""
        return stage_rng(self.plan.seed, self.frame_index, stage, *extra)

    def material(self, material: MaterialRecipe, key: int) -> MaterialSpec:
        """A material drawn from the ``materials`` stream of object ``key`` (0 = the ground)."""
        return sample_material(material, self.rng("materials", key), self.texture_pools,
                               texture_rng=self.rng("textures", key), library_rng=self.rng("material_library", key))


