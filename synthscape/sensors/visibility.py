"""Per-object visibility: visible pixels from the instance map, amodal masks by ray casting.

An object's amodal mask is what the camera would see of it with nothing in front: the
camera rays through the pixel centres of its projected bounding rectangle, cast against the
object's triangles alone. Pixel convention: :mod:`synthscape.spec.projection`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from synthscape.buffers import FrameBuffers, ObjectVisibility, SceneMesh
from synthscape.lidar.camera_rays import pixel_rays
from synthscape.lidar.raycast import RaycastBackend, default_raycaster
from synthscape.spec.projection import NEAR_PLANE_M, PIXEL_CENTER
from synthscape.spec.scene_spec import SceneSpec

RaycasterFactory = Callable[[SceneMesh], RaycastBackend]


def _submesh(mesh: SceneMesh, triangles: np.ndarray) -> SceneMesh:
    return SceneMesh(mesh.vertices, mesh.triangles[triangles], mesh.triangle_instance[triangles],
                     mesh.triangle_reflectivity[triangles])


def _object_rect_px(mesh: SceneMesh, spec: SceneSpec, tri: np.ndarray) -> tuple[int, int, int, int]:
    """[x0, x1) x [y0, y1) pixel rectangle holding an object's projection (whole image if it
    reaches behind the near plane), with a one-pixel margin."""
    cam = spec.camera
    w2c = np.asarray(cam.world_to_camera, float)
    verts = mesh.vertices[np.unique(mesh.triangles[tri])].astype(np.float64)
    pc = verts @ w2c[:3, :3].T + w2c[:3, 3]
    if np.any(pc[:, 2] < NEAR_PLANE_M):
        return 0, cam.width, 0, cam.height
    uv = pc @ np.asarray(cam.K, float).T
    uv = uv[:, :2] / uv[:, 2:3]
    x0, y0 = np.floor(uv.min(axis=0) - PIXEL_CENTER).astype(int) - 1
    x1, y1 = np.ceil(uv.max(axis=0) - PIXEL_CENTER).astype(int) + 2
    return (int(np.clip(x0, 0, cam.width)), int(np.clip(x1, 0, cam.width)),
            int(np.clip(y0, 0, cam.height)), int(np.clip(y1, 0, cam.height)))


def amodal_masks(mesh: SceneMesh, spec: SceneSpec,
                 raycaster: RaycasterFactory = default_raycaster) -> dict[int, np.ndarray]:
    """Unoccluded footprint of every object: camera rays cast against its triangles alone.

    Args:
        mesh: the frame's world triangles (``FrameBuffers.mesh``).
        spec: the frame (camera and objects).
        raycaster: builds a backend over one object's triangles (default: first available).

    Returns:
        ``{instance_id: (H, W) bool}`` for each object of ``spec`` with triangles in ``mesh``.
    """
    cam = spec.camera
    out: dict[int, np.ndarray] = {}
    for obj in spec.objects:
        tri = np.flatnonzero(mesh.triangle_instance == obj.instance_id)
        if tri.size == 0:
            continue
        mask = out.setdefault(obj.instance_id, np.zeros((cam.height, cam.width), dtype=bool))
        x0, x1, y0, y1 = _object_rect_px(mesh, spec, tri)
        if x1 <= x0 or y1 <= y0:
            continue
        origin, dirs, _ = pixel_rays(np.asarray(cam.K), np.asarray(cam.world_to_camera), (x0, x1), (y0, y1))
        hits = raycaster(_submesh(mesh, tri)).cast(origin, dirs)
        mask[y0:y1, x0:x1] = np.isfinite(hits.t).reshape(y1 - y0, x1 - x0)
    return out


def mask_box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """Outer pixel edges ``(x1, y1, x2, y2)`` of a mask in continuous coordinates; None if empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    lo = PIXEL_CENTER - 0.5
    return (float(cols[0] + lo), float(rows[0] + lo), float(cols[-1] + 1 + lo), float(rows[-1] + 1 + lo))


def object_visibility(spec: SceneSpec, buffers: FrameBuffers,
                      raycaster: RaycasterFactory = default_raycaster) -> dict[int, ObjectVisibility]:
    """:class:`ObjectVisibility` of every object of the spec.

    Visible pixels come from ``buffers.instance``; the amodal mask, its pixel count, box and
    the visible fraction need ``buffers.mesh`` (None without it, or for an object the mesh
    lacks). ``visible_fraction`` is capped at 1 (the render's box filter can add a border pixel).
    """
    counts = np.bincount(np.asarray(buffers.instance, dtype=np.int64).ravel())
    amodal = amodal_masks(buffers.mesh, spec, raycaster) if buffers.mesh is not None else {}
    out: dict[int, ObjectVisibility] = {}
    for obj in spec.objects:
        visible = int(counts[obj.instance_id]) if obj.instance_id < counts.size else 0
        mask = amodal.get(obj.instance_id)
        if mask is None:
            out[obj.instance_id] = ObjectVisibility(obj.instance_id, visible)
            continue
        amodal_px = int(mask.sum())
        fraction = min(1.0, visible / amodal_px) if amodal_px else None
        out[obj.instance_id] = ObjectVisibility(obj.instance_id, visible, amodal_px, fraction,
                                                mask_box(mask), mask)
    return out


__all__ = ["amodal_masks", "mask_box", "object_visibility"]
