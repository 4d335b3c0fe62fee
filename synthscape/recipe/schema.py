"""The recipe schema: frozen pydantic models, unknown keys are errors.

Every numeric field takes a constant or a distribution (see
:mod:`synthscape.recipe.distributions`). Angles in recipes are degrees; the sampler
converts them to radians for the spec.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from synthscape.recipe.bop import BopRecipe
from synthscape.recipe.lens import DistortionRecipe
from synthscape.recipe.lidar import LidarRecipe
from synthscape.recipe.optics import OpticsRecipe
from synthscape.recipe.rig import RigRecipe, check_camera_name
from synthscape.recipe.fields import (Color, ExistingFile, Integer, KittiType, MeshFile, NonBlankName, Number,
                                      Scale, Vector)
from synthscape.textures.recipe import TextureRecipe

MESH_SUFFIXES = (".obj", ".ply", ".glb", ".gltf", ".stl")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".exr", ".hdr", ".tif", ".tiff", ".webp")

Primitive = Literal["cube", "sphere", "cylinder", "cone", "torus", "monkey"]


class RecipeModel(BaseModel):
    """Base for recipe sections: frozen, unknown keys rejected, field docstrings kept."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              validate_default=True, allow_inf_nan=False)


class TextureMappingRecipe(RecipeModel):
    """How a texture is laid on a surface."""

    projection: Literal["box", "uv"] = "box"
    """``box``: tri-planar projection in object space; ``uv``: the mesh's UV map."""
    scale: Number(gt=0) = 1.0
    """Repeats per metre (box) or per UV unit."""
    rotation: Number() = 0.0
    """Rotation about the surface normal, degrees."""
    offset: Vector(2) = [0.0, 0.0]
    """Offset in texture units."""


class ImageTextureRecipe(RecipeModel):
    """An image file used as the base-colour texture."""

    source: Literal["file"] = "file"
    """Where the image comes from."""
    path: ExistingFile(*IMAGE_SUFFIXES)
    """Image file, relative to the recipe's folder."""
    mapping: TextureMappingRecipe = TextureMappingRecipe()
    """Projection, scale, rotation and offset of the texture."""


