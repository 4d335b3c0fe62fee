"""COCO keypoints of the objects' 3D boxes: positions, visibility flags by ray casting, and
pycocotools' keypoint evaluation (no Blender: the ray-cast renderer of tests/test_bop_reader.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from synthscape.writers.meta import spec_from_meta
from tests.coco_support import keypoint_ap_of_ground_truth
from tests.test_bop_reader import RaycastRenderer

# Camera at (0, 0, 1) looking along +y. A 2 m cube centred at (0, 3, 1) shows the camera only
# its face y = 2; a small cube halfway to that face's corner (1, 2, 2) hides that corner; a cube
# behind the camera is outside the image.
RECIPE = {
    "name": "kp", "seed": 0, "frames": 1,
    "objects": [{"category": "big", "shape": "cube", "location": [0, 3, 1], "scale": 1.0, "yaw": 0},
                {"category": "blocker", "shape": "cube", "location": [0.5, 1, 1.5], "scale": 0.1, "yaw": 0},
                {"category": "behind", "shape": "cube", "location": [0, -2, 1], "scale": 0.3, "yaw": 0}],
    "camera": {"resolution": [160, 120], "focal_length": 12, "location": [0, 0, 1], "target": [0, 3, 1]},
    "lights": [{"type": "sun", "intensity": 2}],
    "render": {"samples": 1, "min_pixel_area": 1},
    "outputs": ["rgb", "instance", "meta", "coco", "coco_keypoints"],
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kp")
    recipe = folder / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE))
    render_dataset(RenderJob(str(recipe), folder / "ds"), renderer_factory=RaycastRenderer)
    return folder / "ds"


def _keypoints(dataset: Path) -> dict:
    return json.loads((dataset / "coco" / "keypoints.json").read_text())


def test_flags_follow_what_the_camera_sees(dataset: Path) -> None:
    coco = _keypoints(dataset)
    by_instance = {a["id"] % 65536: np.array(a["keypoints"]).reshape(-1, 3) for a in coco["annotations"]}
    assert set(by_instance) == {1, 2}  # the cube behind the camera has no pixel: no annotation
    big = by_instance[1]
    spec = spec_from_meta(json.loads((dataset / "meta" / "000000.json").read_text()))
    corners = np.array([[x, y, z] for x, y, z in [(-1, 2, 0), (1, 2, 0), (1, 4, 0), (-1, 4, 0),
                                                    (-1, 2, 2), (1, 2, 2), (1, 4, 2), (-1, 4, 2)]], float)
    expected = {0: 2, 1: 2, 4: 2, 5: 1, 2: 1, 3: 1, 6: 1, 7: 1, 8: 1}  # corner 5 = (1, 2, 2): hidden by the blocker
    w2c, K = np.asarray(spec.camera.world_to_camera), np.asarray(spec.camera.K)
    for k in range(8):
        world = corners[k]
        pc = w2c[:3, :3] @ world + w2c[:3, 3]
        u, v = (K @ pc)[:2] / pc[2]
        match = np.flatnonzero(np.hypot(big[:8, 0] - 0.5 - u, big[:8, 1] - 0.5 - v) < 1e-2)
        assert len(match) == 1, (k, world)  # COCO coordinates: the pixel centre is at + 0.5
        assert big[match[0], 2] == expected[k], (k, world)
    assert big[8, 2] == 1  # the centre is inside the cube
    # The blocker sits off the camera axis: three faces face the camera, only its far corner
    # (+x, +y, +z: box_corners index 6) is hidden behind its own body.
    assert by_instance[2][:8, 2].tolist() == [2, 2, 2, 2, 2, 2, 1, 2]


def test_outside_the_image_is_zero_and_categories_have_a_skeleton(dataset: Path, tmp_path: Path) -> None:
    from synthscape.buffers import BOX_KEYPOINT_NAMES

    coco = _keypoints(dataset)
    for category in coco["categories"]:
        assert category["keypoints"] == list(BOX_KEYPOINT_NAMES) and len(category["skeleton"]) == 12
    for annotation in coco["annotations"]:
        triples = np.array(annotation["keypoints"]).reshape(-1, 3)
        assert annotation["num_keypoints"] == int((triples[:, 2] > 0).sum())
        assert (triples[triples[:, 2] == 0, :2] == 0).all()
    data = {**RECIPE, "outputs": ["rgb", "instance", "coco_keypoints"],
            "camera": {**RECIPE["camera"], "focal_length": 40}}  # narrow view: the big cube's corners leave it
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(data))
    render_dataset(RenderJob(str(tmp_path / "r.yaml"), tmp_path / "ds"), renderer_factory=RaycastRenderer)
    big = next(a for a in _keypoints(tmp_path / "ds")["annotations"] if a["id"] % 65536 == 1)
    triples = np.array(big["keypoints"]).reshape(-1, 3)
    assert (triples[:, 2] == 0).any() and big["num_keypoints"] < 9


def test_main_coco_file_stays_plain(dataset: Path) -> None:
    coco = json.loads((dataset / "coco" / "annotations.json").read_text())
    assert all("keypoints" not in a for a in coco["annotations"])
    assert all("keypoints" not in c for c in coco["categories"])


def test_cocoeval_keypoints_of_ground_truth_give_ap_1(dataset: Path) -> None:
    ap, _ = keypoint_ap_of_ground_truth(dataset / "coco" / "keypoints.json")
    assert ap == pytest.approx(1.0)
