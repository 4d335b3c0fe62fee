"""LiDAR simulation: sensor presets, rig pose, ray casting (Open3D), noise model and files.

No bpy here; the Blender fallback ray caster is :mod:`synthscape.blender.bvh_raycast`, which
registers itself with :func:`synthscape.lidar.raycast.register_raycast_backend`. The per-frame
scan (seeded from the ``sensors`` stage stream) is run by :mod:`synthscape.sensors`.
"""

from synthscape.lidar.io import read_bin, read_label, write_lidar_frame
from synthscape.lidar.pose import sample_lidar_spec, sensor_from_spec
from synthscape.lidar.raycast import Open3DRaycaster, RaycastBackend, RayHits
from synthscape.recipe.lidar import LidarRecipe
from synthscape.lidar.sensors import PRESETS, SensorModel, sensor_rays
from synthscape.lidar.simulate import LidarScan, simulate_lidar

__all__ = ["LidarRecipe", "LidarScan", "Open3DRaycaster", "PRESETS", "RayHits",
           "RaycastBackend", "SensorModel", "read_bin", "read_label",
           "sample_lidar_spec", "sensor_from_spec", "sensor_rays", "simulate_lidar",
           "write_lidar_frame"]
