"""Per-object visibility: visible pixels from the instance map, amodal masks by ray casting.

An object's amodal mask is what the camera would see of it with nothing in front: the
camera rays through the pixel centres of its projected bounding rectangle, cast against the
object's triangles alone. The rectangle may reach beyond the image (up to one image size
past each border, as the BOP toolkit's canvas), so the whole silhouette of a truncated
object is counted too. Pixel convention: :mod:`synthscape.spec.projection`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from synthscape.buffers import FrameBuffers, ObjectVisibility, SceneMesh
from synthscape.lidar.camera_rays import pixel_rays
from synthscape.lidar.raycast import RaycastBackend, default_raycaster
from synthscape.spec.lens import lens_of, project_in_view
from synthscape.spec.projection import NEAR_PLANE_M, PIXEL_CENTER, mask_edges
from synthscape.spec.scene_spec import SceneSpec

RaycasterFactory = Callable[[SceneMesh], RaycastBackend]


def _submesh(mesh: SceneMesh, triangles: np.ndarray) -> SceneMesh:
    return SceneMesh(mesh.vertices, mesh.triangles[triangles], mesh.triangle_instance[triangles],
                     mesh.triangle_reflectivity[triangles])


CANVAS_MARGIN = 1.0
"""The silhouette is traced this many image sizes beyond each border (BOP toolkit: a canvas
three times the image, so ``px_count_all`` counts the truncated part too)."""


def _canvas(spec: SceneSpec) -> tuple[int, int, int, int]:
    """[x0, x1) x [y0, y1) pixels of the canvas the silhouette is traced on."""
    w, h = spec.camera.width, spec.camera.height
    mx, my = round(CANVAS_MARGIN * w), round(CANVAS_MARGIN * h)
    return -mx, w + mx, -my, h + my


def _object_rect_px(mesh: SceneMesh, spec: SceneSpec, tri: np.ndarray) -> tuple[int, int, int, int]:
    """[x0, x1) x [y0, y1) pixel rectangle holding an object's projection, with a one-pixel
    margin, clipped to the canvas (the image itself if the object reaches behind the near plane)."""
    cam = spec.camera
    w2c = np.asarray(cam.world_to_camera, float)
    verts = mesh.vertices[np.unique(mesh.triangles[tri])].astype(np.float64)
    pc = verts @ w2c[:3, :3].T + w2c[:3, 3]
    if np.any(pc[:, 2] < NEAR_PLANE_M):
        return 0, cam.width, 0, cam.height
    uv = project_in_view(cam, pc)  # distorted pixels; NaN beyond the lens's valid radius
    if not np.isfinite(uv).all():
        return 0, cam.width, 0, cam.height
    cx0, cx1, cy0, cy1 = _canvas(spec)
    x0, y0 = np.floor(uv.min(axis=0) - PIXEL_CENTER).astype(int) - 1
    x1, y1 = np.ceil(uv.max(axis=0) - PIXEL_CENTER).astype(int) + 2
    return (int(np.clip(x0, cx0, cx1)), int(np.clip(x1, cx0, cx1)),
            int(np.clip(y0, cy0, cy1)), int(np.clip(y1, cy0, cy1)))


@dataclass(frozen=True)
class Silhouette:
    """An object's unoccluded footprint on the canvas: ``mask`` covers columns ``x0 ..`` and rows ``y0 ..``."""

    mask: np.ndarray
    x0: int
    y0: int

    def in_image(self, width: int, height: int) -> np.ndarray:
        """(H, W) bool: the part inside the image."""
        out = np.zeros((height, width), dtype=bool)
        h, w = self.mask.shape
        xa, xb = max(self.x0, 0), min(self.x0 + w, width)
        ya, yb = max(self.y0, 0), min(self.y0 + h, height)
        if xb > xa and yb > ya:
            out[ya:yb, xa:xb] = self.mask[ya - self.y0:yb - self.y0, xa - self.x0:xb - self.x0]
        return out


