"""LiDAR simulation: sensor presets, rig pose, ray casting (Open3D), noise model and files.

No bpy here; the Blender fallback ray caster is :mod:`synthscape.blender.bvh_raycast`.
"""

from synthscape.lidar.io import read_bin, read_label, write_lidar_frame
from synthscape.lidar.pose import lidar_rng, sample_lidar_spec, sensor_from_spec
from synthscape.lidar.raycast import Open3DRaycaster, RaycastBackend, RayHits
from synthscape.lidar.recipe import LidarRecipe
from synthscape.lidar.sensors import PRESETS, SensorModel, sensor_rays
from synthscape.lidar.simulate import LidarScan, simulate_lidar

__all__ = ["LidarRecipe", "LidarScan", "Open3DRaycaster", "PRESETS", "RayHits",
           "RaycastBackend", "SensorModel", "lidar_rng", "read_bin", "read_label",
           "sample_lidar_spec", "sensor_from_spec", "sensor_rays", "simulate_lidar",
           "write_lidar_frame"]
