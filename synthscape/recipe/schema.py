"""The recipe schema: frozen pydantic models, unknown keys are errors.

Every numeric field takes a constant or a distribution (see
:mod:`synthscape.recipe.distributions`). Angles in recipes are degrees; the sampler
converts them to radians for the spec.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from synthscape.recipe.assets import MeshLibraryField, NormalizeRecipe, check_group_assets
from synthscape.recipe.base import RecipeModel
from synthscape.recipe.bop import BopRecipe
from synthscape.recipe.lens import DistortionRecipe
from synthscape.recipe.hdri import HdriFile, HdriLibraryRecipe
from synthscape.recipe.lidar import LidarRecipe
from synthscape.recipe.material import (  # noqa: F401 - part of the schema
    IMAGE_SUFFIXES,
    GeneratedTextureRecipe,
    ImageTextureRecipe,
    MaterialLibraryRecipe,
    MaterialRecipe,
    NoiseRecipe,
    TextureChoice,
    TextureMappingRecipe,
)
from synthscape.recipe.optics import OpticsRecipe
from synthscape.recipe.orientation import OrientationRecipe
from synthscape.recipe.procedural import ProceduralField
from synthscape.recipe.physics import (CollisionShape, PhysicsFailure, PhysicsRecipe, SupportShapeRecipe,
                                       mesh_watertight_problem)
from synthscape.recipe.rig import RigRecipe, check_camera_name
from synthscape.recipe.sequence import ObjectMotionRecipe, SequenceRecipe
from synthscape.recipe.fields import (Color, Integer, KittiType, MeshFile, NonBlankName, Number,
                                      Scale, Vector)

MESH_SUFFIXES = (".obj", ".ply", ".glb", ".gltf", ".stl")

Primitive = Literal["cube", "sphere", "cylinder", "cone", "torus", "monkey"]
GEOMETRY_KEYS = ("shape", "mesh", "meshes", "procedural")
"""What an object group is made of: exactly one of these keys per group."""


HdriChoice = Annotated[
    Annotated[HdriFile, Tag("file")] | Annotated[HdriLibraryRecipe, Tag("library")],
    Discriminator(lambda value: "library" if isinstance(value, (dict, HdriLibraryRecipe)) else "file")]


class CategoryRecipe(RecipeModel):
    """A category with an optional fixed id and KITTI type."""

    name: NonBlankName
    """Category name, as used by ``objects[].category``."""
    id: int | None = Field(default=None, ge=1, le=65535)
    """Stable category id; default: order of first appearance in ``objects``, from 1."""
    kitti_type: KittiType | None = None
    """KITTI type (Car, Van, Truck, Pedestrian, Person_sitting, Cyclist, Tram, Misc)."""


class ObjectGroupRecipe(RecipeModel):
    """A group of objects of one category: a primitive, a mesh file or a library of mesh files."""

    category: NonBlankName | None = None
    """Category name (declared in ``categories`` or new); required unless ``category_from: folder``."""
    shape: Primitive | None = None
    """A Blender primitive. Give exactly one of ``shape``, ``mesh``, ``meshes`` and ``procedural``."""
    mesh: MeshFile(*MESH_SUFFIXES) = None
    """A mesh file (.obj, .ply, .glb, .gltf, .stl) with at least one face, relative to the recipe's folder."""
    meshes: MeshLibraryField = None
    """A mesh library, one file picked per object: a list of files (each a path or ``{path: FILE,
    weight: W}``, weight 1 by default), ``{folder: DIR, pattern: "*.glb", recursive: false}`` or
    ``{glob: "DIR/**/*.obj"}``, relative to the recipe's folder. Every file is checked when the
    recipe is validated (and its bounds cached by file content). A list may also hold ``.blend``
    assets: ``{blend: FILE.blend, object: NAME}`` or ``{blend: FILE.blend, collection: NAME}`` (and
    ``weight``), appended headless; a collection becomes one object (one instance id), its origin at
    the collection's instance offset, an object's at its origin; modifiers are applied."""
    procedural: ProceduralField = None
    """A generated shape, its parameters drawn per object: ``{kind: KIND, PARAM: value or
    distribution, ...}``. Kinds: ``car`` (``body: sedan|hatchback|van``, ``length``, ``width``,
    ``height``, ``wheel_radius`` in metres), ``pedestrian`` (``height``, ``pose:
    standing|walking|running|waving``, ``stride``, ``girth``, ``skin``), ``cyclist`` (``rider_height``,
    ``lean``, ``crank`` degrees, ``wheel_radius``), ``mug``, ``cup``, ``bottle``, ``bowl``, ``box``
    (sizes in metres); README lists every parameter, its range and default. Dimensions are the
    parameters (keep ``scale`` 1); forward is +X; parts (windows, tyres, skin) keep their own colours,
    the rest takes ``material``. Meshes are cached per parameter set."""
    normalize: NormalizeRecipe | None = None
    """Per-asset normalization of ``mesh``/``meshes`` files: ``{size: metres, measure: longest|height,
    up_axis: +Z|+Y|..., origin: base|center|file}``; ``scale`` multiplies the normalized size."""
    category_from: Literal["group", "folder"] = "group"
    """``group``: every object gets ``category``; ``folder``: each object's category is the name of
    the folder holding its file (``meshes`` only; the categories are listed sorted by name)."""
    asset_materials: bool = False
    """Keep the files' own materials (e.g. glTF textures) instead of ``material``; labels are unchanged.
    ``.blend`` entries keep theirs unless this is set to ``false``; faces without a material in the
    file get ``material``."""
    count: Integer(ge=0, le=1000) = 1
    """Objects of this group per frame."""
    scale: Scale = 1.0
    """Scale of the shape (primitives span 2 units at scale 1): one factor, or ``[sx, sy, sz]``."""
    yaw: Number() = {"uniform": [0.0, 360.0]}
    """Rotation about the vertical axis, degrees (``orientation: upright``, the default)."""
    orientation: OrientationRecipe = OrientationRecipe()
    """How each object is rotated: ``upright`` (stands, turned by ``yaw``), ``uniform`` (any 3D
    orientation, uniform over SO(3)) or ``{mode: euler, x: ..., y: ..., z: ...}`` (degrees per axis,
    XYZ order). Tilted objects need ``placement: collision_free`` or ``physics`` to rest on the ground."""
    label: bool = True
    """``false`` makes the group's objects distractors: rendered, occluding and casting shadows, seen
    by the LiDAR, but instance id 0 (background) in every label map and in no annotation (COCO,
    KITTI, YOLO, BOP, ``meta/`` ``objects``); their category is not added to the categories."""
    location: Vector(3) | None = None
    """Fixed position of the object's origin; skips placement (needs count 1)."""
    material: MaterialRecipe = MaterialRecipe()
    """Material of each object (drawn per object)."""
    kitti_type: KittiType | None = None
    """Shortcut for the category's KITTI type (one of the KITTI types listed under ``categories``)."""
    motion: ObjectMotionRecipe | None = None
    """How the group's objects move in a sequence (linear and angular velocity, a keyframed path; needs
    ``sequence:``); None: they stand still."""
    placement: Literal["footprint", "collision_free", "physics"] | None = None
    """This group's placement mode (default ``placement.mode``): ``footprint`` (upright, circles apart on
    the ground), ``collision_free`` (rejection sampling against the meshes) or ``physics`` (dropped and
    settled by a rigid body simulation, see ``physics``)."""
    collision: CollisionShape = "convex_hull"
    """Collision shape in the physics simulation: ``convex_hull``, ``decomposition`` (convex pieces by
    CoACD, for concave objects; needs a watertight mesh), ``mesh`` (the triangles) or ``box``. The convex
    hull of a cylinder, a cone or a mesh collides as a faceted hull around it (faces about 20 degrees
    apart: a round cross-section gets 16 sides; at most ``physics.contact_tolerance / 2`` off the mesh,
    else the exact hull), so that round bodies such as cans and bottles rest instead of rolling."""
    on_failure: PhysicsFailure = "redrop"
    """After settling, an object that interpenetrates another, floats or fell through: ``redrop`` it
    (up to ``physics.max_redrops`` times, then remove it with a warning), ``remove`` it with a warning,
    or ``error`` (the frame fails)."""
    support: int | None = Field(default=None, ge=0)
    """Index into ``supports`` that this physics group is dropped into or onto (default: the first
    support, or the ground's ``placement.area`` without supports)."""

    @model_validator(mode="after")
    def _one_geometry(self) -> ObjectGroupRecipe:
        geometry = [key for key in GEOMETRY_KEYS if getattr(self, key, None) is not None]
        if len(geometry) != 1:
            got = f"; got {', '.join(geometry)}" if geometry else ""
            raise ValueError("give exactly one of 'shape' (a primitive), 'mesh' (a file), 'meshes' "
                             f"(a library) and 'procedural' (a generated shape){got}")
        check_group_assets(self)
        if self.location is not None and self.count.bounds() != (1, 1):
            raise ValueError("'location' fixes one object: set count: 1")
        return self

    @field_validator("collision")
    @classmethod
    def _decomposable(cls, value: str, info: ValidationInfo) -> str:
        mesh, shape = info.data.get("mesh"), info.data.get("shape")
        if value == "decomposition" and shape == "monkey":
            raise ValueError("the monkey primitive is not a closed mesh, so it cannot be decomposed into convex "
                             "pieces; use collision: convex_hull or mesh")
        library = info.data.get("meshes")
        files = [mesh] if mesh is not None else [e.path for e in getattr(library, "entries", ()) if not e.extra]
        for path in files if value == "decomposition" else ():
            problem = mesh_watertight_problem(str(path))
            if problem is not None:
                raise ValueError(f"the mesh {path} {problem}")
        return value

    @model_validator(mode="after")
    def _orientation_and_label(self) -> ObjectGroupRecipe:
        if "yaw" in self.model_fields_set and self.orientation.mode != "upright":
            raise ValueError(f"'yaw' turns upright objects, but orientation.mode is {self.orientation.mode!r}; "
                             "remove 'yaw' (with mode: euler use orientation.z)")
        if not self.label and self.kitti_type is not None:
            raise ValueError("'kitti_type' labels objects for KITTI, but label: false makes them unlabelled "
                             "distractors; remove one of the two")
        return self


