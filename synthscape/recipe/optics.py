"""The ``optics:`` recipe section: motion blur, depth of field, exposure and sensor noise.

Every effect changes the RGB only; labels (depth, normals, instance and semantic maps, boxes,
LiDAR) stay those of the sharp frame at shutter centre through an ideal pinhole (see README,
"Sensor realism"). Numbers take a constant or a distribution, drawn per frame by the
sampler's ``optics`` stage.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_validator

from synthscape.recipe.fields import Number, Vector

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True,
                     allow_inf_nan=False)


class MotionBlurRecipe(BaseModel):
    """Cycles motion blur over an open shutter, from constant world-space velocities."""

    model_config = _CONFIG

    shutter_s: Number(gt=0, le=1) = 1 / 60
    """Exposure time in seconds, centred on the frame time (``1/60``: 16.7 ms)."""
    camera_velocity: Vector(3) = [0.0, 0.0, 0.0]
    """World-space velocity of the camera rig, m/s (every camera and LiDAR moves with it)."""
    object_velocity: dict[str, Vector(3)] = {}
    """World-space velocity, m/s, of every object of a category: ``{car: [8, 0, 0]}``."""


class DepthOfFieldRecipe(BaseModel):
    """A thin lens: objects off the focus plane are blurred in the RGB."""

    model_config = _CONFIG

    fstop: Number(gt=0, le=1024) = 2.8
    """Aperture f-number (with the camera's focal length: the aperture diameter)."""
    focus_distance: Number(gt=0) | None = None
    """Distance in focus along the optical axis, metres."""
    focus_object: str | int | None = None
    """Focus on an object: a category name (its first object in the frame) or an instance id. Without it
    and without ``focus_distance``, the camera target is in focus."""

    @model_validator(mode="after")
    def _one_focus(self) -> DepthOfFieldRecipe:
        if self.focus_distance is not None and self.focus_object is not None:
            raise ValueError("give focus_distance or focus_object, not both")
        return self


class ExposureRecipe(BaseModel):
    """Exposure, ISO-like gain, shot and read noise on the linear RGB, before 8-bit quantization.

    Electrons ``e = rgb * 2**ev * full_well_e``; ``Poisson(e)`` clipped at the full well, plus
    ``Normal(0, read_noise_e)``; output ``e * gain / full_well_e`` (seeded per frame and camera).
    """

    model_config = _CONFIG

    ev: Number(ge=-16, le=16) = 0.0
    """Exposure compensation in stops (more light: more signal and a better signal-to-noise ratio)."""
    gain: Number(gt=0, le=1024) = 1.0
    """ISO-like analogue gain (ISO / base ISO): brightens signal and noise alike."""
    full_well_e: Number(gt=0, le=1e7) | None = 10000.0
    """Electrons collected at linear value 1 (and where a pixel saturates); ``null``: no noise."""
    read_noise_e: Number(ge=0, le=1e5) = 3.0
    """Standard deviation of the Gaussian read noise, electrons."""
    shot_noise: bool = True
    """Poisson photon shot noise."""


class OpticsRecipe(BaseModel):
    """Lens, shutter and sensor effects on the RGB; labels stay those of the sharp pinhole frame."""

    model_config = _CONFIG

    motion_blur: MotionBlurRecipe | None = None
    """Motion blur from camera and object velocities (a second, 1-sample render gives the sharp labels)."""
    dof: DepthOfFieldRecipe | None = None
    """Depth of field (labels from the sharp render, as with motion blur)."""
    exposure: ExposureRecipe | None = None
    """Exposure, gain, shot and read noise (the sensors stage; labels unchanged)."""


__all__ = ["DepthOfFieldRecipe", "ExposureRecipe", "MotionBlurRecipe", "OpticsRecipe"]