def silhouettes(mesh: SceneMesh, spec: SceneSpec,
                raycaster: RaycasterFactory = default_raycaster) -> dict[int, Silhouette]:
    """Unoccluded footprint of every object on the canvas: camera rays through the pixel
    centres of its projected rectangle, cast against its triangles alone.

    Returns:
        ``{instance_id: Silhouette}`` for each object of ``spec`` with triangles in ``mesh``.
    """
    cam = spec.camera
    out: dict[int, Silhouette] = {}
    for obj in spec.objects:
        tri = np.flatnonzero(mesh.triangle_instance == obj.instance_id)
        if tri.size == 0:
            continue
        x0, x1, y0, y1 = _object_rect_px(mesh, spec, tri)
        if x1 <= x0 or y1 <= y0:
            out[obj.instance_id] = Silhouette(np.zeros((0, 0), dtype=bool), 0, 0)
            continue
        origin, dirs, _ = pixel_rays(np.asarray(cam.K), np.asarray(cam.world_to_camera), (x0, x1), (y0, y1),
                                  lens_of(cam))
        hits = raycaster(_submesh(mesh, tri)).cast(origin, dirs)
        out[obj.instance_id] = Silhouette(np.isfinite(hits.t).reshape(y1 - y0, x1 - x0), x0, y0)
    return out


def amodal_masks(mesh: SceneMesh, spec: SceneSpec,
                 raycaster: RaycasterFactory = default_raycaster) -> dict[int, np.ndarray]:
    """Unoccluded footprint of every object inside the image (:func:`silhouettes` cropped).

    Args:
        mesh: the frame's world triangles (``FrameBuffers.mesh``).
        spec: the frame (camera and objects).
        raycaster: builds a backend over one object's triangles (default: first available).

    Returns:
        ``{instance_id: (H, W) bool}`` for each object of ``spec`` with triangles in ``mesh``.
    """
    cam = spec.camera
    return {i: s.in_image(cam.width, cam.height) for i, s in silhouettes(mesh, spec, raycaster).items()}


def mask_box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """Outer pixel edges ``(x1, y1, x2, y2)`` of a mask in continuous coordinates; None if empty
    (:func:`synthscape.spec.projection.mask_edges` as a tuple)."""
    edges = mask_edges(mask)
    return None if edges is None else tuple(float(v) for v in edges)  # type: ignore[return-value]


Extent = tuple[int, int, int, int]
"""Inclusive ``(x_min, y_min, x_max, y_max)`` pixel indices."""


def _extent(mask: np.ndarray, x0: int = 0, y0: int = 0) -> Extent | None:
    """Inclusive ``(x_min, y_min, x_max, y_max)`` of a mask whose pixel (0, 0) is at (x0, y0); None if empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0] + x0), int(rows[0] + y0), int(cols[-1] + x0), int(rows[-1] + y0)


def _union(a: Extent | None, b: Extent | None) -> Extent | None:
    if a is None or b is None:
        return a if b is None else b
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def object_visibility(spec: SceneSpec, buffers: FrameBuffers,
                      raycaster: RaycasterFactory = default_raycaster) -> dict[int, ObjectVisibility]:
    """:class:`ObjectVisibility` of every object of the spec.

    Visible pixels come from ``buffers.instance``; the amodal mask, its pixel count, box, the
    whole silhouette (truncated part included) and the visible fraction need ``buffers.mesh``
    (None without it, or for an object the mesh lacks). The amodal mask is the ray-cast
    footprint joined with the object's visible pixels: the render samples anywhere inside a
    pixel, so an edge pixel the object only partly covers can show it although the pixel
    centre's ray misses it. The visible pixels are thus always part of the amodal mask and
    ``visible_fraction`` is at most 1.
    """
    instance = np.asarray(buffers.instance)
    counts = np.bincount(instance.astype(np.int64).ravel())
    sils = silhouettes(buffers.mesh, spec, raycaster) if buffers.mesh is not None else {}
    cam = spec.camera
    out: dict[int, ObjectVisibility] = {}
    for obj in spec.objects:
        visible_px = int(counts[obj.instance_id]) if obj.instance_id < counts.size else 0
        sil = sils.get(obj.instance_id)
        if sil is None:
            out[obj.instance_id] = ObjectVisibility(obj.instance_id, visible_px)
            continue
        visible = instance == obj.instance_id if visible_px else np.zeros(instance.shape, dtype=bool)
        traced = sil.in_image(cam.width, cam.height)
        mask = traced | visible
        amodal_px = int(mask.sum())
        fraction = visible_px / amodal_px if amodal_px else None
        total = int(sil.mask.sum()) + amodal_px - int(traced.sum())  # plus the visible pixels rays missed
        box = _union(_extent(sil.mask, sil.x0, sil.y0), _extent(visible) if visible_px else None)
        out[obj.instance_id] = ObjectVisibility(obj.instance_id, visible_px, amodal_px, fraction,
                                                mask_box(mask), mask, total, box)
    return out


__all__ = ["CANVAS_MARGIN", "Silhouette", "amodal_masks", "mask_box", "object_visibility", "silhouettes"]