class PlacementRecipe(RecipeModel):
    """Where objects without a fixed ``location`` go: the area, the clearance, and the mode."""

    area: Vector(2, ge=0) = [1.0, 1.0]
    """Extent (x, y) in metres of the rectangle the objects are placed in. Each object's centre
    is drawn uniformly from this rectangle shrunk on every side by the object's footprint radius
    (the circle about its origin that holds its scaled xy extent at any yaw), so the footprint
    stays inside; along an axis where the footprint is wider than the rectangle, the centre
    is ``center``. ``collision_free`` keeps the posed mesh's whole xy extent inside it the same way."""
    center: Vector(2) = [0.0, 0.0]
    """Centre (x, y) of that rectangle, metres."""
    min_gap: Number(ge=0) = 0.01
    """Minimum clearance between objects, metres: between footprint circles (``footprint``), or the
    mesh-to-mesh distance (``collision_free``; 0 lets objects touch)."""
    max_tries: int = Field(default=200, ge=1, le=100000)
    """Attempts per object before giving up on it."""
    on_failure: Literal["skip", "error"] = "skip"
    """What to do with an object that does not fit: drop it, or fail the frame."""
    mode: Literal["footprint", "collision_free", "physics"] = "footprint"
    """Default placement mode of every group (``objects[i].placement`` overrides): ``footprint``
    (circles apart on the ground, upright objects), ``collision_free`` (rejection sampling against
    the real meshes, in any orientation: each object's lowest point rests on the ground, no two
    meshes intersect; exact for primitives and mesh files, the bounding box for ``.blend`` assets)
    or ``physics`` (dropped and settled, see ``physics``)."""


