"""Ray casting against a :class:`~synthscape.buffers.SceneMesh`: backends and their registry.

Any object with a ``cast(origins, directions) -> RayHits`` method is a backend. Open3D's
Embree caster is built in; other backends register a factory with
:func:`register_raycast_backend` (the Blender layer registers its BVHTree fallback,
:mod:`synthscape.blender.bvh_raycast`, when it is imported), so this module never imports
the Blender layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from synthscape.buffers import SceneMesh

INVALID_ID = 0xFFFFFFFF
"""Open3D's ``RaycastingScene.INVALID_ID`` for a ray that hit nothing."""


@dataclass(frozen=True)
class RayHits:
    """What each ray hit.

    Attributes:
        t: (R,) float32 distance along the unit ray, metres; ``inf`` for a miss.
        triangle: (R,) int64 index into ``SceneMesh.triangles``; -1 for a miss.
        normal: (R, 3) float32 unit geometric normal of the hit triangle (world); 0 for a miss.
    """

    t: np.ndarray
    triangle: np.ndarray
    normal: np.ndarray

    def instance(self, mesh: SceneMesh) -> np.ndarray:
        """(R,) uint16 instance id of the surface hit (0 for a miss or the background)."""
        out = np.zeros(self.t.shape, dtype=np.uint16)
        hit = self.triangle >= 0
        out[hit] = mesh.triangle_instance[self.triangle[hit]]
        return out


class RaycastBackend(Protocol):
    """A ray caster built over one :class:`SceneMesh`."""

    def cast(self, origins: np.ndarray, directions: np.ndarray) -> RayHits:
        """Cast (R, 3) origins along (R, 3) unit directions (world, metres)."""
        ...


def _as_rays(origins: np.ndarray, directions: np.ndarray) -> np.ndarray:
    origins = np.broadcast_to(np.asarray(origins, dtype=np.float32), directions.shape)
    return np.ascontiguousarray(np.concatenate([origins, directions.astype(np.float32)], axis=1))


class Open3DRaycaster:
    """Embree ray casting through ``open3d.t.geometry.RaycastingScene``.

    Open3D is imported here, not at module level, so that the rest of the LiDAR package works
    inside Blender without it (with :class:`synthscape.blender.bvh_raycast.BVHRaycaster`).
    """

    def __init__(self, mesh: SceneMesh) -> None:
        """Build the acceleration structure over ``mesh``'s triangles (world coordinates)."""
        import open3d as o3d

        self._o3d = o3d
        self._scene = o3d.t.geometry.RaycastingScene()
        if len(mesh.triangles):
            self._scene.add_triangles(
                o3d.core.Tensor(np.ascontiguousarray(mesh.vertices, dtype=np.float32)),
                o3d.core.Tensor(np.ascontiguousarray(mesh.triangles, dtype=np.uint32)))

    def cast(self, origins: np.ndarray, directions: np.ndarray) -> RayHits:
        """Cast rays; see :class:`RaycastBackend`.

        Args:
            origins: (R, 3) or (3,) ray origins, metres.
            directions: (R, 3) unit directions.

        Returns:
            The :class:`RayHits` of every ray.
        """
        rays = self._o3d.core.Tensor(_as_rays(origins, directions))
        result = self._scene.cast_rays(rays)
        t = result["t_hit"].numpy().astype(np.float32)
        prim = result["primitive_ids"].numpy().astype(np.int64)
        miss = ~np.isfinite(t) | (prim == INVALID_ID)
        prim[miss] = -1
        t[miss] = np.inf
        normal = result["primitive_normals"].numpy().astype(np.float32)
        normal[miss] = 0.0
        return RayHits(t=t, triangle=prim, normal=normal)


RaycasterFactory = Callable[[SceneMesh], RaycastBackend]
"""Builds a backend over a mesh; raises ImportError when its library is missing."""

_BACKENDS: dict[str, RaycasterFactory] = {"open3d": Open3DRaycaster}
"""Registered backends in order of preference (Open3D first)."""


def register_raycast_backend(name: str, factory: RaycasterFactory) -> None:
    """Add (or replace) a ray-cast backend, tried after the ones registered before it.

    Args:
        name: a short unique name (``"open3d"``, ``"blender_bvh"``).
        factory: called with a mesh; returns a backend, or raises ImportError when the
            library it needs is missing (the next backend is then tried).
    """
    _BACKENDS[name] = factory


def raycast_backends() -> tuple[str, ...]:
    """The registered backend names, in the order :func:`default_raycaster` tries them."""
    return tuple(_BACKENDS)


def default_raycaster(mesh: SceneMesh) -> RaycastBackend:
    """The first registered backend whose library is present: Open3D's Embree, else a fallback
    such as Blender's BVHTree (registered when ``synthscape.blender`` is imported, inside Blender).

    Raises:
        RuntimeError: no backend can be built (install ``open3d``, or run inside Blender).
    """
    missing = []
    for name, factory in _BACKENDS.items():
        try:
            return factory(mesh)
        except ImportError as error:
            missing.append(f"{name} ({error})")
    raise RuntimeError("no ray-cast backend is available: " + "; ".join(missing)
                       + ". Install open3d (pip install open3d-cpu) or run inside Blender")
