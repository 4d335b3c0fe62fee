"""The recipe's ``lidar:`` section (pydantic v2, frozen, unknown keys rejected).

Example::

    lidar:
      preset: hdl64e
      mount: {offset: [-0.27, 0.0, 0.08]}
      noise:
        range: {enabled: true, std: 0.02}
        dropout: {enabled: true, probability: 0.01}
      returns: {mode: dual, divergence_mrad: 3.0}
      rig_velocity: [10.0, 0.0, 0.0]
      write_ply: false
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from synthscape.recipe.lidar_presets import PRESETS, SensorModel

_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)


class MountRecipe(BaseModel):
    """Pose of the LiDAR on the camera rig.

    The rig frame is attached to the camera with LiDAR-style axes: x along the camera's optical
    axis (forward), y to the camera's left, z to the camera's up (= -y of the OpenCV camera).
    The default is KITTI's rig: camera 1.65 m and LiDAR 1.73 m above ground (0.08 m higher),
    LiDAR 0.27 m behind the camera.
    """

    model_config = _CONFIG
    offset: tuple[float, float, float] = (-0.27, 0.0, 0.08)
    """LiDAR origin in the rig frame, metres."""
    rotation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Roll, pitch, yaw of the LiDAR relative to the rig (XYZ Euler about rig axes), degrees."""


class RangeNoise(BaseModel):
    """Gaussian range noise."""

    model_config = _CONFIG
    enabled: bool = True
    """Add Gaussian noise to every return's range."""
    std: float | None = Field(default=None, ge=0.0)
    """1-sigma range error in metres; None = the preset's accuracy (2 cm for HDL-64E)."""


class Dropout(BaseModel):
    """Random loss of returns."""

    model_config = _CONFIG
    enabled: bool = True
    """Drop returns at random."""
    probability: float = Field(default=0.01, ge=0.0, le=1.0)
    """Chance that any one return is lost."""


class Grazing(BaseModel):
    """No return when the beam meets the surface at too flat an angle."""

    model_config = _CONFIG
    enabled: bool = True
    """Drop returns from surfaces hit at a grazing angle."""
    max_incidence_deg: float = Field(default=85.0, gt=0.0, le=90.0)
    """Largest angle between the beam and the surface normal that still returns, degrees."""


class IntensityFalloff(BaseModel):
    """Two-way atmospheric attenuation of the intensity: ``exp(-2 * attenuation * range)``."""

    model_config = _CONFIG
    enabled: bool = True
    """Attenuate the intensity with range."""
    attenuation_per_m: float = Field(default=0.004, ge=0.0)
    """Attenuation coefficient per metre, one way."""


class NoiseRecipe(BaseModel):
    """The LiDAR noise model; every part can be switched off."""

    model_config = _CONFIG
    range: RangeNoise = RangeNoise()
    """Gaussian error added to each return's range."""
    dropout: Dropout = Dropout()
    """Random loss of returns."""
    grazing: Grazing = Grazing()
    """No return from surfaces hit at too flat an angle."""
    intensity_falloff: IntensityFalloff = IntensityFalloff()
    """Intensity attenuation with range."""


class ReturnsRecipe(BaseModel):
    """Which echoes of each beam the sensor reports, and the beam's footprint.

    ``single`` casts one ideal ray per beam (the beam's centre line). The other modes model the
    beam divergence with ``sub_rays`` rays in a cone and group their hits into echoes
    (:mod:`synthscape.lidar.returns`): ``strongest`` or ``last`` report one echo per beam,
    ``dual`` reports the strongest and, where the footprint straddles an edge or a thin object
    so that a farther echo exists, the last too (Velodyne/Hesai "dual return" mode).
    """

    model_config = _CONFIG
    mode: Literal["single", "strongest", "last", "dual"] = "single"
    """``single`` (ideal centre ray), ``strongest``, ``last`` or ``dual`` (strongest + last)."""
    divergence_mrad: float = Field(default=3.0, gt=0.0, le=50.0)
    """Full beam divergence, milliradians (spinning LiDARs: about 2-3 mrad)."""
    sub_rays: int = Field(default=7, ge=2, le=32)
    """Rays per beam: the centre and a ring at half the divergence."""
    min_separation_m: float = Field(default=0.5, gt=0.0)
    """Closest two echoes of one beam the sensor tells apart, metres."""


