"""Stereo rig rendered by Cycles (issue 16): P3, image_3 and disparity checked against the right view."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pykitti.utils
import pytest
import yaml

from synthscape.io.images import read_exr, read_png
from synthscape.spec.camera import object_to_world
from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from synthscape.spec.rig import stereo_pair
from synthscape.writers.disparity_maps import decode_kitti_disparity
from synthscape.writers.meta import spec_from_meta
from tests.batch_support import MINIMAL

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def stereo_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """One 64x48 frame of cubes and spheres from the KITTI stereo preset (0.54 m baseline)."""
    tmp = tmp_path_factory.mktemp("stereo")
    data = yaml.safe_load(Path(MINIMAL).read_text())
    data["objects"] = [group for group in data["objects"] if group["shape"] in ("cube", "sphere")]
    data["categories"] = [{"name": "box", "kitti_type": "Car"}, {"name": "ball", "kitti_type": "Pedestrian"}]
    data["rig"] = {"preset": "kitti_stereo"}
    data["render"]["samples"] = 1
    data["outputs"] = ["rgb", "depth", "instance", "meta", "kitti", "disparity"]
    recipe = tmp / "stereo.yaml"
    recipe.write_text(yaml.safe_dump(data))
    out = tmp / "ds"
    render_dataset(RenderJob(str(recipe), out, frames=1, device="cpu"))
    return out, spec_from_meta(json.loads((out / "meta" / "000000.json").read_text()))


def _interior_points(obj: object) -> np.ndarray:
    """World points inside a cube or sphere: its centre and points half way to its box corners."""
    lo, hi = np.asarray(obj.bbox_min, float), np.asarray(obj.bbox_max, float)
    centre = (lo + hi) / 2
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    local = np.vstack([centre, centre + 0.5 * (corners - centre)])
    o2w = object_to_world(obj.location, obj.rotation, obj.scale)
    return local @ o2w[:3, :3].T + o2w[:3, 3]


def _window_has(instance: np.ndarray, u: float, v: float, instance_id: int) -> bool:
    col, row = int(np.floor(u)), int(np.floor(v))
    return instance_id in instance[max(row - 1, 0):row + 2, max(col - 1, 0):col + 2]


def test_p3_projects_object_points_onto_the_right_instance_map(stereo_dataset) -> None:
    out, spec = stereo_dataset
    root = out / "kitti" / "training"
    calib = pykitti.utils.read_calib_file(str(root / "calib" / "000000.txt"))
    p2, p3 = calib["P2"].reshape(3, 4), calib["P3"].reshape(3, 4)
    right = np.asarray(read_png(out / "cameras" / "right" / "instance" / "000000.png"))
    w2c = np.asarray(spec.camera.world_to_camera)
    hits = {"P3": 0, "P2": 0}
    tested = 0
    for obj in spec.objects:
        cam = _interior_points(obj) @ w2c[:3, :3].T + w2c[:3, 3]
        for name, projection in (("P3", p3), ("P2", p2)):
            px = np.hstack([cam, np.ones((len(cam), 1))]) @ projection.T
            uv = px[:, :2] / px[:, 2:]
            inside = ((uv[:, 0] >= 1) & (uv[:, 0] < right.shape[1] - 1)
                      & (uv[:, 1] >= 1) & (uv[:, 1] < right.shape[0] - 1))
            hits[name] += sum(_window_has(right, u, v, obj.instance_id) for u, v in uv[inside])
            tested += int(inside.sum()) if name == "P3" else 0
    assert tested >= 9
    assert hits["P3"] >= 0.9 * tested, hits
    assert hits["P2"] < hits["P3"], hits  # the left camera's projection does not explain the right view


def test_disparity_is_the_pixel_shift_between_the_views(stereo_dataset) -> None:
    out, spec = stereo_dataset
    pair = stereo_pair(spec)
    assert pair is not None and pair.baseline_m == 0.54
    disp = decode_kitti_disparity(read_png(out / "disparity" / "000000.png"))
    np.testing.assert_array_equal(read_png(out / "disparity" / "000000.png"),
                                  read_png(out / "kitti" / "training" / "disp_occ_0" / "000000.png"))
    depth = read_exr(out / "depth" / "000000.exr")["Z"]
    assert ((disp == -1) == ~np.isfinite(depth)).all()  # invalid exactly where no surface was hit
    left = np.asarray(read_png(out / "instance" / "000000.png"))
    right = np.asarray(read_png(out / "cameras" / "right" / "instance" / "000000.png"))
    K = np.asarray(spec.camera.K)
    left_c2w = np.linalg.inv(np.asarray(spec.camera.world_to_camera))
    r_w2c = np.asarray(pair.right.world_to_camera)
    checked = 0
    for obj in spec.objects:
        centre = np.asarray(spec.camera.world_to_camera) @ np.append(obj.location, 1.0)
        u, v = (K @ centre[:3])[:2] / centre[2]
        col, row = int(np.floor(u)), int(np.floor(v))
        if not (0 <= col < left.shape[1] and 0 <= row < left.shape[0]) or left[row, col] != obj.instance_id:
            continue
        # The surface point the left pixel centre sees, from the disparity alone (Z = fx B / d) ...
        z = K[0, 0] * pair.baseline_m / disp[row, col]
        surface = left_c2w @ np.append(z * np.linalg.solve(K, [col + 0.5, row + 0.5, 1.0]), 1.0)
        seen = r_w2c @ surface
        u_r, v_r = (np.asarray(pair.right.K) @ seen[:3])[:2] / seen[2]
        # ... lands in the right view disp pixels to the left, on the same row, on the same object.
        assert abs((col + 0.5) - u_r - disp[row, col]) < 0.5
        assert abs(v_r - (row + 0.5)) < 1e-6
        assert _window_has(right, u_r, v_r, obj.instance_id), obj.instance_id
        checked += 1
    assert checked >= 1


def test_disparity_warps_the_left_masks_onto_the_right_view(stereo_dataset) -> None:
    out, _ = stereo_dataset
    disp = decode_kitti_disparity(read_png(out / "disparity" / "000000.png"))
    left = np.asarray(read_png(out / "instance" / "000000.png"))
    right = np.asarray(read_png(out / "cameras" / "right" / "instance" / "000000.png"))
    rows, cols = np.nonzero(disp > 0)
    target = np.floor(cols + 0.5 - disp[rows, cols]).astype(int)
    keep = (target >= 0) & (target < left.shape[1])
    agree = right[rows[keep], target[keep]] == left[rows[keep], cols[keep]]
    shifted_by_zero = right[rows[keep], cols[keep]] == left[rows[keep], cols[keep]]
    objects = left[rows[keep], cols[keep]] > 0
    assert objects.sum() >= 20
    assert agree[objects].mean() > 0.8, agree[objects].mean()
    assert agree[objects].mean() > shifted_by_zero[objects].mean() + 0.1


def test_image_3_and_p3_read_back_with_pykitti(stereo_dataset) -> None:
    out, spec = stereo_dataset
    root = out / "kitti" / "training"
    image_3 = np.asarray(pykitti.utils.load_image(str(root / "image_3" / "000000.png"), "RGB"))
    assert image_3.shape == (spec.camera.height, spec.camera.width, 3)
    np.testing.assert_array_equal(image_3, np.asarray(read_png(out / "cameras" / "right" / "rgb" / "000000.png")))
    assert not np.array_equal(image_3, np.asarray(read_png(root / "image_2" / "000000.png")))
    calib = pykitti.utils.read_calib_file(str(root / "calib" / "000000.txt"))
    np.testing.assert_allclose(calib["P3"].reshape(3, 4)[:, :3], spec.camera.K, atol=1e-6)
    assert calib["P3"][3] == pytest.approx(-spec.camera.K[0][0] * 0.54, rel=1e-9)
