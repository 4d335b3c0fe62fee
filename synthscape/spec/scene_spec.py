"""The resolved scene spec: everything one frame needs, with no randomness left.

A :class:`SceneSpec` is sampled from a recipe and a frame seed (see
:mod:`synthscape.spec.sample`) and realized by the Blender layer. Its JSON form
(:func:`spec_to_json`) is the record that reproduces the frame; it is byte-stable
for a given seed because every float is rounded to a fixed precision.

Conventions:
    * World frame: right-handed, Z up, metres. The ground plane is z = 0.
    * Rotations are XYZ Euler angles in radians (Blender's default order).
    * Colours are linear RGB in [0, 1].
    * Camera matrices use the OpenCV convention (x right, y down, z forward):
      ``K`` is 3x3 in pixels, ``world_to_camera`` is 4x4.
    * Instance id 0 is the background (ground, world, distractors); objects count from 1.
    * Category id 0 is the background; recipe categories count from 1.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from synthscape.plan.categories import CategorySpec
from synthscape.spec.motion_spec import MotionSpec, ObjectMotionSpec, PoseSpec, motion_from_dict  # noqa: F401
from synthscape.spec.optics import OpticsSpec
from synthscape.spec.physics import PhysicsSpec, physics_from_dict
from synthscape.spec.supports import SupportSpec, support_fields_from_dict

Vec3 = tuple[float, float, float]
Matrix = tuple[tuple[float, ...], ...]

PrimitiveShape = Literal["cube", "sphere", "cylinder", "cone", "torus", "monkey", "plane"]
LightKind = Literal["sun", "point", "area"]
DeviceRequest = Literal["auto", "cpu", "gpu"]


@dataclass(frozen=True)
class TextureMapping:
    """How an image or procedural texture sits on a surface."""

    projection: Literal["box", "uv"] = "box"
    """Box (tri-planar) projection in object space, or the mesh's UV map."""
    scale: float = 1.0
    """Texture repeats per metre (box) or per UV unit."""
    rotation: float = 0.0
    """Rotation of the texture about its normal, radians."""
    offset: tuple[float, float] = (0.0, 0.0)
    """Texture-space offset, in texture units."""


@dataclass(frozen=True)
class TextureSource:
    """Where an image texture came from, for provenance in ``dataset.json``."""

    provider: str
    """``file``, ``folder``, ``procedural`` or an API provider such as ``openai``."""
    model: str | None = None
    prompt: str | None = None
    ai_generated: bool = False


@dataclass(frozen=True)
class PbrMaps:
    """A PBR texture set on a material (``material.library``): absolute paths of its maps."""

    set_name: str
    """The set's name in its library (file prefix, ``subfolder/prefix`` in a subfolder)."""
    color: str
    """Colour map (sRGB; linear for EXR), multiplied by ``base_color``."""
    roughness: str | None = None
    normal: str | None = None
    normal_convention: Literal["gl", "dx"] = "gl"
    """``gl`` (+Y) or ``dx`` (-Y: the green channel is flipped when rendered)."""
    metalness: str | None = None
    displacement: str | None = None
    """Height map, rendered as bump mapping."""
    ao: str | None = None
    """Ambient occlusion, multiplied into the colour."""
    color_mean: Vec3 = (0.5, 0.5, 0.5)
    """Mean linear RGB of the colour map (LiDAR reflectivity: ``base_color`` x this)."""
    normal_strength: float = 1.0
    bump_strength: float = 0.3
    bump_distance: float = 0.02
    """Bump height of a white displacement texel, metres."""


@dataclass(frozen=True)
class MaterialSpec:
    """A Principled BSDF material."""

    base_color: Vec3 = (0.8, 0.8, 0.8)
    roughness: float = 0.5
    metallic: float = 0.0
    texture_path: str | None = None
    """Absolute path of an image texture multiplied into the base colour."""
    texture_mapping: TextureMapping = TextureMapping()
    texture_source: TextureSource | None = None
    noise_scale: float | None = None
    """Scale of a procedural noise texture mixed into the base colour; None = off."""
    noise_strength: float = 0.0
    """How much the noise darkens/lightens the base colour, 0..1."""
    lidar_reflectivity: float | None = None
    """LiDAR reflectivity override in [0, 1]; None = from base colour, metallic, roughness."""
    retroreflective: bool = False
    """Retro-reflective sheeting (signs, plates) for the LiDAR."""
    pbr: PbrMaps | None = None
    """A PBR texture set (colour, roughness, normal, metalness, displacement, AO maps), laid on with
    ``texture_mapping``; None = none."""