class SupportRecipe(SupportShapeRecipe):
    """A support (bin, tray, table, shelf): passive in the physics simulation, background (instance 0) in labels."""

    material: MaterialRecipe = MaterialRecipe(base_color=[0.35, 0.4, 0.45], roughness=0.6)
    """The support's material (drawn per frame)."""


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
    hdri: HdriChoice | None = None
    """Environment map, replaces ``color``: a ``.exr``/``.hdr`` file relative to the recipe's folder, or
    one drawn per frame from ``{builtin: [forest, city, ...]}`` (Blender's eight CC0 HDRIs),
    ``{folder: dir, pattern: "*.exr"}`` or ``{files: [...]}``."""
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
    physics: PhysicsRecipe | None = None
    """Rigid body settings of ``placement: physics`` groups (gravity, speeds, time cap, checks); default
    settings when absent."""
    supports: list[SupportRecipe] = []
    """Bins, trays, tables and shelves that physics groups are dropped into or onto (instance 0 in labels)."""
    optics: OpticsRecipe | None = None
    """Motion blur, depth of field, exposure and sensor noise on the RGB; labels stay sharp (``optics`` below)."""
    sequence: SequenceRecipe | None = None
    """Render sequences of ``frames`` frames at ``fps`` with a camera trajectory (``objects[].motion`` moves
    objects); ``frames`` (the dataset's) must be a multiple of ``sequence.frames``. None: stills."""
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
        self._check_sequence()
        for index, group in enumerate(self.objects):
            if group.support is not None and group.support >= len(self.supports):
                raise ValueError(f"objects[{index}].support: {group.support} names no support; "
                                 f"the recipe has {len(self.supports)} (indices from 0)")
        return self

    def _check_sequence(self) -> None:
        """``frames`` is whole sequences; object motion needs a sequence."""
        if self.sequence is None:
            moving = [i for i, group in enumerate(self.objects) if group.motion is not None]
            if moving:
                raise ValueError(f"objects[{moving[0]}].motion needs a 'sequence: {{frames: N, fps: F}}' section "
                                 "(stills do not move); add one or remove the motion")
        for index, group in enumerate(self.objects):
            mode = getattr(group, "placement", None) or getattr(self.placement, "mode", "footprint")
            tossed = group.motion is not None and group.motion.physics is not None
            if group.motion is not None and mode == "physics" and not tossed:
                raise ValueError(f"objects[{index}].motion: this group is placed by physics (settled at rest each "
                                 "frame), which would undo its motion; toss it instead with motion: {physics: "
                                 "{linear_velocity, angular_velocity}}, remove the motion, or use placement: "
                                 "footprint or collision_free for it")
            if group.motion is not None and not group.label and not tossed:
                raise ValueError(f"objects[{index}].motion: distractors (label: false) stay where they are placed; "
                                 "an analytic motion would be ignored: remove the motion, or label the group")
            if tossed and mode != "physics":
                raise ValueError(f"objects[{index}].motion.physics: a toss is simulated in the rigid body world, "
                                 f"but this group is placed by {mode}; set objects[{index}].placement: physics "
                                 "or give an analytic motion (linear_velocity, angular_velocity, path) instead")
        if self.sequence is not None and self.frames % self.sequence.frames:
            given = "" if "frames" in self.model_fields_set else ", the default: the recipe sets none"
            raise ValueError(f"frames ({self.frames}{given}) must be a multiple of sequence.frames "
                             f"({self.sequence.frames}): the dataset is whole sequences; change frames or "
                             "sequence.frames")

    def materials(self) -> list[MaterialRecipe]:
        """Every material the recipe declares (object groups, then the ground)."""
        found = [group.material for group in self.objects] + [support.material for support in self.supports]
        return found + ([self.ground.material] if self.ground is not None else [])

    def generated_textures(self) -> list[GeneratedTextureRecipe]:
        """The texture recipes that need a pool (everything but plain image files)."""
        return [m.texture for m in self.materials() if isinstance(m.texture, GeneratedTextureRecipe)]