class GeneratedTextureRecipe(TextureRecipe):
    """A texture pool from a provider: ``openai`` (or a compatible server), ``procedural``, ``folder``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              validate_default=True, allow_inf_nan=False)
    source: Literal["openai", "procedural", "folder"] = "procedural"
    """Provider of the pool; ``procedural`` works offline with no key."""
    mapping: TextureMappingRecipe = TextureMappingRecipe()
    """Projection, scale, rotation and offset of the texture (distributions allowed)."""

    @field_validator("folder")
    @classmethod
    def _resolve_folder(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        folder = value.expanduser()
        folder = folder if folder.is_absolute() else Path((info.context or {}).get("base_dir", ".")) / folder
        if not folder.is_dir():
            raise ValueError(f"folder not found: {folder} (paths are relative to the recipe's folder)")
        return folder.resolve()


def _texture_kind(value: Any) -> str:
    source = value.get("source") if isinstance(value, dict) else getattr(value, "source", None)
    if source is None and isinstance(value, dict):
        source = "file" if "path" in value else "procedural"
    return "file" if source == "file" else "generated"


TextureChoice = Annotated[
    Annotated[ImageTextureRecipe, Tag("file")] | Annotated[GeneratedTextureRecipe, Tag("generated")],
    Discriminator(_texture_kind)]


class NoiseRecipe(RecipeModel):
    """Procedural noise mixed into the base colour."""

    scale: Number(gt=0) = 5.0
    """Noise frequency (Blender Noise Texture scale)."""
    strength: Number(ge=0, le=1) = 0.3
    """How strongly the noise modulates the base colour."""


class MaterialRecipe(RecipeModel):
    """A Principled BSDF material."""

    base_color: Color = [0.8, 0.8, 0.8]
    """Linear RGB in [0, 1]: ``[r, g, b]`` (each may be a distribution) or ``{choice: [[r, g, b], ...]}``."""
    roughness: Number(ge=0, le=1) = 0.5
    """Principled BSDF roughness."""
    metallic: Number(ge=0, le=1) = 0.0
    """Principled BSDF metallic."""
    texture: TextureChoice | None = None
    """A texture multiplied into the base colour: an image file (``source: file``, ``path``) or a
    generated pool (``source: openai|procedural|folder``, see the textures section)."""
    noise: NoiseRecipe | None = None
    """Procedural noise mixed into the base colour."""
    lidar_reflectivity: float | None = Field(default=None, ge=0.0, le=1.0)
    """LiDAR reflectivity in [0, 1] (a Lambertian target of that reflectivity at the sensor's
    wavelength); None = from base colour, metallic and roughness."""
    retroreflective: bool = False
    """Retro-reflective sheeting (signs, number plates): a strong LiDAR return near normal
    incidence that falls off only weakly with angle."""


class CategoryRecipe(RecipeModel):
    """A category with an optional fixed id and KITTI type."""

    name: NonBlankName
    """Category name, as used by ``objects[].category``."""
    id: int | None = Field(default=None, ge=1, le=65535)
    """Stable category id; default: order of first appearance in ``objects``, from 1."""
    kitti_type: KittiType | None = None
    """KITTI type (Car, Van, Truck, Pedestrian, Person_sitting, Cyclist, Tram, Misc)."""


class ObjectGroupRecipe(RecipeModel):
    """A group of objects of one category: a primitive or a mesh file."""

    category: NonBlankName
    """Category name (declared in ``categories`` or new)."""
    shape: Primitive | None = None
    """A Blender primitive. Give exactly one of ``shape`` and ``mesh``."""
    mesh: MeshFile(*MESH_SUFFIXES) = None
    """A mesh file (.obj, .ply, .glb, .gltf, .stl) with at least one face, relative to the recipe's folder."""
    count: Integer(ge=0, le=1000) = 1
    """Objects of this group per frame."""
    scale: Scale = 1.0
    """Scale of the shape (primitives span 2 units at scale 1): one factor, or ``[sx, sy, sz]``."""
    yaw: Number() = {"uniform": [0.0, 360.0]}
    """Rotation about the vertical axis, degrees."""
    location: Vector(3) | None = None
    """Fixed position of the object's origin; skips placement (needs count 1)."""
    material: MaterialRecipe = MaterialRecipe()
    """Material of each object (drawn per object)."""
    kitti_type: KittiType | None = None
    """Shortcut for the category's KITTI type (one of the KITTI types listed under ``categories``)."""

    @model_validator(mode="after")
    def _one_geometry(self) -> ObjectGroupRecipe:
        if (self.shape is None) == (self.mesh is None):
            raise ValueError("give exactly one of 'shape' (a primitive) and 'mesh' (a file)")
        if self.location is not None and self.count.bounds() != (1, 1):
            raise ValueError("'location' fixes one object: set count: 1")
        return self


class PlacementRecipe(RecipeModel):
    """Placement of objects on the ground plane without overlapping footprints."""

    area: Vector(2, ge=0) = [1.0, 1.0]
    """Extent (x, y) in metres of the rectangle the objects are placed in. Each object's centre
    is drawn uniformly from this rectangle shrunk on every side by the object's footprint radius
    (the circle about its origin that holds its scaled xy extent at any yaw), so the footprint
    stays inside; along an axis where the footprint is wider than the rectangle, the centre
    is ``center``."""
    center: Vector(2) = [0.0, 0.0]
    """Centre (x, y) of that rectangle, metres."""
    min_gap: Number(ge=0) = 0.01
    """Minimum clearance between object footprints, metres."""
    max_tries: int = Field(default=200, ge=1, le=100000)
    """Attempts per object before giving up on it."""
    on_failure: Literal["skip", "error"] = "skip"
    """What to do with an object that does not fit: drop it, or fail the frame."""


class GroundRecipe(RecipeModel):
    """The ground plane at z = 0."""

    size: Vector(2, ge=0) = [2.0, 2.0]
    """Extent (x, y) in metres, centred on the origin."""
    material: MaterialRecipe = MaterialRecipe(base_color=[0.5, 0.5, 0.5])
    """The ground's material."""