@dataclass(frozen=True)
class ObjectSpec:
    """One object instance in the scene."""

    instance_id: int
    """1-based id written into the object-index pass and ``instance/*.png``."""
    category_id: int
    shape: PrimitiveShape | Literal["mesh"]
    location: Vec3
    """World position of the object origin, metres."""
    rotation: Vec3
    """XYZ Euler rotation, radians."""
    scale: Vec3
    material: MaterialSpec
    mesh_path: str | None = None
    """Absolute path of a .obj/.ply/.glb/.stl file when ``shape == 'mesh'``."""
    bbox_min: Vec3 = (-1.0, -1.0, -1.0)
    """Axis-aligned bounds of the unscaled, unrotated shape in its own frame, metres."""
    bbox_max: Vec3 = (1.0, 1.0, 1.0)
    mesh_transform: Matrix = ((1.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0), (0.0, 0.0, 0.0, 1.0))
    """4x4 from the mesh file's imported frame (as Blender's importer places it: OBJ/glTF turned
    Z-up) to the object frame (asset normalization: up axis, origin, size), applied to the
    imported vertices before ``location``/``rotation``/``scale``."""
    asset_hash: str | None = None
    """sha256 of ``mesh_path``'s bytes (mesh files only)."""
    use_asset_materials: bool = False
    """Render with the file's own materials instead of ``material`` (labels unchanged)."""
    source: str | None = None
    """The library entry a mesh-file object came from (a path, ``folder:...`` or ``glob:...``), for provenance."""
    blend_object: str | None = None
    """The object of the ``.blend`` file ``mesh_path`` this object is (``.blend`` library entries)."""
    blend_collection: str | None = None
    """The collection of the ``.blend`` file ``mesh_path`` this object is, baked into one object."""
    collision: str = "convex_hull"
    """Collision shape when the object is dropped by physics: convex_hull, decomposition, mesh or box."""
    color_attribute: str | None = None
    """A per-vertex colour attribute of the mesh (procedural shapes: ``Col``) mixed into the base
    colour: where its alpha is 1 the material colour is multiplied by it, where 0 its RGB is used
    as is (windows, tyres, skin)."""
    procedural: dict[str, Any] | None = None
    """The procedural generator this mesh came from: ``kind`` and every parameter (for meta)."""


@dataclass(frozen=True)
class LightSpec:
    """A light. ``energy`` is W for point/area lights and W/m^2 (strength) for sun."""

    kind: LightKind
    location: Vec3
    rotation: Vec3
    energy: float
    color: Vec3
    """Linear RGB from the colour temperature."""
    temperature_k: float
    size: float = 0.1
    """Radius (point), edge length (area) or angular diameter in radians (sun)."""


@dataclass(frozen=True)
class WorldSpec:
    """The world background and ambient light."""

    color: Vec3 = (0.05, 0.05, 0.05)
    strength: float = 1.0
    hdri_path: str | None = None
    hdri_rotation: float = 0.0
    """Rotation of the HDRI about the world Z axis, radians."""


@dataclass(frozen=True)
class GroundSpec:
    """The ground plane at z = 0, centred at the origin (instance id 0)."""

    size: tuple[float, float]
    """Extent along x and y, metres."""
    material: MaterialSpec


IDENTITY4: Matrix = ((1.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0), (0.0, 0.0, 0.0, 1.0))
MAIN_CAMERA = "camera"
"""Default name of the rig's main camera (its frame is the rig frame)."""


@dataclass(frozen=True)
class CameraSpec:
    """A pinhole camera on the rig. Matrices are OpenCV-convention (see module docstring)."""

    width: int
    height: int
    focal_length_mm: float
    sensor_width_mm: float
    K: Matrix
    """3x3 intrinsics in pixels."""
    world_to_camera: Matrix
    """4x4 rigid transform from world to OpenCV camera coordinates."""
    clip_start: float = 0.01
    clip_end: float = 1000.0
    name: str = MAIN_CAMERA
    """The camera's name: ``cameras/NAME/`` holds its images (the main camera's are at the root)."""
    camera_to_rig: Matrix = IDENTITY4
    """4x4 extrinsic: OpenCV camera frame to the rig frame (identity for the main camera)."""
    distortion_model: str = "none"
    """Lens distortion (:mod:`synthscape.spec.lens`): ``none``, ``plumb_bob``, ``rational_polynomial``
    or ``equidistant`` (fisheye); the images and labels are distorted, ``K`` is the pinhole part."""
    distortion: tuple[float, ...] = ()
    """The model's coefficients in OpenCV ``distCoeffs`` order (``k1 k2 p1 p2 k3 [k4 k5 k6]`` or ``k1..k4``)."""


@dataclass(frozen=True)
class LidarSpec:
    """A LiDAR on the rig; ``params`` is the resolved sensor (see :func:`synthscape.lidar.sample_lidar_spec`)."""

    name: str
    params: dict[str, Any]
    """``sensor``, ``noise``, ``lidar_to_camera`` (to the main camera = rig frame), ``lidar_to_world``."""


