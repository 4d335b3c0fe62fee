"""The ``disparity`` output: stereo disparity ground truth of the left (main) camera.

For a rectified pair (``rig.stereo`` / ``rig.preset``) a left pixel at planar depth ``Z`` shows
the same surface point ``disp = fx * B / Z`` pixels further left in the right image
(``x_right = x_left - disp``, same row). It is exact for every left pixel from its rendered
depth, including pixels the right camera cannot see (KITTI's ``disp_occ`` convention).

Files use the KITTI stereo PNG convention: uint16, ``disp * 256`` rounded, 0 = invalid (no
surface hit, or a disparity too large for 16 bits, above 255.996 px).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synthscape.buffers import FrameBuffers
from synthscape.errors import SynthscapeError
from synthscape.io.images import write_png
from synthscape.spec.rig import StereoPair, stereo_pair
from synthscape.spec.scene_spec import SceneSpec
from synthscape.writers.disparity_maps import frame_disparity
from synthscape.writers.layout import frame_file
from synthscape.writers.registry import OutputFormat, register_output

def require_stereo(spec: SceneSpec, output: str) -> StereoPair:
    """The frame's stereo pair.

    Raises:
        SynthscapeError: the frame has no stereo rig, or a distorted left camera (the run plan
            refuses such recipes first).
    """
    pair = stereo_pair(spec)
    if pair is None:
        raise SynthscapeError(f"output {output!r} needs a stereo rig: add rig: {{stereo: {{baseline: 0.54}}}} "
                              "or rig: {preset: kitti_stereo} to the recipe")
    if pair.left.distortion_model != "none" and any(pair.left.distortion):
        raise SynthscapeError(f"output {output!r}: frame {spec.frame_index}'s left camera {pair.left.name!r} is "
                              "distorted; a stereo pair must be rectified (the recipe check refuses this first)")
    return pair


def write_disparity(out_dir: str | os.PathLike[str], spec: SceneSpec, buffers: FrameBuffers,
                    **ctx: Any) -> list[Path]:
    """``disparity/NNNNNN.png``: the left (main) camera's disparity, KITTI uint16 x 256, 0 = invalid."""
    pair = require_stereo(spec, "disparity")
    if buffers.depth.shape != (pair.left.height, pair.left.width):
        raise ValueError(f"FrameBuffers.depth has shape {buffers.depth.shape}; the left camera is "
                         f"{pair.left.width}x{pair.left.height}")
    return [write_png(frame_file(out_dir, "disparity", spec.frame_index, "png"), frame_disparity(pair, buffers))]


register_output(OutputFormat(
    "disparity", write_disparity, None, scope="frame",
    description="stereo disparity of the main (left) camera: disparity/NNNNNN.png, KITTI uint16 x 256, "
                "0 = invalid (needs rig.stereo or rig.preset)"))
