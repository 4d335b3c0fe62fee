"""Per-pixel camera rays, and a ray-cast "render" of depth and instance ids.

Pixel convention: :mod:`synthscape.spec.projection` (OpenCV: pixel centres at integer
coordinates, so pixel (row j, column i) covers [i - 0.5, i + 0.5) x [j - 0.5, j + 0.5) and its
ray goes through (i, j)). ``PIXEL_CENTER``, ``image_extent`` and ``pixel_index`` are
re-exported from there.
"""

from __future__ import annotations

import numpy as np

from synthscape.buffers import SceneMesh
from synthscape.lidar.raycast import Open3DRaycaster, RaycastBackend
from synthscape.spec.lens import Lens, lens_of, undistort_pixels
from synthscape.spec.projection import PIXEL_CENTER, image_extent, pixel_index
from synthscape.spec.scene_spec import SceneSpec

__all__ = ["PIXEL_CENTER", "image_extent", "pixel_index", "pixel_rays", "raycast_camera"]


def pixel_rays(K: np.ndarray, world_to_camera: np.ndarray, cols: tuple[int, int],
               rows: tuple[int, int], lens: Lens | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World rays through the pixel centres of a rectangle of the image.

    Args:
        K: (3, 3) intrinsics, pixels.
        world_to_camera: (4, 4) OpenCV world-to-camera transform.
        cols: [start, stop) column range.
        rows: [start, stop) row range.
        lens: the camera's distortion (:func:`synthscape.spec.lens.lens_of`); the rays then go
            through the *distorted* pixel centres (each undistorted to its normalized ray).
            Outside the image the model is extrapolated.

    Returns:
        origin: (3,) float32 camera centre in the world, metres.
        directions: (R, 3) float32 unit world directions, R = rows x cols, row-major.
        z_per_t: (R,) float32 camera-z per unit of ray length (planar depth = t * z_per_t).
    """
    w2c = np.asarray(world_to_camera, dtype=np.float64)
    c2w_rot = w2c[:3, :3].T
    origin = -c2w_rot @ w2c[:3, 3]
    ii, jj = np.meshgrid(np.arange(*cols) + PIXEL_CENTER, np.arange(*rows) + PIXEL_CENTER)
    if lens is None:
        pix = np.stack([ii.ravel(), jj.ravel(), np.ones(ii.size)], axis=1)
        cam = pix @ np.linalg.inv(np.asarray(K, dtype=np.float64)).T
    else:
        xy = undistort_pixels(np.asarray(K, dtype=np.float64), lens, np.stack([ii.ravel(), jj.ravel()], axis=1))
        cam = np.hstack([xy, np.ones((len(xy), 1))])
    cam /= np.linalg.norm(cam, axis=1, keepdims=True)
    return (origin.astype(np.float32), (cam @ c2w_rot.T).astype(np.float32),
            cam[:, 2].astype(np.float32))


def raycast_camera(mesh: SceneMesh, spec: SceneSpec,
                   backend: RaycastBackend | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ray-cast the camera's view: what a render's depth and instance passes would hold.

    Args:
        mesh: world triangles.
        spec: the frame (camera K, distortion, world_to_camera, width, height).
        backend: ray caster over ``mesh``; default Open3D.

    Returns:
        depth: (H, W) float32 planar depth in metres, ``inf`` where nothing is hit.
        instance: (H, W) uint16 instance id, 0 = background.
    """
    cam = spec.camera
    backend = backend or Open3DRaycaster(mesh)
    origin, dirs, z_per_t = pixel_rays(np.asarray(cam.K), np.asarray(cam.world_to_camera),
                                       (0, cam.width), (0, cam.height), lens_of(cam))
    hits = backend.cast(origin, dirs)
    depth = (hits.t * z_per_t).reshape(cam.height, cam.width).astype(np.float32)
    return depth, hits.instance(mesh).reshape(cam.height, cam.width)
