"""A KITTI-like street scene spec built in numpy, for tests and benchmarks (no Blender)."""

from __future__ import annotations

import numpy as np

from synthscape.spec.projection import intrinsics_matrix
from synthscape.spec.scene_spec import (CameraSpec, CategorySpec, GroundSpec, MaterialSpec,
                                        ObjectSpec, SceneSpec, WorldSpec, RenderSpec)

CAMERA_HEIGHT_M = 1.65
CATEGORIES = (CategorySpec(1, "car", "Car"), CategorySpec(2, "pedestrian", "Pedestrian"),
              CategorySpec(3, "cyclist", "Cyclist"), CategorySpec(4, "building", None))
_HALF_SIZES = {1: (2.0, 0.9, 0.75), 2: (0.4, 0.3, 0.88), 3: (0.9, 0.3, 0.85)}
"""Half length, half width, half height of a unit cube scaled to each KITTI class, metres."""


def level_camera(width: int, height: int, focal_px: float,
                 position: tuple[float, float, float] = (0.0, 0.0, CAMERA_HEIGHT_M),
                 pitch: float = 0.0) -> CameraSpec:
    """A camera looking along world +y (pitched down by ``pitch`` radians), OpenCV matrices."""
    cp, sp = np.cos(pitch), np.sin(pitch)
    forward = np.array([0.0, cp, -sp])
    down = np.array([0.0, -sp, -cp])
    right = np.cross(down, forward)
    rot = np.stack([right, down, forward])
    w2c = np.eye(4)
    w2c[:3, :3] = rot
    w2c[:3, 3] = -rot @ np.asarray(position)
    K = tuple(tuple(float(v) for v in row) for row in intrinsics_matrix(width, height, focal_px))
    return CameraSpec(width, height, 4.0, 4.0 * width / focal_px, K,
                      tuple(tuple(float(v) for v in row) for row in w2c))


def _object(instance_id: int, category: int, xy: np.ndarray, yaw: float, half: tuple,
            gray: float) -> ObjectSpec:
    return ObjectSpec(instance_id=instance_id, category_id=category, shape="cube",
                      location=(float(xy[0]), float(xy[1]), float(half[2])),
                      rotation=(0.0, 0.0, float(yaw)), scale=tuple(float(h) for h in half),
                      material=MaterialSpec(base_color=(gray, gray, gray)))


def street_spec(rng: np.random.Generator, width: int = 400, height: int = 120,
                focal_px: float = 260.0, n_objects: int = 12, pitch: float = 0.0) -> SceneSpec:
    """Ground plane, cars/pedestrians/cyclists on a road ahead, buildings on both sides.

    Objects are placed without overlapping footprints at 5..45 m ahead, |x| < 8 m.
    """
    objects: list[ObjectSpec] = []
    placed: list[np.ndarray] = []
    while len(objects) < n_objects:
        category = int(rng.choice([1, 1, 2, 3]))
        xy = np.array([rng.uniform(-8, 8), rng.uniform(5, 45)])
        if any(np.linalg.norm(xy - p) < 5.0 for p in placed):
            continue
        placed.append(xy)
        objects.append(_object(len(objects) + 1, category, xy, rng.uniform(-np.pi, np.pi),
                               _HALF_SIZES[category], float(rng.uniform(0.2, 0.9))))
    for side in (-1, 1):
        for k in range(4):
            half = (5.0, 3.0, float(rng.uniform(3, 8)))
            xy = np.array([side * 16.0, 8.0 + 14.0 * k])
            objects.append(_object(len(objects) + 1, 4, xy, np.pi / 2, half, 0.5))
    return SceneSpec(frame_index=0, dataset_seed=0, camera=level_camera(width, height, focal_px,
                                                                        pitch=pitch),
                     ground=GroundSpec((200.0, 200.0), MaterialSpec(base_color=(0.3, 0.3, 0.3))),
                     objects=tuple(objects), lights=(), world=WorldSpec(), render=RenderSpec(),
                     categories=CATEGORIES)
