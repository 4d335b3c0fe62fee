"""Lens distortion maths (OpenCV models): project, undistort, the render margin and the remap lookup.

Models (the names ROS ``camera_info`` and OpenCV calibration files use):
    * ``plumb_bob``: Brown-Conrady ``k1 k2 p1 p2 k3`` (``cv2.projectPoints``).
    * ``rational_polynomial``: ``k1 k2 p1 p2 k3 k4 k5 k6`` (``cv2.projectPoints``, rational).
    * ``equidistant``: fisheye / Kannala-Brandt ``k1 k2 k3 k4`` (``cv2.fisheye.projectPoints``).
    * ``none``: an ideal pinhole (no coefficients).

A distorted camera is rendered as an undistorted pinhole with the same focal length and a
symmetric margin around the image (:func:`render_camera`), large enough that the undistorted
ray of every distorted pixel centre falls inside it; the render is then looked up through
:func:`undistortion_lookup` (distorted pixel -> undistorted pixel). Pixel convention:
:mod:`synthscape.spec.projection` (pixel centres at integers, as OpenCV).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from synthscape.io.optional import import_cv2
from synthscape.recipe.lens import DistortionRecipe
from synthscape.spec.projection import PIXEL_CENTER, project_points
from synthscape.spec.scene_spec import CameraSpec

MODEL_COEFFICIENTS: dict[str, tuple[str, ...]] = {
    "plumb_bob": ("k1", "k2", "p1", "p2", "k3"),
    "rational_polynomial": ("k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6"),
    "equidistant": ("k1", "k2", "k3", "k4"),
}
"""Coefficient names of each model, in OpenCV's ``distCoeffs`` order."""
LOOKUP_PAD_PX = 2
"""Extra pixels of render margin beyond the farthest undistorted pixel (room for bilinear taps)."""
MAX_MARGIN_FRACTION = 1.0
"""The margin on each side may be at most this fraction of the image size (a render 3x as large)."""
ROUND_TRIP_TOLERANCE_PX = 0.01
"""Undistorting then distorting every pixel centre must give it back within this many pixels."""
VALID_RADIUS_SLACK = 1.05
"""Points up to this factor beyond the image's largest undistorted radius still project."""
UNDISTORT_ITERATIONS, UNDISTORT_EPS = 200, 1e-12
"""OpenCV's iterative undistortion: at most this many steps, or until this change."""


class DistortionError(ValueError):
    """The distortion cannot be rendered: not invertible over the image, or it needs too large a render."""


@dataclass(frozen=True)
class Lens:
    """A camera's distortion: an OpenCV model name and its coefficients (``distCoeffs`` order)."""

    model: str
    coefficients: tuple[float, ...]

    def cv_coefficients(self) -> np.ndarray:
        """(N,) float64 ``distCoeffs`` for OpenCV."""
        return np.asarray(self.coefficients, dtype=np.float64)

    @property
    def fisheye(self) -> bool:
        """True for the Kannala-Brandt model (``cv2.fisheye``)."""
        return self.model == "equidistant"


def lens_of(camera: CameraSpec) -> Lens | None:
    """The camera's distortion, or None for an ideal pinhole (model ``none`` or all coefficients 0)."""
    model = getattr(camera, "distortion_model", "none")
    coefficients = tuple(float(c) for c in getattr(camera, "distortion", ()))
    if model == "none" or not any(coefficients):
        return None
    if model not in MODEL_COEFFICIENTS or len(coefficients) != len(MODEL_COEFFICIENTS[model]):
        raise DistortionError(f"camera {camera.name!r}: distortion model {model!r} with {len(coefficients)} "
                              f"coefficients; known models: {MODEL_COEFFICIENTS}")
    return Lens(model, coefficients)