class LightRecipe(RecipeModel):
    """A group of lights placed on a sphere around the scene target."""

    type: Literal["sun", "point", "area"] = "point"
    """Blender light type."""
    count: Integer(ge=0, le=64) = 1
    """Number of lights of this group."""
    intensity: Number(ge=0) = 500.0
    """Watts for point/area lights, W/m^2 (strength) for sun lights."""
    temperature: Number(ge=1000, le=40000) = 6500.0
    """Colour temperature, kelvin."""
    distance: Number(ge=0) = 3.0
    """Distance from the camera target, metres (sun lights only use the direction)."""
    elevation: Number(ge=-90, le=90) = {"uniform": [30.0, 80.0]}
    """Degrees above the horizon."""
    azimuth: Number() = {"uniform": [0.0, 360.0]}
    """Degrees counter-clockwise from +x."""
    size: Number(ge=0) = 0.2
    """Radius (point), edge (area) in metres, or angular diameter in degrees (sun)."""


class WorldRecipe(RecipeModel):
    """Background and ambient light."""

    color: Color = [0.05, 0.05, 0.05]
    """Background colour, linear RGB."""
    strength: Number(ge=0) = 1.0
    """Background light strength."""
    hdri: ExistingFile(".hdr", ".exr") = None
    """Environment map, relative to the recipe's folder; replaces ``color``."""
    hdri_rotation: Number() = {"uniform": [0.0, 360.0]}
    """Rotation of the environment about the vertical, degrees."""


class CameraRecipe(RecipeModel):
    """A pinhole camera looking at a target from a sampled distance and direction."""

    name: str = "camera"
    """Name of the main camera (the rig frame); its images are at the dataset root."""

    resolution: tuple[int, int] = (640, 480)
    """Width and height in pixels."""
    focal_length: Number(gt=0) | None = None
    """Focal length in millimetres. Give this or ``fov`` (default 35 mm)."""
    fov: Number(gt=0, le=179) | None = None
    """Horizontal field of view in degrees."""
    sensor_width: float = Field(default=36.0, gt=0)
    """Sensor width in millimetres."""
    target: Vector(3) = [0.0, 0.0, 0.0]
    """Point the camera looks at."""
    target_jitter: Number(ge=0) = 0.0
    """Uniform random offset (metres, each axis) added to the target."""
    distance: Number(gt=0) = 2.0
    """Distance from the target, metres."""
    elevation: Number(ge=-90, le=90) = 45.0
    """Degrees above the target's horizontal plane."""
    azimuth: Number() = {"uniform": [0.0, 360.0]}
    """Degrees counter-clockwise from +x around the vertical."""
    location: Vector(3) | None = None
    """Fixed camera position; overrides distance/elevation/azimuth."""
    clip_start: float = Field(default=0.01, gt=0)
    """Near clipping distance, metres."""
    clip_end: float = Field(default=1000.0, gt=0)
    """Far clipping distance, metres."""
    distortion: DistortionRecipe | None = None
    """Lens distortion (OpenCV Brown-Conrady or fisheye), fixed or sampled; images and labels are distorted."""

    _name = field_validator("name")(classmethod(lambda cls, v: check_camera_name(v)))

    @model_validator(mode="after")
    def _focal_or_fov(self) -> CameraRecipe:
        if self.focal_length is not None and self.fov is not None:
            raise ValueError("give either 'focal_length' or 'fov', not both")
        if min(self.resolution) < 1 or max(self.resolution) > 16384:
            raise ValueError("resolution must be two integers in [1, 16384]")
        return self

    @field_validator("clip_end")
    @classmethod
    def _clip_after_start(cls, value: float, info: ValidationInfo) -> float:
        start = info.data.get("clip_start")
        if start is not None and value <= start:
            raise ValueError(f"clip_end ({value}) must be greater than clip_start ({start})")
        return value

    @field_validator("location")
    @classmethod
    def _away_from_target(cls, value: Any, info: ValidationInfo) -> Any:
        target, jitter = info.data.get("target"), info.data.get("target_jitter")
        if value is None or target is None or jitter is None or jitter.bounds() != (0.0, 0.0):
            return value
        eyes, targets = value.fixed_values(), target.fixed_values()
        if eyes is None or targets is None:
            return value
        if any(math.dist(eye, aim) < 1e-9 for eye in eyes for aim in targets):
            raise ValueError(f"the camera location equals camera.target {list(targets[0])}: the "
                             "camera needs a direction to look in; move location or target")
        return value