class LidarRecipe(BaseModel):
    """A spinning LiDAR rigidly mounted next to the camera."""

    model_config = _CONFIG
    preset: Literal["hdl64e", "vlp16", "vlp32c", "pandar64", "os1_32", "os1_64", "os1_128", "custom"] = "hdl64e"
    """Sensor model: Velodyne HDL-64E, VLP-16 or VLP-32C, Hesai Pandar64, Ouster OS1-32, OS1-64 or OS1-128, or ``custom``
    (then give ``elevations_deg`` and a horizontal resolution)."""
    elevations_deg: tuple[float, ...] | None = None
    """Per-beam elevation table, degrees (required for ``custom``, overrides a preset)."""
    horizontal_resolution_deg: float | None = Field(default=None, gt=0.0, le=10.0)
    """Angle between two firings of a beam in one revolution, degrees; None = the preset's.
    Give this or ``points_per_ring``."""
    points_per_ring: int | None = Field(default=None, ge=1, le=65536)
    """Firings per beam in one revolution; None = the preset's."""
    min_range: float | None = Field(default=None, ge=0.0)
    """Returns closer than this are dropped, metres; None = the preset's. Must be below ``max_range``."""
    max_range: float | None = Field(default=None, gt=0.0)
    """Returns farther than this are dropped, metres; None = the preset's."""
    rotation_hz: float | None = Field(default=None, gt=0.0)
    """Spin rate, revolutions per second; None = the preset's. Sets each point's firing time
    (the sweep starts and ends behind the sensor; it faces forward, the camera's instant, at
    half the period) and so the motion skew with ``rig_velocity``."""
    returns: ReturnsRecipe = ReturnsRecipe()
    """Echoes per beam: ``single`` ideal rays, or a divergent beam with strongest/last/dual returns."""
    rig_velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Velocity of the rig during the sweep, m/s, in rig axes (x forward, y left, z up). The
    sensor moves while it spins: each beam is cast from where the sensor is at its firing time
    and its point is given in the sensor frame of that instant (the motion skew of raw scans;
    the frame's pose is the sensor's pose when it faces forward)."""
    mount: MountRecipe = MountRecipe()
    """Where the LiDAR sits on the camera rig."""
    noise: NoiseRecipe = NoiseRecipe()
    """The noise model applied to every scan."""
    write_ply: bool = False
    """Also write ``lidar/NNNNNN.ply`` (Open3D, with an intensity attribute)."""

    @model_validator(mode="after")
    def _check(self) -> LidarRecipe:
        if self.preset == "custom" and not self.elevations_deg:
            raise ValueError("lidar.preset 'custom' needs lidar.elevations_deg "
                             "(a list of beam elevations in degrees)")
        if self.horizontal_resolution_deg is not None and self.points_per_ring is not None:
            raise ValueError("lidar: give either horizontal_resolution_deg or points_per_ring, "
                             "not both")
        if self.preset == "custom" and self.horizontal_resolution_deg is None \
                and self.points_per_ring is None:
            raise ValueError("lidar.preset 'custom' needs lidar.horizontal_resolution_deg "
                             "or lidar.points_per_ring")
        self.sensor()  # min_range below max_range, with the preset's values filled in
        return self

    def realism_params(self) -> dict[str, object]:
        """The JSON-ready echo and motion parameters of ``spec.lidar`` (``returns``, ``rig_velocity``)."""
        return {"returns": self.returns.model_dump(), "rig_velocity": [float(v) for v in self.rig_velocity]}

    def sensor(self) -> SensorModel:
        """The resolved sensor: the preset with this recipe's overrides applied."""
        base = PRESETS.get(self.preset) or SensorModel("custom", (), 0, 0.5, 100.0, 10.0, 0.02)
        ppr = base.points_per_ring
        if self.points_per_ring is not None:
            ppr = self.points_per_ring
        elif self.horizontal_resolution_deg is not None:
            ppr = max(1, round(360.0 / self.horizontal_resolution_deg))
        sensor = SensorModel(
            name=base.name,
            elevations_deg=tuple(self.elevations_deg) if self.elevations_deg else
            base.elevations_deg,
            points_per_ring=ppr,
            min_range=base.min_range if self.min_range is None else self.min_range,
            max_range=base.max_range if self.max_range is None else self.max_range,
            rotation_hz=base.rotation_hz if self.rotation_hz is None else self.rotation_hz,
            range_noise_std=base.range_noise_std if self.noise.range.std is None
            else self.noise.range.std,
        )
        if sensor.min_range >= sensor.max_range:
            raise ValueError(f"lidar.min_range ({sensor.min_range}) must be below lidar.max_range "
                             f"({sensor.max_range}); a range left out comes from the "
                             f"{self.preset!r} preset")
        return sensor