def project_camera_points(K: np.ndarray, lens: Lens | None, points: np.ndarray) -> np.ndarray:
    """(N, 2) distorted pixel coordinates of (N, 3) camera-frame points in front of the camera.

    Without a lens this is the pinhole :func:`synthscape.spec.projection.project_points`.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if lens is None:
        return project_points(K, pts)
    if len(pts) == 0:
        return np.zeros((0, 2))
    cv2 = import_cv2("camera.distortion")
    zero = np.zeros(3)
    K = np.asarray(K, dtype=np.float64)
    if lens.fisheye:
        uv, _ = cv2.fisheye.projectPoints(pts.reshape(-1, 1, 3), zero, zero, K, lens.cv_coefficients())
    else:
        uv, _ = cv2.projectPoints(pts, zero, zero, K, lens.cv_coefficients())
    return uv.reshape(-1, 2)


def undistort_pixels(K: np.ndarray, lens: Lens | None, uv: np.ndarray) -> np.ndarray:
    """(N, 2) normalized image coordinates ``(x / z, y / z)`` of (N, 2) distorted pixel coordinates."""
    uv = np.asarray(uv, dtype=np.float64).reshape(-1, 1, 2)
    K = np.asarray(K, dtype=np.float64)
    if lens is None:
        return ((uv.reshape(-1, 2) - K[:2, 2]) / np.diag(K)[:2])
    cv2 = import_cv2("camera.distortion")
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, UNDISTORT_ITERATIONS, UNDISTORT_EPS)
    if lens.fisheye:
        xy = cv2.fisheye.undistortPoints(uv, K, lens.cv_coefficients(), criteria=criteria)
    else:
        xy = cv2.undistortPointsIter(uv, K, lens.cv_coefficients(), None, None, criteria)
    return xy.reshape(-1, 2)


def _pixel_grid(width: int, height: int) -> np.ndarray:
    ii, jj = np.meshgrid(np.arange(width) + PIXEL_CENTER, np.arange(height) + PIXEL_CENTER)
    return np.stack([ii.ravel(), jj.ravel()], axis=1).astype(np.float64)


@functools.lru_cache(maxsize=8)
def _lookup(width: int, height: int, K: tuple[tuple[float, ...], ...], lens: Lens) -> np.ndarray:
    k = np.asarray(K, dtype=np.float64)
    xy = undistort_pixels(k, lens, _pixel_grid(width, height))
    uv = xy * np.diag(k)[:2] + k[:2, 2]
    out = uv.reshape(height, width, 2).astype(np.float32)
    out.setflags(write=False)
    return out


def undistortion_lookup(camera: CameraSpec) -> np.ndarray | None:
    """(H, W, 2) float32: for each distorted pixel centre, where its ray lands in the undistorted
    image of the same ``K`` (x, y pixel coordinates; may lie outside the image). None without distortion.
    Cached: the renderer and the remap of one frame share it. Read-only."""
    lens = lens_of(camera)
    if lens is None:
        return None
    return _lookup(camera.width, camera.height, _key(camera.K), lens)


def _key(K: object) -> tuple[tuple[float, ...], ...]:
    """A hashable copy of a 3x3 ``K`` (cache key)."""
    return tuple(tuple(float(v) for v in row) for row in np.asarray(K, dtype=np.float64))


def render_margin(camera: CameraSpec) -> tuple[int, int]:
    """(mx, my): pixels to add on the left and right (mx) and top and bottom (my) of the render so
    that every distorted pixel's undistorted ray falls inside it (0, 0 without distortion)."""
    lookup = undistortion_lookup(camera)
    if lookup is None:
        return 0, 0
    lo, hi = PIXEL_CENTER, np.array([camera.width - 1, camera.height - 1]) + PIXEL_CENTER
    beyond = np.maximum(lo - lookup.reshape(-1, 2).min(axis=0), lookup.reshape(-1, 2).max(axis=0) - hi)
    mx, my = (int(math.ceil(max(float(b), 0.0))) + LOOKUP_PAD_PX for b in beyond)
    return mx, my


def render_camera(camera: CameraSpec) -> CameraSpec:
    """The undistorted pinhole camera to render for ``camera``: same pose and focal length, the image
    grown by :func:`render_margin` on every side (principal point shifted with it). ``camera`` itself
    when it has no distortion."""
    mx, my = render_margin(camera)
    if lens_of(camera) is None:
        return camera
    K = np.array(camera.K, dtype=np.float64)
    K[0, 2] += mx
    K[1, 2] += my
    width = camera.width + 2 * mx
    return dataclasses.replace(
        camera, width=width, height=camera.height + 2 * my, K=tuple(tuple(float(v) for v in r) for r in K),
        sensor_width_mm=camera.sensor_width_mm * width / camera.width, distortion_model="none", distortion=())


