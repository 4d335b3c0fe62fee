"""A small BOP reader and pose-error functions written against the BOP toolkit's documentation
(``docs/bop_datasets_format.md``, the BOP paper's error definitions), plus a ray-cast renderer
for tests without Blender. The toolkit itself is not on PyPI and is not vendored.

The tests at the bottom check the error functions themselves (zero for identical poses,
the documented value for known offsets, symmetries honoured by MSSD).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from synthscape.buffers import FrameBuffers
from synthscape.lidar.camera_rays import raycast_camera
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.spec.scene_spec import SceneSpec

# --- reader ------------------------------------------------------------------------------------


def load_json(path: Path, keys_to_int: bool = False) -> Any:
    """JSON file; top-level keys as int when they are image / object ids."""
    data = json.loads(Path(path).read_text("utf-8"))
    return {int(k): v for k, v in data.items()} if keys_to_int else data


def load_scene_camera(path: Path) -> dict[int, dict[str, Any]]:
    """``scene_camera.json``: cam_K (3, 3), cam_R_w2c (3, 3), cam_t_w2c (3, 1) mm, depth_scale."""
    out = {}
    for im_id, cam in load_json(path, keys_to_int=True).items():
        out[im_id] = {"cam_K": np.array(cam["cam_K"], float).reshape(3, 3),
                      "cam_R_w2c": np.array(cam["cam_R_w2c"], float).reshape(3, 3),
                      "cam_t_w2c": np.array(cam["cam_t_w2c"], float).reshape(3, 1),
                      "depth_scale": float(cam["depth_scale"])}
    return out


def load_scene_gt(path: Path) -> dict[int, list[dict[str, Any]]]:
    """``scene_gt.json``: per image a list of obj_id, cam_R_m2c (3, 3), cam_t_m2c (3, 1) mm."""
    return {im_id: [{"obj_id": int(g["obj_id"]), "cam_R_m2c": np.array(g["cam_R_m2c"], float).reshape(3, 3),
                     "cam_t_m2c": np.array(g["cam_t_m2c"], float).reshape(3, 1)} for g in gts]
            for im_id, gts in load_json(path, keys_to_int=True).items()}


def load_ply(path: Path) -> dict[str, np.ndarray]:
    """ASCII PLY with ``x y z [nx ny nz]`` vertices and triangle faces: pts, normals, faces."""
    lines = Path(path).read_text("ascii").splitlines()
    assert lines[0] == "ply" and lines[1] == "format ascii 1.0"
    end = lines.index("end_header")
    header = lines[:end]
    n_vert = int(next(x for x in header if x.startswith("element vertex")).split()[-1])
    n_face = int(next(x for x in header if x.startswith("element face")).split()[-1])
    props = [x.split()[-1] for x in header if x.startswith("property float")]
    rows = lines[end + 1:end + 1 + n_vert]
    vert = np.array([[float(v) for v in line.split()] for line in rows]).reshape(-1, len(props))
    faces = np.array([[int(v) for v in line.split()] for line in lines[end + 1 + n_vert:end + 1 + n_vert + n_face]])
    assert (faces[:, 0] == 3).all()
    return {"pts": vert[:, [props.index(a) for a in "xyz"]],
            "normals": vert[:, [props.index(a) for a in ("nx", "ny", "nz")]], "faces": faces[:, 1:]}


def load_image(path: Path) -> np.ndarray:
    """A PNG/JPG; 16-bit PNGs as uint16."""
    with Image.open(path) as im:
        if im.mode.startswith("I"):
            return np.asarray(im, dtype=np.uint32).astype(np.uint16)
        return np.asarray(im)


def load_depth_mm(path: Path, depth_scale: float) -> np.ndarray:
    """A BOP depth image in millimetres (0 = no depth)."""
    return load_image(path).astype(np.float64) * depth_scale


# --- geometry ---------------------------------------------------------------------------------


def transform(pts: np.ndarray, R: np.ndarray, t: np.ndarray) -> np.ndarray:
    return pts @ R.T + t.reshape(1, 3)


def project(pts: np.ndarray, K: np.ndarray, R: np.ndarray, t: np.ndarray) -> np.ndarray:
    p = transform(pts, R, t) @ K.T
    return p[:, :2] / p[:, 2:3]


def rasterize(pts: np.ndarray, faces: np.ndarray, K: np.ndarray, R: np.ndarray, t: np.ndarray,
              width: int, height: int) -> np.ndarray:
    """(H, W) planar depth (mm, 0 = empty) of a model's triangles at the pixel centres (OpenCV:
    pixel (i, j) centred at (i, j)), nearest surface wins. Triangles must lie in front of the camera."""
    cam = transform(pts, R, t)
    uv = cam @ K.T
    uv = uv[:, :2] / uv[:, 2:3]
    depth = np.full((height, width), np.inf)
    for a, b, c in faces:
        tri = uv[[a, b, c]]
        x0, y0 = np.floor(tri.min(axis=0)).astype(int)
        x1, y1 = np.ceil(tri.max(axis=0)).astype(int)
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width - 1), min(y1, height - 1)
        if x1 < x0 or y1 < y0:
            continue
        xs, ys = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
        (ax, ay), (bx, by), (cx, cy) = tri
        det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy)
        if abs(det) < 1e-12:
            continue
        l1 = ((by - cy) * (xs - cx) + (cx - bx) * (ys - cy)) / det
        l2 = ((cy - ay) * (xs - cx) + (ax - cx) * (ys - cy)) / det
        l3 = 1 - l1 - l2
        inside = (l1 >= 0) & (l2 >= 0) & (l3 >= 0)
        if not inside.any():
            continue
        inv_z = l1 / cam[a, 2] + l2 / cam[b, 2] + l3 / cam[c, 2]  # perspective-correct depth
        z = np.where(inside, 1.0 / inv_z, np.inf)
        window = depth[y0:y1 + 1, x0:x1 + 1]
        np.minimum(window, z, out=window)
    return np.where(np.isfinite(depth), depth, 0.0)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


# --- pose errors (BOP definitions) ----------------------------------------------------------


def add(R_e, t_e, R_g, t_g, pts) -> float:
    """ADD: mean distance between model points in the two poses."""
    return float(np.linalg.norm(transform(pts, R_e, t_e) - transform(pts, R_g, t_g), axis=1).mean())


def adi(R_e, t_e, R_g, t_g, pts) -> float:
    """ADI (ADD-S): mean distance from each ground-truth point to the closest estimated point."""
    e, g = transform(pts, R_e, t_e), transform(pts, R_g, t_g)
    return float(np.sqrt(((g[:, None, :] - e[None, :, :]) ** 2).sum(axis=2).min(axis=1)).mean())


def re(R_e, R_g) -> float:
    """Rotation error in degrees."""
    cos = np.clip((np.trace(R_e @ R_g.T) - 1) / 2, -1.0, 1.0)
    return float(np.degrees(np.arccos(cos)))


def te(t_e, t_g) -> float:
    """Translation error (mm)."""
    return float(np.linalg.norm(np.asarray(t_e) - np.asarray(t_g)))


def symmetries(info: dict[str, Any], steps: int = 36) -> list[tuple[np.ndarray, np.ndarray]]:
    """The model's symmetry transformations from ``models_info.json`` (identity first), continuous
    axes discretized into ``steps`` rotations, combined as the format documents."""
    disc = [(np.eye(3), np.zeros((3, 1)))]
    for sym in info.get("symmetries_discrete", []):
        m = np.array(sym, float).reshape(4, 4)
        disc.append((m[:3, :3], m[:3, 3:4]))
    cont = []
    for sym in info.get("symmetries_continuous", []):
        axis = np.array(sym["axis"], float) / np.linalg.norm(sym["axis"])
        offset = np.array(sym["offset"], float).reshape(3, 1)
        for k in range(steps):
            angle = 2 * np.pi * k / steps
            kx = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
            R = np.eye(3) + np.sin(angle) * kx + (1 - np.cos(angle)) * kx @ kx
            cont.append((R, -R @ offset + offset))
    if not cont:
        return disc
    return [(Rc @ Rd, Rc @ td + tc) for Rd, td in disc for Rc, tc in cont]


def mssd(R_e, t_e, R_g, t_g, pts, syms) -> float:
    """MSSD: over the symmetries, the smallest maximum distance between corresponding points."""
    e = transform(pts, R_e, t_e)
    return min(float(np.linalg.norm(e - transform(pts, R_g @ Rs, R_g @ ts + t_g), axis=1).max())
               for Rs, ts in syms)


def mspd(R_e, t_e, R_g, t_g, K, pts, syms) -> float:
    """MSPD: the same in pixels, on the projections."""
    e = project(pts, K, R_e, t_e)
    return min(float(np.linalg.norm(e - project(pts, K, R_g @ Rs, R_g @ ts + t_g), axis=1).max())
               for Rs, ts in syms)


def vsd(depth_e: np.ndarray, depth_g: np.ndarray, depth_test: np.ndarray, delta: float, tau: float) -> float:
    """VSD (planar-depth variant): visibility masks against the test depth, then the fraction of
    their union not matching within ``tau``."""
    valid = depth_test > 0
    visib_g = (depth_g > 0) & (~valid | (depth_g <= depth_test + delta))
    visib_e = (depth_e > 0) & (~valid | (depth_e <= depth_test + delta))
    union = visib_g | visib_e
    if not union.any():
        return 1.0
    match = visib_g & visib_e & (np.abs(depth_e - depth_g) < tau)
    return float(1.0 - match.sum() / union.sum())


# --- a ray-cast stand-in for Cycles -----------------------------------------------------------


class RaycastRenderer:
    """Renders cubes exactly (every object as its oriented bounding box) by ray casting, with
    the scene mesh: the geometry the BOP and keypoint writers see matches the passes."""

    blender_version = "raycast"

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.device_info: dict[str, Any] = {"device": device, "renderer": "raycast"}

    def render(self, spec: SceneSpec) -> FrameBuffers:
        mesh = scene_mesh_from_spec(spec)
        depth, instance = raycast_camera(mesh, spec)
        h, w = depth.shape
        rgb = np.random.default_rng(spec.frame_index).random((h, w, 3)).astype(np.float32)
        return FrameBuffers(rgb=rgb, depth=depth, normal=np.zeros((h, w, 3), np.float32), instance=instance,
                            mesh=mesh if spec.wants_scene_mesh() else None)

    def close(self) -> None:
        pass


# --- tests of the error functions themselves ------------------------------------------------

CUBE = np.array([[x, y, z] for x in (-10, 10) for y in (-10, 10) for z in (-10, 10)], float)
K_TEST = np.array([[500.0, 0, 320], [0, 500, 240], [0, 0, 1]])


def _rz(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def test_errors_are_zero_for_identical_poses_and_measure_offsets() -> None:
    R, t = _rz(30), np.array([[5.0], [-3.0], [400.0]])
    assert add(R, t, R, t, CUBE) == 0 and adi(R, t, R, t, CUBE) == 0 and re(R, R) == pytest.approx(0, abs=1e-6)
    assert mssd(R, t, R, t, CUBE, symmetries({})) == 0 and mspd(R, t, R, t, K_TEST, CUBE, symmetries({})) == 0
    shifted = t + np.array([[3.0], [4.0], [0.0]])
    assert add(R, shifted, R, t, CUBE) == pytest.approx(5.0) and te(shifted, t) == pytest.approx(5.0)
    assert re(_rz(40), _rz(10)) == pytest.approx(30.0)


def test_mssd_honours_symmetries() -> None:
    R, t = np.eye(3), np.array([[0.0], [0.0], [500.0]])
    turned = _rz(90)
    assert mssd(turned, t, R, t, CUBE, symmetries({})) > 10  # without symmetries: a large error
    quarter = np.eye(4)
    quarter[:3, :3] = _rz(90)
    info = {"symmetries_discrete": [quarter.ravel().tolist()]}
    assert mssd(turned, t, R, t, CUBE, symmetries(info)) == pytest.approx(0, abs=1e-9)
    assert mssd(_rz(37), t, R, t, CUBE, symmetries({"symmetries_continuous": [{"axis": [0, 0, 1],
                                                                               "offset": [0, 0, 0]}]},
                                                   steps=360)) < 1e-6


def test_rasterizer_and_vsd() -> None:
    faces = np.array([[0, 1, 3], [0, 3, 2]])
    square = np.array([[-10, -10, 0], [-10, 10, 0], [10, -10, 0], [10, 10, 0]], float)
    t = np.array([[0.0], [0.0], [500.0]])
    depth = rasterize(square, faces, K_TEST, np.eye(3), t, 640, 480)
    assert (depth > 0).sum() == pytest.approx(21 * 21, abs=42)  # 20 mm at 500 mm, f = 500: 20 px
    assert np.allclose(depth[depth > 0], 500.0)
    assert vsd(depth, depth, depth, 15, 20) == 0.0
    assert vsd(np.roll(depth, 30, axis=1), depth, depth, 15, 20) == 1.0
