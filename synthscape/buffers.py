"""Frame buffers: the arrays one render of one frame produces, plus what the sensors stage adds.

The renderer fills the image passes (and ``mesh`` when a later stage needs geometry); the
sensors stage (:func:`synthscape.sensors.run_sensors`) adds ``lidar`` and ``visibility``;
writers only read them. Buffers are frozen: stages return ``dataclasses.replace`` copies.
"""

from __future__ import annotations

from collections.abc import Mapping
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
        triangle_metallic: (M,) float32 Principled metallic in [0, 1]; None = 0 everywhere.
        triangle_roughness: (M,) float32 Principled roughness in [0, 1]; None = 0.5 everywhere.
        triangle_lidar_reflectivity: (M,) float32 per-material LiDAR reflectivity override
            (``material.lidar_reflectivity``), NaN where none; None = no overrides.
        triangle_retroreflective: (M,) bool retro-reflective sheeting (signs, plates); None = none.
    """

    vertices: np.ndarray
    triangles: np.ndarray
    triangle_instance: np.ndarray
    triangle_reflectivity: np.ndarray
    triangle_metallic: np.ndarray | None = None
    triangle_roughness: np.ndarray | None = None
    triangle_lidar_reflectivity: np.ndarray | None = None
    triangle_retroreflective: np.ndarray | None = None


@dataclass(frozen=True)
class LidarScan:
    """The returns of one LiDAR sweep, in ring-major beam order (a beam's last return, if any,
    right after its strongest).

    Attributes:
        points: (N, 3) float32 positions in the LiDAR frame (x fwd, y left, z up), metres.
        intensity: (N,) float32 return strength in [0, 1].
        semantic: (N,) uint16 category id of the surface hit (0 = background).
        instance: (N,) uint16 instance id of the surface hit (0 = background).
        ring: (N,) uint16 beam index (ring 0 = the preset's top beam).
        time: (N,) float32 firing time of the return, seconds since the start of the sweep
            (``0 .. 1 / rotation_hz``); None = unknown.
        return_type: (N,) uint8 which echo of its beam a point is: 0 the strongest (the only
            one of a single-return beam), 1 the other echo of a dual-return beam: the last, or
            the second strongest when the last is the strongest (as Hesai and Velodyne report
            dual returns); None = all 0.
    """

    points: np.ndarray
    intensity: np.ndarray
    semantic: np.ndarray
    instance: np.ndarray
    ring: np.ndarray
    time: np.ndarray | None = None
    return_type: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.points.shape[0])


@dataclass(frozen=True)
class ObjectVisibility:
    """How much of one object the camera sees (pixel convention: OpenCV, pixel centres at integers).

    Attributes:
        instance_id: the object's instance id.
        visible_px: pixels of the instance map showing the object.
        amodal_px: pixels the object would cover with nothing in front of it (camera rays
            cast against its triangles alone), inside the image; None when unknown (no mesh).
        visible_fraction: ``visible_px / amodal_px`` in [0, 1]; None when unknown or
            ``amodal_px`` is 0 (the object is outside the image).
        amodal_box: ``(x1, y1, x2, y2)`` outer pixel edges of the amodal mask, in continuous
            pixel coordinates (pixel ``i`` spans ``[i - 0.5, i + 0.5)``); None when unknown/empty.
        amodal_mask: (H, W) bool unoccluded footprint; None when unknown.
        silhouette_px: pixels of the whole unoccluded silhouette, the part outside the image
            included (on a canvas three times the image's size, centred on it, as the BOP
            toolkit counts ``px_count_all``); None when unknown.
        silhouette_box: ``(x_min, y_min, x_max, y_max)`` inclusive pixel indices of that whole
            silhouette (may lie outside the image); None when unknown or empty.
    """

    instance_id: int
    visible_px: int
    amodal_px: int | None = None
    visible_fraction: float | None = None
    amodal_box: tuple[float, float, float, float] | None = None
    amodal_mask: np.ndarray | None = None
    silhouette_px: int | None = None
    silhouette_box: tuple[int, int, int, int] | None = None


BOX_KEYPOINT_NAMES: tuple[str, ...] = (*(f"corner_{i}" for i in range(8)), "center")
"""Names of an object's 3D-box keypoints, in order (corners as :func:`synthscape.lidar.mesh.box_corners`)."""


@dataclass(frozen=True)
class ObjectKeypoints:
    """Keypoints of one object in the image (pixel convention: OpenCV, pixel centres at integers).

    Attributes:
        instance_id: the object's instance id.
        names: (K,) keypoint names (``corner_0`` ... ``corner_7``, ``center`` of the 3D box).
        uv: (K, 2) float64 projected pixel coordinates (NaN behind the camera).
        visibility: (K,) uint8 COCO flags: 2 visible, 1 occluded (another surface, or the
            object's own, is in front of it), 0 outside the image or behind the camera.
    """

    instance_id: int
    names: tuple[str, ...]
    uv: np.ndarray
    visibility: np.ndarray


@dataclass(frozen=True)
class FrameBuffers:
    """The passes of one Cycles render, as numpy arrays (row 0 is the image top).

    Attributes:
        rgb: (H, W, 3) float32, linear scene-referred RGB (Cycles Combined, alpha dropped).
        depth: (H, W) float32, planar z-depth along the camera axis in metres;
            ``inf`` where no surface was hit.
        normal: (H, W, 3) float32, world-space unit normals; 0 where no hit.
        instance: (H, W) uint16, instance id per pixel (0 = background/ground).
        mesh: the scene's triangles when a later stage needs geometry (LiDAR, visibility).
        lidar: the frame's LiDAR sweep (sensors stage); None without a LiDAR.
        visibility: ``{instance_id: ObjectVisibility}`` for every object of the spec
            (sensors stage); None when no output asked for it.
        keypoints: ``{instance_id: ObjectKeypoints}`` for every object of the spec (sensors
            stage, ray cast against ``mesh``); None when no output asked for it.
    """

    rgb: np.ndarray
    depth: np.ndarray
    normal: np.ndarray
    instance: np.ndarray
    mesh: SceneMesh | None = None
    """World triangles of the frame, exported only when a stage needs them."""
    lidar: LidarScan | None = None
    """The LiDAR sweep, filled by the sensors stage."""
    visibility: Mapping[int, ObjectVisibility] | None = None
    """Per-object visibility, filled by the sensors stage."""
    keypoints: Mapping[int, ObjectKeypoints] | None = None
    """Per-object keypoints with COCO visibility flags, filled by the sensors stage."""
    flow_forward: np.ndarray | None = None
    """(H, W, 2) float32 optical flow to the next frame in pixels, ``[..., 0] = dx`` (right),
    ``[..., 1] = dy`` (down): the pixel (x, y) moves to (x + dx, y + dy). None for stills."""
    flow_backward: np.ndarray | None = None
    """(H, W, 2) float32 optical flow to the previous frame, same convention. None for stills."""

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