def valid_radius(camera: CameraSpec) -> float:
    """Largest normalized radius ``sqrt(x^2 + y^2)`` that the image sees (times a small slack): beyond it
    the polynomial models are extrapolated and may fold back into the image. ``inf`` without distortion."""
    lens = lens_of(camera)
    if lens is None:
        return math.inf
    return _valid_radius(camera.width, camera.height, _key(camera.K), lens)


@functools.lru_cache(maxsize=8)
def _valid_radius(width: int, height: int, K: tuple[tuple[float, ...], ...], lens: Lens) -> float:
    k = np.asarray(K, dtype=np.float64)
    xy = (_lookup(width, height, K, lens).reshape(-1, 2) - k[:2, 2]) / np.diag(k)[:2]
    return float(np.sqrt((xy ** 2).sum(axis=1)).max()) * VALID_RADIUS_SLACK


def project_in_view(camera: CameraSpec, points: np.ndarray) -> np.ndarray:
    """(N, 2) distorted pixel coordinates of camera-frame points (z > 0); NaN for points outside the
    lens's valid radius (:func:`valid_radius`), which the image cannot show."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    uv = project_camera_points(np.asarray(camera.K), lens_of(camera), pts)
    radius = np.hypot(pts[:, 0], pts[:, 1]) / pts[:, 2]
    uv[radius > valid_radius(camera)] = np.nan
    return uv


def check_distortion(camera: CameraSpec) -> None:
    """Check that the distortion can be rendered over the whole image.

    Raises:
        DistortionError: undistorting and re-distorting some pixel centre does not give it back
            (the model folds over inside the image), or the render margin exceeds
            :data:`MAX_MARGIN_FRACTION` of the image size (or the field of view reaches 180 degrees).
    """
    lookup = undistortion_lookup(camera)
    if lookup is None:
        return
    K = np.asarray(camera.K, dtype=np.float64)
    xy = (lookup.reshape(-1, 2).astype(np.float64) - K[:2, 2]) / np.diag(K)[:2]
    if not np.isfinite(xy).all():
        raise DistortionError("the lens sees 180 degrees or more: a pinhole render cannot hold it")
    again = project_camera_points(K, lens_of(camera), np.hstack([xy, np.ones((len(xy), 1))]))
    error = float(np.abs(again - _pixel_grid(camera.width, camera.height)).max())
    if not error <= ROUND_TRIP_TOLERANCE_PX:
        raise DistortionError(f"the distortion is not invertible over the image (a pixel centre comes back "
                              f"{error:.3g} px away after undistorting and distorting it again); use smaller "
                              "coefficients")
    mx, my = render_margin(camera)
    if mx > MAX_MARGIN_FRACTION * camera.width or my > MAX_MARGIN_FRACTION * camera.height:
        raise DistortionError(f"the undistorted render would need a margin of {mx} x {my} px around a "
                              f"{camera.width} x {camera.height} image (at most {MAX_MARGIN_FRACTION:g} image "
                              "size per side); use smaller coefficients")


__all__ = ["MODEL_COEFFICIENTS", "DistortionError", "Lens", "check_distortion", "lens_of", "project_camera_points",
           "project_in_view", "render_camera", "render_margin", "sample_lens", "undistort_pixels",
           "undistortion_lookup", "valid_radius"]


def sample_lens(distortion: DistortionRecipe | None, camera: CameraSpec, rng: np.random.Generator,
                source: str = "<recipe>", key: str = "camera.distortion") -> CameraSpec:
    """``camera`` with its distortion drawn from the recipe's ``camera.distortion`` (one draw per
    coefficient, in OpenCV order), checked over the image.

    Raises:
        DistortionError: the drawn distortion cannot be rendered (the message names the recipe key).
    """
    if distortion is None:
        return camera
    values = tuple(float(getattr(distortion, name).sample(rng)) for name in distortion.coefficient_names())
    lensed = dataclasses.replace(camera, distortion_model=distortion.opencv_model(), distortion=values)
    try:
        check_distortion(lensed)
    except DistortionError as error:
        named = dict(zip(distortion.coefficient_names(), (round(v, 6) for v in values)))
        raise DistortionError(f"{source}: {key}: {error} (drawn {named})") from None
    return lensed
