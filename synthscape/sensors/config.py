"""Where the sensors stage finds each sensor's configuration in a spec (no heavy imports).

Writers that need a sensor's calibration (KITTI's ``Tr_velo_to_cam``) read it through
these functions too, so there is one place that knows where the spec keeps it.
"""

from __future__ import annotations

from typing import Any

from synthscape.spec.scene_spec import SceneSpec


def lidar_config(spec: SceneSpec) -> dict[str, Any] | None:
    """The frame's resolved LiDAR (``sensor``, ``noise``, ``lidar_to_camera``, ``lidar_to_world``).

    The rig's first LiDAR (``spec.lidar``); None when the frame has no LiDAR.
    """
    return spec.lidar or None
