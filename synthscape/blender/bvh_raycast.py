"""Ray casting with Blender's ``mathutils.bvhtree.BVHTree``.

The fallback LiDAR backend for use inside Blender where Open3D is not installed; same interface
as :class:`synthscape.lidar.raycast.Open3DRaycaster` (a ``RaycastBackend``). Importing this
module registers it as the ``blender_bvh`` backend (tried after Open3D), so the ray-cast
layer never imports the Blender layer; :mod:`synthscape.blender.mesh_export` imports it.
"""

from __future__ import annotations

import bpy  # noqa: F401  (makes the bundled mathutils importable)
import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from synthscape.buffers import SceneMesh
from synthscape.lidar.raycast import RayHits, register_raycast_backend

_FAR = 1.0e9


class BVHRaycaster:
    """A BVHTree over a :class:`SceneMesh`'s triangles (one Python call per ray: slower than
    Embree, about 1e5-1e6 rays/s)."""

    def __init__(self, mesh: SceneMesh) -> None:
        """Build the tree from ``mesh`` (world coordinates, triangles only)."""
        self._tree = BVHTree.FromPolygons(mesh.vertices.astype(np.float64).tolist(),
                                          mesh.triangles.tolist(), all_triangles=True,
                                          epsilon=0.0)

    def cast(self, origins: np.ndarray, directions: np.ndarray) -> RayHits:
        """Cast rays; see :class:`synthscape.lidar.raycast.RaycastBackend`.

        Args:
            origins: (R, 3) or (3,) ray origins, metres.
            directions: (R, 3) unit directions.

        Returns:
            :class:`RayHits`: ``t`` inf, ``triangle`` -1 and ``normal`` 0 for misses.
        """
        dirs = np.asarray(directions, dtype=np.float64)
        orig = np.broadcast_to(np.asarray(origins, dtype=np.float64), dirs.shape)
        count = len(dirs)
        t = np.full(count, np.inf, dtype=np.float32)
        tri = np.full(count, -1, dtype=np.int64)
        normal = np.zeros((count, 3), dtype=np.float32)
        ray_cast = self._tree.ray_cast
        for i, (o, d) in enumerate(zip(orig.tolist(), dirs.tolist())):
            _, n, index, dist = ray_cast(Vector(o), Vector(d), _FAR)
            if index is not None:
                t[i], tri[i], normal[i] = dist, index, n
        return RayHits(t=t, triangle=tri, normal=normal)


register_raycast_backend("blender_bvh", BVHRaycaster)
