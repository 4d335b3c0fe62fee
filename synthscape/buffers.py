"""Frame buffers: the arrays one render of one frame produces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SceneMesh:
    """The evaluated scene's triangles in world coordinates, for ray casting (LiDAR).

    Attributes:
        vertices: (N, 3) float32 world positions, metres.
        triangles: (M, 3) int32 vertex indices.
        triangle_instance: (M,) uint16 instance id of each triangle (0 = ground/background).
        triangle_reflectivity: (M,) float32 diffuse reflectivity in [0, 1] of each triangle's
            material (luminance of the base colour), for LiDAR intensity.
    """

    vertices: np.ndarray
    triangles: np.ndarray
    triangle_instance: np.ndarray
    triangle_reflectivity: np.ndarray


@dataclass(frozen=True)
class FrameBuffers:
    """The passes of one Cycles render, as numpy arrays (row 0 is the image top).

    Attributes:
        rgb: (H, W, 3) float32, linear scene-referred RGB (Cycles Combined, alpha dropped).
        depth: (H, W) float32, planar z-depth along the camera axis in metres;
            ``inf`` where no surface was hit.
        normal: (H, W, 3) float32, world-space unit normals; 0 where no hit.
        instance: (H, W) uint16, instance id per pixel (0 = background/ground).
        mesh: the scene's triangles when a LiDAR is requested (``spec.extras['lidar']``).
    """

    rgb: np.ndarray
    depth: np.ndarray
    normal: np.ndarray
    instance: np.ndarray
    mesh: SceneMesh | None = None
    """World triangles of the frame, exported only when the spec asks for LiDAR."""

    @property
    def height(self) -> int:
        """Image height in pixels."""
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        """Image width in pixels."""
        return int(self.rgb.shape[1])

    def semantic(self, instance_to_category: dict[int, int]) -> np.ndarray:
        """(H, W) uint16 category ids, looked up from the instance map."""
        lut = np.zeros(int(self.instance.max(initial=0)) + 1, dtype=np.uint16)
        for instance_id, category_id in instance_to_category.items():
            if instance_id < lut.size:
                lut[instance_id] = category_id
        return lut[self.instance]