@dataclass(frozen=True)
class RigSpec:
    """The sensors besides the main camera (:attr:`SceneSpec.camera`), whose frame is the rig frame.

    A still from one camera has an empty rig: no extra camera, and a LiDAR only with a
    ``lidar:`` recipe section.
    """

    cameras: tuple[CameraSpec, ...] = ()
    """Further cameras, each with its ``camera_to_rig`` extrinsic and its own intrinsics."""
    lidars: tuple[LidarSpec, ...] = ()
    stereo_right: str | None = None
    """The further camera that forms a rectified stereo pair with the main (left) camera, if any."""


@dataclass(frozen=True)
class ClockSpec:
    """When the frame is: which sequence, which step of it, and the time in seconds.

    Stills are sequences of one frame: ``sequence = frame_index``, ``step = 0``, ``time_s = 0``.
    """

    sequence: int = 0
    step: int = 0
    """Frame index within the sequence."""
    time_s: float = 0.0
    """Timestamp within the sequence, seconds."""
    fps: float = 0.0
    """Frames per second of the sequence (0 for stills)."""


@dataclass(frozen=True)
class RenderSpec:
    """Cycles settings for the frame."""

    samples: int = 16
    denoise: bool = False
    device: DeviceRequest = "auto"
    min_pixel_area: int = 16
    """Instances with fewer visible pixels get no annotation."""


@dataclass(frozen=True)
class SceneSpec:
    """Everything needed to render and label one frame."""

    frame_index: int
    dataset_seed: int
    camera: CameraSpec
    ground: GroundSpec | None
    objects: tuple[ObjectSpec, ...]
    lights: tuple[LightSpec, ...]
    world: WorldSpec
    render: RenderSpec
    categories: tuple[CategorySpec, ...]
    extras: dict[str, Any] = field(default_factory=dict)
    """Optional sections added by other modules, JSON-serializable."""
    rig: RigSpec = RigSpec()
    """Further cameras and the LiDARs; the main camera is :attr:`camera`."""
    clock: ClockSpec | None = None
    """The frame's time (None: a still, ``ClockSpec(sequence=frame_index)``)."""
    outputs: tuple[str, ...] = ()
    """Output formats the frame is written in (the run plan's; empty: the default set)."""
    needs: tuple[str, ...] = ()
    """What the outputs need beyond the passes, sorted (``mesh``, ``visibility``, ``lidar``)."""
    output_options: dict[str, Any] = field(default_factory=dict)
    """Resolved options of output formats, by format name (``bop``: the recipe's ``bop:`` section)."""
    optics: OpticsSpec | None = None
    """Motion blur, depth of field, exposure and sensor noise (the ``optics:`` section; None: ideal)."""
    motion: MotionSpec | None = None
    """Poses one frame before and after (sequences; None for stills)."""
    supports: tuple[SupportSpec, ...] = ()
    """Bins, trays, tables and shelves (background: instance id 0, passive in the physics simulation)."""
    physics: PhysicsSpec | None = None
    """Physics placement: settings, dropped bodies, and after settling what it did (None: no physics)."""
    distractors: tuple[ObjectSpec, ...] = ()
    """Unlabelled objects (``label: false`` groups): rendered, occluding, casting shadows and seen by
    the LiDAR, but instance id 0 (background) in every label map and in no annotation. Their
    ``instance_id`` counts from 1 in their own id space (Blender names them ``distractor_NNNN``);
    their ``category_id`` is 0."""

    def cameras(self) -> tuple[CameraSpec, ...]:
        """Every camera of the rig, main camera first."""
        return (self.camera, *self.rig.cameras)

    def view(self, camera_name: str) -> SceneSpec:
        """This frame as seen by one camera of the rig (that camera becomes :attr:`camera`).

        Raises:
            KeyError: no camera of that name.
        """
        for camera in self.cameras():
            if camera.name == camera_name:
                return dataclasses.replace(self, camera=camera) if camera is not self.camera else self
        raise KeyError(f"no camera named {camera_name!r}; the rig has {[c.name for c in self.cameras()]}")

    @property
    def lidar(self) -> dict[str, Any] | None:
        """The first LiDAR's resolved parameters, or None."""
        return self.rig.lidars[0].params if self.rig.lidars else None

    def with_lidar(self, params: dict[str, Any] | None, name: str = "lidar") -> SceneSpec:
        """This spec with its LiDARs replaced by one of these parameters (None: no LiDAR)."""
        lidars = (LidarSpec(name=name, params=params),) if params else ()
        return dataclasses.replace(self, rig=dataclasses.replace(self.rig, lidars=lidars))

    def frame_clock(self) -> ClockSpec:
        """The frame's clock (a still's when :attr:`clock` is None)."""
        return self.clock if self.clock is not None else ClockSpec(sequence=self.frame_index)

    def category_of(self, instance_id: int) -> CategorySpec:
        """The category of an object instance."""
        obj = next(o for o in self.objects if o.instance_id == instance_id)
        return next(c for c in self.categories if c.id == obj.category_id)

    def wants_kitti(self) -> bool:
        """True when some category has a KITTI type, so the frame gets a KITTI export."""
        return any(c.kitti_type for c in self.categories)

    def wants_scene_mesh(self) -> bool:
        """True when the renderer must export world triangles (LiDAR, KITTI occlusion)."""
        if self.outputs:  # planned: exactly what the outputs need
            return "mesh" in self.needs
        return bool(self.lidar) or self.wants_kitti()

    def instance_to_category(self) -> dict[int, int]:
        """Map from instance id to category id (background 0 -> 0)."""
        return {0: 0, **{o.instance_id: o.category_id for o in self.objects}}


