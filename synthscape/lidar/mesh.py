"""Building :class:`~synthscape.buffers.SceneMesh` objects in numpy (tests, benchmarks, previews).

The renderer exports the real evaluated triangles from Blender
(:func:`synthscape.blender.mesh_export.export_scene_mesh`); these helpers build the same kind
of mesh from a spec without Blender, every object approximated by its oriented bounding box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synthscape.buffers import SceneMesh
from synthscape.spec.camera import object_to_world
from synthscape.spec.scene_spec import MaterialSpec, SceneSpec

_CUBE_FACES = np.array([[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
                        [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]],
                       dtype=np.int32)


def luminance(rgb: Sequence[float]) -> float:
    """Rec. 709 luminance of a linear RGB colour, in [0, 1]: the LiDAR reflectivity proxy."""
    r, g, b = (float(c) for c in rgb)
    return float(np.clip(0.2126 * r + 0.7152 * g + 0.0722 * b, 0.0, 1.0))


@dataclass(frozen=True)
class SurfaceOptics:
    """What the LiDAR model (:mod:`synthscape.lidar.reflectance`) needs of one material."""

    reflectivity: float
    """Luminance of the base colour, [0, 1]."""
    metallic: float = 0.0
    roughness: float = 0.5
    lidar_reflectivity: float | None = None
    """Override of the whole return by a Lambertian target of this reflectivity; None = none."""
    retroreflective: bool = False

    @classmethod
    def from_material(cls, material: MaterialSpec) -> SurfaceOptics:
        """The optics of a spec's material."""
        return cls(luminance(material.base_color), float(material.metallic), float(material.roughness),
                   material.lidar_reflectivity, bool(material.retroreflective))


OPTICS_FIELDS = ("triangle_metallic", "triangle_roughness", "triangle_lidar_reflectivity",
                 "triangle_retroreflective")
"""The optional per-triangle optics fields of :class:`SceneMesh`."""


def optics_mesh(vertices: np.ndarray, triangles: np.ndarray, instance_id: int,
                optics: SurfaceOptics) -> SceneMesh:
    """A :class:`SceneMesh` of one object: every triangle has ``instance_id`` and ``optics``."""
    count = len(triangles)
    override = np.nan if optics.lidar_reflectivity is None else optics.lidar_reflectivity
    return SceneMesh(
        vertices=np.asarray(vertices, dtype=np.float32), triangles=np.asarray(triangles, np.int32),
        triangle_instance=np.full(count, instance_id, dtype=np.uint16),
        triangle_reflectivity=np.full(count, optics.reflectivity, np.float32),
        triangle_metallic=np.full(count, optics.metallic, np.float32),
        triangle_roughness=np.full(count, optics.roughness, np.float32),
        triangle_lidar_reflectivity=np.full(count, override, np.float32),
        triangle_retroreflective=np.full(count, optics.retroreflective, bool))


def box_corners(bbox_min: Sequence[float], bbox_max: Sequence[float]) -> np.ndarray:
    """(8, 3) corners of an axis-aligned box; 0-3 the bottom face (z = min) counter-clockwise."""
    (x0, y0, z0), (x1, y1, z1) = bbox_min, bbox_max
    return np.array([[x0, y0, z0], [x1, y0, z0], [x1, y1, z0], [x0, y1, z0],
                     [x0, y0, z1], [x1, y0, z1], [x1, y1, z1], [x0, y1, z1]], dtype=np.float64)


def box_mesh(corners_world: np.ndarray, instance_id: int, reflectivity: float,
             optics: SurfaceOptics | None = None) -> SceneMesh:
    """A closed 12-triangle box from its (8, 3) world corners (order of :func:`box_corners`).

    ``optics`` (default: a dielectric of luminance ``reflectivity``) sets every LiDAR field.
    """
    optics = optics or SurfaceOptics(float(reflectivity))
    return optics_mesh(corners_world, _CUBE_FACES.copy(), instance_id, optics)


def ground_mesh(size: Sequence[float], reflectivity: float,
                optics: SurfaceOptics | None = None) -> SceneMesh:
    """Two triangles covering the ground plane z = 0, centred at the origin (instance 0)."""
    hx, hy = float(size[0]) / 2, float(size[1]) / 2
    vertices = np.array([[-hx, -hy, 0], [hx, -hy, 0], [hx, hy, 0], [-hx, hy, 0]], np.float32)
    optics = optics or SurfaceOptics(float(reflectivity))
    return optics_mesh(vertices, np.array([[0, 1, 2], [0, 2, 3]]), 0, optics)


_OPTICS_DEFAULTS = {"triangle_metallic": 0.0, "triangle_roughness": 0.5,
                    "triangle_lidar_reflectivity": np.nan, "triangle_retroreflective": False}


def _merged_field(meshes: Sequence[SceneMesh], name: str) -> np.ndarray | None:
    """One optics field over all meshes (defaults where a mesh lacks it); None if none has it."""
    if all(getattr(m, name) is None for m in meshes):
        return None
    default = _OPTICS_DEFAULTS[name]
    dtype = bool if name == "triangle_retroreflective" else np.float32
    return np.concatenate([np.full(len(m.triangles), default, dtype) if getattr(m, name) is None
                           else np.asarray(getattr(m, name), dtype) for m in meshes])


def merge_meshes(meshes: Sequence[SceneMesh]) -> SceneMesh:
    """Concatenate meshes into one, re-indexing the triangles (optics fields kept)."""
    offsets = np.cumsum([0] + [len(m.vertices) for m in meshes[:-1]])
    return SceneMesh(
        vertices=np.concatenate([m.vertices for m in meshes]).astype(np.float32),
        triangles=np.concatenate([m.triangles + o for m, o in zip(meshes, offsets)])
        .astype(np.int32),
        triangle_instance=np.concatenate([m.triangle_instance for m in meshes]),
        triangle_reflectivity=np.concatenate([m.triangle_reflectivity for m in meshes]),
        **{name: _merged_field(meshes, name) for name in OPTICS_FIELDS},
    )


def scene_mesh_from_spec(spec: SceneSpec) -> SceneMesh:
    """Approximate a spec's scene by the ground plane plus each object's (and distractor's, as
    instance 0) oriented bounding box.

    Exact for ``cube`` objects whose bbox is the cube; other shapes become their bounding box.
    """
    parts = []
    if spec.ground is not None:
        material = spec.ground.material
        parts.append(ground_mesh(spec.ground.size, luminance(material.base_color),
                                 SurfaceOptics.from_material(material)))
    bodies = [(o, o.instance_id) for o in spec.objects] + [(o, 0) for o in spec.distractors]  # distractors: 0
    for obj, instance_id in bodies:
        m = object_to_world(obj.location, obj.rotation, obj.scale)
        corners = box_corners(obj.bbox_min, obj.bbox_max) @ m[:3, :3].T + m[:3, 3]
        parts.append(box_mesh(corners, instance_id, luminance(obj.material.base_color),
                              SurfaceOptics.from_material(obj.material)))
    if not parts:
        raise ValueError("scene_mesh_from_spec: the spec has neither ground nor objects")
    return merge_meshes(parts)