class RenderRecipe(RecipeModel):
    """Cycles settings."""

    samples: int = Field(default=64, ge=1, le=65536)
    """Cycles samples per pixel (``--samples`` overrides)."""
    denoise: bool = True
    """OpenImageDenoise on the RGB pass (labels are never denoised)."""
    device: Literal["auto", "cpu", "gpu"] = "auto"
    """``auto``: best GPU backend present, else CPU (``--device`` overrides)."""
    min_pixel_area: int = Field(default=16, ge=0)
    """Instances with fewer visible pixels get no annotation."""


class Recipe(RecipeModel):
    """A scene recipe: what to randomize and how."""

    schema_version: Literal[1] = 1
    """Version of this schema; recipes written for it keep working."""
    name: str = "scene"
    """Dataset name, recorded in COCO ``info`` and ``dataset.json``."""
    description: str = ""
    """Free text for people reading the recipe."""
    seed: int = Field(default=0, ge=0)
    """Default dataset seed (``--seed`` overrides)."""
    frames: int = Field(default=10, ge=1)
    """Default frame count (``--frames`` overrides)."""
    categories: list[CategoryRecipe] = []
    """Optional category list, to fix ids and KITTI types."""
    objects: list[ObjectGroupRecipe] = Field(min_length=1)
    """Object groups; each object gets an instance id from 1 in this order."""
    placement: PlacementRecipe = PlacementRecipe()
    """How objects without a fixed ``location`` are spread on the ground."""
    ground: GroundRecipe | None = GroundRecipe()
    """The ground plane (instance 0); ``null`` for none."""
    lights: list[LightRecipe] = [LightRecipe()]
    """Light groups."""
    world: WorldRecipe = WorldRecipe()
    """Background colour or HDRI."""
    camera: CameraRecipe = CameraRecipe()
    """Camera intrinsics and view sampling."""
    outputs: list[str] | None = None
    """Output formats every frame writes, in order (``--outputs`` overrides), e.g. ``[rgb, coco, yolo]``.
    Default: rgb, depth, instance, semantic, normal, meta, coco, plus lidar with a ``lidar:`` section and
    kitti with a ``kitti_type`` category. See README for every format."""
    rig: RigRecipe | None = None
    """Further cameras mounted with the main camera (``cameras/NAME/`` outputs)."""
    render: RenderRecipe = RenderRecipe()
    """Cycles settings."""
    lidar: LidarRecipe | None = None
    """A LiDAR mounted on the camera rig; adds ``lidar/`` point clouds (and KITTI with kitti types)."""
    bop: BopRecipe | None = None
    """Options of the ``bop`` output (scene size, ``jpg``/``png``, depth scale); see the ``bop`` section below."""
    optics: OpticsRecipe | None = None
    """Motion blur, depth of field, exposure and sensor noise on the RGB; labels stay sharp (``optics`` below)."""
    augment: dict[str, Any] | None = None
    """2D augmentation ops for ``synthscape augment`` (``ops: [...]``; see the ``augment`` section below).
    Checked with the recipe by ``validate`` and ``render``."""

    @model_validator(mode="after")
    def _categories_consistent(self) -> Recipe:
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            raise ValueError("category names in 'categories' must be unique")
        if self.rig is not None:
            cams = [self.camera.name, *(c.name for c in self.rig.all_cameras())]
            if len(set(cams)) != len(cams):
                raise ValueError(f"camera names must be unique; got {cams}")
            distortion = self.camera.distortion
            if self.rig.stereo_pair() is not None and distortion is not None and distortion.can_distort():
                raise ValueError("rig.stereo / rig.preset makes a rectified pair, but camera.distortion distorts the "
                                 "main (left) camera; remove camera.distortion or the stereo rig")
        ids = [c.id for c in self.categories if c.id is not None]
        if len(set(ids)) != len(ids):
            raise ValueError("category ids in 'categories' must be unique")
        return self

    def materials(self) -> list[MaterialRecipe]:
        """Every material the recipe declares (object groups, then the ground)."""
        found = [group.material for group in self.objects]
        return found + ([self.ground.material] if self.ground is not None else [])

    def generated_textures(self) -> list[GeneratedTextureRecipe]:
        """The texture recipes that need a pool (everything but plain image files)."""
        return [m.texture for m in self.materials() if isinstance(m.texture, GeneratedTextureRecipe)]
