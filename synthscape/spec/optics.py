"""Camera optics and sensor of one frame: motion blur, depth of field, exposure and noise.

:class:`OpticsSpec` is the resolved ``optics:`` recipe section (no randomness left); the
sampler's ``optics`` stage fills it, the Blender layer realizes the motion blur and depth of
field (:mod:`synthscape.blender.optics`), and the sensors stage applies exposure and sensor
noise to the linear RGB (:mod:`synthscape.sensors.exposure`). Labels never see any of it: they
are those of the sharp frame at shutter centre, through an ideal pinhole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from synthscape.plan.categories import CategorySpec
    from synthscape.recipe.optics import DepthOfFieldRecipe, ExposureRecipe, MotionBlurRecipe, OpticsRecipe

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class OpticsSpec:
    """The frame's lens, shutter and sensor model (every value resolved).

    Motion is a constant world-space velocity over the shutter interval, centred on the
    frame time: an object at ``p`` with velocity ``v`` moves from ``p - v * shutter_s / 2``
    (shutter open) to ``p + v * shutter_s / 2`` (shutter close).
    """

    shutter_s: float = 0.0
    """Exposure time in seconds (0: no motion blur)."""
    camera_velocity: Vec3 = (0.0, 0.0, 0.0)
    """World-space velocity of the whole rig, m/s."""
    object_velocities: tuple[tuple[int, Vec3], ...] = ()
    """``(instance_id, world velocity m/s)`` of each moving object."""
    fstop: float | None = None
    """Aperture f-number (None: a pinhole, no depth of field)."""
    focus_distance: float | None = None
    """Distance in focus along the optical axis, metres (None: the depth of ``focus_point``)."""
    focus_point: Vec3 | None = None
    """World point in focus (the focus object's origin, or the camera target)."""
    focus_instance: int | None = None
    """Instance id of the object in focus, for the record (None: a distance or the target)."""
    exposure_ev: float = 0.0
    """Exposure compensation in stops: the collected light is scaled by ``2 ** exposure_ev``."""
    gain: float = 1.0
    """ISO-like analogue gain (ISO / base ISO): multiplies signal and noise alike."""
    full_well_e: float | None = None
    """Electrons a pixel collects at linear value 1 and saturates at (None: no sensor model)."""
    read_noise_e: float = 0.0
    """Standard deviation of the Gaussian read noise, electrons."""
    shot_noise: bool = True
    """Poisson photon shot noise on the collected electrons."""

    def has_motion_blur(self) -> bool:
        """True when the shutter is open for a time and something moves."""
        moving = any(v != (0.0, 0.0, 0.0) for _, v in self.object_velocities)
        return self.shutter_s > 0 and (moving or self.camera_velocity != (0.0, 0.0, 0.0))

    def has_depth_of_field(self) -> bool:
        """True when the lens has a finite aperture."""
        return self.fstop is not None

    def has_exposure(self) -> bool:
        """True when the sensors stage changes the RGB (gain, exposure or noise)."""
        return self.full_well_e is not None or self.gain != 1.0 or self.exposure_ev != 0.0

    def velocity_of(self, instance_id: int) -> Vec3:
        """The world velocity of an object (zero when it does not move)."""
        return dict(self.object_velocities).get(instance_id, (0.0, 0.0, 0.0))


def focus_depth(optics: OpticsSpec, world_to_camera: Sequence[Sequence[float]]) -> float:
    """The focus distance of a camera: the fixed one, or the planar depth of the focus point.

    Args:
        optics: the frame's optics (with ``fstop`` set).
        world_to_camera: the camera's 4x4 OpenCV world-to-camera matrix.

    Returns:
        Metres along the optical axis, at least 1 mm.
    """
    if optics.focus_distance is not None:
        return float(optics.focus_distance)
    if optics.focus_point is None:
        raise ValueError("optics needs focus_distance or focus_point for depth of field")
    point = np.asarray(world_to_camera, dtype=np.float64) @ np.array([*optics.focus_point, 1.0])
    return float(max(point[2], 1e-3))


def _vec3(values: Sequence[float]) -> Vec3:
    return (float(values[0]), float(values[1]), float(values[2]))


def _motion_fields(recipe: MotionBlurRecipe, rng: np.random.Generator, objects: Sequence[Any],
                   categories: Sequence[CategorySpec]) -> dict[str, object]:
    by_name = {c.name: c.id for c in categories}
    unknown = sorted(set(recipe.object_velocity) - set(by_name))
    if unknown:
        raise ValueError(f"optics.motion_blur.object_velocity: unknown category {unknown[0]!r}; the recipe's "
                         f"categories are {sorted(by_name)}")
    per_category = {by_name[name]: dist for name, dist in recipe.object_velocity.items()}
    velocities = tuple((o.instance_id, _vec3(per_category[o.category_id].sample(rng)))
                       for o in objects if o.category_id in per_category)
    return {"shutter_s": float(recipe.shutter_s.sample(rng)),
            "camera_velocity": _vec3(recipe.camera_velocity.sample(rng)), "object_velocities": velocities}


def _focus_fields(recipe: DepthOfFieldRecipe, rng: np.random.Generator, objects: Sequence[Any],
                  categories: Sequence[CategorySpec], target: Sequence[float]) -> dict[str, object]:
    fields: dict[str, object] = {"fstop": float(recipe.fstop.sample(rng))}
    if recipe.focus_distance is not None:
        return {**fields, "focus_distance": float(recipe.focus_distance.sample(rng))}
    wanted = recipe.focus_object
    if isinstance(wanted, str):
        ids = {c.name: c.id for c in categories}
        if wanted not in ids:
            raise ValueError(f"optics.dof.focus_object: unknown category {wanted!r}; the recipe's categories "
                             f"are {sorted(ids)} (or give an instance id)")
        chosen = next((o for o in objects if o.category_id == ids[wanted]), None)
    else:
        chosen = next((o for o in objects if o.instance_id == wanted), None)
    if chosen is None:  # not in this frame (or no focus object): the camera target
        return {**fields, "focus_point": _vec3(target)}
    return {**fields, "focus_point": _vec3(chosen.location), "focus_instance": chosen.instance_id}


def _exposure_fields(recipe: ExposureRecipe, rng: np.random.Generator) -> dict[str, object]:
    full_well = None if recipe.full_well_e is None else float(recipe.full_well_e.sample(rng))
    return {"exposure_ev": float(recipe.ev.sample(rng)), "gain": float(recipe.gain.sample(rng)),
            "full_well_e": full_well, "read_noise_e": float(recipe.read_noise_e.sample(rng)),
            "shot_noise": bool(recipe.shot_noise)}


def sample_optics(recipe: OpticsRecipe | None, rng: np.random.Generator, objects: Sequence[Any],
                  categories: Sequence[CategorySpec], target: Sequence[float]) -> OpticsSpec | None:
    """Draw the frame's optics from the ``optics:`` section.

    Args:
        recipe: the section (None: an ideal camera, no optics).
        rng: the ``optics`` stage's generator.
        objects: the frame's object specs (velocities by category, the focus object).
        categories: the run's categories (names to ids).
        target: the camera target, in focus when neither a distance nor an object is given
            (or the focus object is not in the frame).

    Raises:
        ValueError: a category name the recipe does not have (the message names the key).
    """
    if recipe is None:
        return None
    fields: dict[str, object] = {}
    if recipe.motion_blur is not None:
        fields.update(_motion_fields(recipe.motion_blur, rng, objects, categories))
    if recipe.dof is not None:
        fields.update(_focus_fields(recipe.dof, rng, objects, categories, target))
    if recipe.exposure is not None:
        fields.update(_exposure_fields(recipe.exposure, rng))
    return OpticsSpec(**fields)  # type: ignore[arg-type]


__all__ = ["OpticsSpec", "focus_depth", "sample_optics"]
