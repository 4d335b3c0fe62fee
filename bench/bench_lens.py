"""What lens distortion adds per frame at KITTI size (1242x375): the lookup, the remap, the larger render.

    python bench/bench_lens.py [--repeat 5]

Per lens (Brown-Conrady like KITTI's own camera 2, and a fisheye), on synthetic passes of the
render size (no Cycles run): the undistortion lookup (``cv2.undistortPointsIter`` /
``cv2.fisheye.undistortPoints`` over every pixel; built once per distinct distortion and cached,
so a fixed lens pays it once per process, a sampled one once per frame) and the remap of the
four passes (``distort_buffers``: bilinear RGB, nearest depth, normals, instance ids). The
render itself grows by the margin: its extra pixels are printed as a share of the image, which
is what the render time grows by (Cycles' time is about proportional to pixels).
Prints medians in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from synthscape.blender.distortion import distort_buffers
from synthscape.buffers import FrameBuffers
from synthscape.spec import lens
from synthscape.spec.camera import intrinsics
from synthscape.spec.scene_spec import IDENTITY4, CameraSpec

WIDTH, HEIGHT = 1242, 375
LENSES = {
    # KITTI raw calib_cam_to_cam.txt, camera 02 (2011_09_26): D_02
    "plumb_bob (KITTI cam 2)": ("plumb_bob", (-0.3691481, 0.1968681, 0.001353473, 0.0005677587, -0.06770705)),
    "equidistant (fisheye)": ("equidistant", (0.05, -0.01, 0.002, -0.0005)),
}


def kitti_camera(model: str, coefficients: tuple[float, ...]) -> CameraSpec:
    """A 1242x375 camera with the focal length of KITTI's unrectified camera 2 (K_02: 959.8 px) and the lens."""
    focal_mm, sensor_mm = 959.791 / WIDTH * 36.0, 36.0
    K = tuple(tuple(float(v) for v in row) for row in intrinsics(WIDTH, HEIGHT, focal_mm, sensor_mm))
    return CameraSpec(width=WIDTH, height=HEIGHT, focal_length_mm=focal_mm, sensor_width_mm=sensor_mm, K=K,
                      world_to_camera=IDENTITY4, distortion_model=model, distortion=coefficients)


def fake_render(camera: CameraSpec, rng: np.random.Generator) -> FrameBuffers:
    """Passes of the render camera's size with plausible contents."""
    h, w = camera.height, camera.width
    return FrameBuffers(rgb=rng.random((h, w, 3), dtype=np.float32),
                        depth=rng.uniform(2.0, 80.0, (h, w)).astype(np.float32),
                        normal=rng.random((h, w, 3), dtype=np.float32),
                        instance=rng.integers(0, 30, (h, w)).astype(np.uint16))


def median_ms(step, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| lens | margin (px, each side) | render pixels added | lookup (once per lens) | remap per frame |")
    print("| --- | --- | --- | --- | --- |")
    for name, (model, coefficients) in LENSES.items():
        camera = kitti_camera(model, coefficients)
        lens.check_distortion(camera)

        def cold() -> None:
            lens._lookup.cache_clear()
            lens.undistortion_lookup(camera)

        lookup_ms = median_ms(cold, args.repeat)
        render = lens.render_camera(camera)
        buffers = fake_render(render, rng)
        remap_ms = median_ms(lambda: distort_buffers(camera, render, buffers), args.repeat)
        added = render.width * render.height / (WIDTH * HEIGHT) - 1.0
        mx, my = lens.render_margin(camera)
        print(f"| {name} | {mx} x {my} | {added:.1%} | {lookup_ms:.1f} ms | {remap_ms:.1f} ms |")


if __name__ == "__main__":
    main()