FLOAT_DIGITS = 9


def _round(value: Any) -> Any:
    if isinstance(value, float):
        rounded = round(value, FLOAT_DIGITS)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return value


def spec_to_dict(spec: Any) -> dict[str, Any]:
    """A JSON-ready dict of a spec dataclass, floats rounded to 9 decimals."""
    return _round(dataclasses.asdict(spec))


def spec_to_json(spec: SceneSpec) -> str:
    """Canonical JSON of a scene spec: sorted keys, rounded floats, stable bytes."""
    return json.dumps(spec_to_dict(spec), sort_keys=True, indent=1)


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _build(cls: type, data: dict[str, Any]) -> Any:
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        kwargs[f.name] = _tuples(data[f.name])
    return cls(**kwargs)


def _material_from_dict(data: dict[str, Any]) -> MaterialSpec:
    data = dict(data)
    data["texture_mapping"] = _build(TextureMapping, data.get("texture_mapping") or {})
    if data.get("texture_source"):
        data["texture_source"] = _build(TextureSource, data["texture_source"])
    if data.get("pbr"):
        data["pbr"] = _build(PbrMaps, data["pbr"])
    return MaterialSpec(**{k: _tuples(v) if k not in ("texture_mapping", "texture_source", "pbr") else v
                           for k, v in data.items()})


def spec_from_dict(data: dict[str, Any]) -> SceneSpec:
    """Rebuild a :class:`SceneSpec` from :func:`spec_to_dict` output."""
    objects = [_object_from_dict(o) for o in data["objects"]]
    ground = None
    if data.get("ground"):
        ground = GroundSpec(size=tuple(data["ground"]["size"]),
                            material=_material_from_dict(data["ground"]["material"]))
    return SceneSpec(
        frame_index=data["frame_index"],
        dataset_seed=data["dataset_seed"],
        camera=_build(CameraSpec, data["camera"]),
        ground=ground,
        objects=tuple(objects),
        lights=tuple(_build(LightSpec, x) for x in data["lights"]),
        world=_build(WorldSpec, data["world"]),
        render=_build(RenderSpec, data["render"]),
        categories=tuple(_build(CategorySpec, c) for c in data["categories"]),
        extras=data.get("extras", {}),
        rig=_rig_from_dict(data.get("rig") or {}),
        clock=_build(ClockSpec, data["clock"]) if data.get("clock") else None,
        outputs=tuple(data.get("outputs", ())),
        needs=tuple(data.get("needs", ())),
        output_options=dict(data.get("output_options") or {}),
        optics=_build(OpticsSpec, data["optics"]) if data.get("optics") else None,
        motion=motion_from_dict(data["motion"]) if data.get("motion") else None,
        supports=tuple(SupportSpec(**support_fields_from_dict(x), material=_material_from_dict(x["material"]))
                       for x in data.get("supports", ())),
        physics=physics_from_dict(data["physics"]) if data.get("physics") else None,
        distractors=tuple(_object_from_dict(o) for o in data.get("distractors", ())),
    )


def _object_from_dict(data: dict[str, Any]) -> ObjectSpec:
    o = dict(data)
    o["material"] = _material_from_dict(o["material"])
    return ObjectSpec(**{k: _tuples(v) if k != "material" else v for k, v in o.items()})


def _rig_from_dict(data: dict[str, Any]) -> RigSpec:
    return RigSpec(cameras=tuple(_build(CameraSpec, c) for c in data.get("cameras", ())),
                   lidars=tuple(LidarSpec(name=str(x["name"]), params=dict(x["params"]))
                                for x in data.get("lidars", ())),
                   stereo_right=data.get("stereo_right"))
