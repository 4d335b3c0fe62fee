"""End-to-end: `synthscape render` with real Cycles renders at tiny sizes (needs bpy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from synthscape.io.images import read_exr, read_png
from tests.conftest import REPO, SCENES

pytestmark = pytest.mark.blender

DATA = Path(__file__).parent / "data"


def synthscape(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "headless", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def render(out: Path, *extra: str, recipe: Path = SCENES / "minimal.yaml") -> subprocess.CompletedProcess:
    result = synthscape("render", str(recipe), "--out", str(out), "--device", "cpu", *extra)
    assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("minimal")
    render(out, "--frames", "3", "--seed", "7")
    return out


def test_layout_and_summary(dataset: Path) -> None:
    for folder, suffix in [("rgb", "png"), ("depth", "exr"), ("depth", "png"), ("instance", "png"),
                           ("semantic", "png"), ("normal", "exr"), ("meta", "json")]:
        assert sorted(p.name for p in (dataset / folder).glob(f"*.{suffix}")) == \
            [f"{i:06d}.{suffix}" for i in range(3)]
    info = json.loads((dataset / "dataset.json").read_text())
    assert info["frame_count"] == 3 and info["dataset_seed"] == 7
    rgb = read_png(dataset / "rgb" / "000000.png")
    assert rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8 and rgb.std() > 1


def test_pycocotools_loads_and_ground_truth_scores_ap_1(dataset: Path) -> None:
    coco = COCO(str(dataset / "coco" / "annotations.json"))
    assert coco.getAnnIds(), "no annotations"
    detections = [{**a, "score": 1.0} for a in coco.dataset["annotations"]]
    for iou_type in ("segm", "bbox"):
        evaluation = COCOeval(coco, coco.loadRes(detections), iou_type)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
        assert evaluation.stats[0] == pytest.approx(1.0)


def test_rle_matches_instance_map_and_bbox_is_tight(dataset: Path) -> None:
    coco = COCO(str(dataset / "coco" / "annotations.json"))
    for image in coco.dataset["images"]:
        frame = Path(image["file_name"]).stem
        instance = read_png(dataset / "instance" / f"{frame}.png")
        semantic = read_png(dataset / "semantic" / f"{frame}.png")
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=image["id"])):
            instance_id = ann["id"] - (image["id"] - 1) * 65536
            decoded = mask_utils.decode(ann["segmentation"]).astype(bool)
            assert np.array_equal(decoded, instance == instance_id)
            ys, xs = np.nonzero(decoded)
            assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
            assert ann["area"] == decoded.sum()
            assert set(np.unique(semantic[decoded])) == {ann["category_id"]}


def test_depth_png_matches_exr(dataset: Path) -> None:
    depth = read_exr(dataset / "depth" / "000000.exr")["Z"]
    png = read_png(dataset / "depth" / "000000.png").astype(np.float64) / 256.0
    hit = np.isfinite(depth)
    assert hit.any()
    assert np.all(png[~hit] == 0)
    assert np.abs(png[hit] - depth[hit]).max() <= 1 / 512 + 1e-6


def test_same_seed_same_bytes_other_seed_differs(dataset: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    render(again, "--frames", "3", "--seed", "7")
    for name in ["coco/annotations.json", *[f"meta/{i:06d}.json" for i in range(3)]]:
        assert (again / name).read_bytes() == (dataset / name).read_bytes(), name
    other = tmp_path / "other"
    render(other, "--frames", "1", "--seed", "8")
    assert (other / "meta/000000.json").read_bytes() != (dataset / "meta/000000.json").read_bytes()


def test_rerun_resumes_without_rendering(dataset: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (dataset / "rgb").iterdir()}
    result = render(dataset, "--frames", "3", "--seed", "7")
    assert "0 rendered, 3 already complete" in result.stdout
    assert before == {p: p.stat().st_mtime_ns for p in (dataset / "rgb").iterdir()}


def test_depth_of_a_known_plane(tmp_path: Path) -> None:
    """Camera at y=0 looking along +y at a 2 m cube centred at y=3: the face is at y=2."""
    out = tmp_path / "cube"
    render(out, "--frames", "1", recipe=DATA / "fixed_cube.yaml")
    depth = read_exr(out / "depth" / "000000.exr")["Z"]
    instance = read_png(out / "instance" / "000000.png")
    on_face = instance == 1
    assert on_face.sum() > 100
    assert np.abs(depth[on_face] - 2.0).max() < 1e-3
    # Pixels off the face see the ground or the sky, never closer than the face.
    assert np.all(depth[~on_face] > 2.0 - 1e-3)


@pytest.mark.parametrize("problem, key", [
    ({"objects": [{"category": "box", "shape": "cube", "sise": 1}]}, "objects[0].sise"),
    ({"objects": [{"category": "box", "shape": "cube", "scale": "large"}]}, "objects[0].scale"),
    ({"objects": [{"category": "box", "mesh": "missing.obj"}]}, "objects[0].mesh"),
    ({"objects": [{"category": "box", "shape": "cube", "count": -3}]}, "objects[0].count"),
])
def test_bad_recipes_exit_2(tmp_path: Path, problem: dict, key: str) -> None:
    import yaml

    recipe = tmp_path / "bad.yaml"
    recipe.write_text(yaml.safe_dump(problem))
    result = synthscape("render", str(recipe), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert key in result.stderr and "bad.yaml" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    assert synthscape("validate", str(recipe)).returncode == 2


def test_unwritable_out_exits_2_before_rendering(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = synthscape("render", str(SCENES / "minimal.yaml"), "--out", str(blocker / "sub"))
    assert result.returncode == 2
    assert "--out" in result.stderr and "Traceback" not in result.stderr


def test_validate_ok() -> None:
    result = synthscape("validate", str(SCENES / "tabletop.yaml"))
    assert result.returncode == 0 and "ok" in result.stdout


def test_kitti_without_lidar_still_knows_occlusion(tmp_path: Path) -> None:
    """KITTI types without a lidar: section still export the scene mesh for amodal masks."""
    import yaml

    recipe = yaml.safe_load((DATA / "fixed_cube.yaml").read_text())
    recipe["objects"][0]["kitti_type"] = "Car"
    path = tmp_path / "kitti_cube.yaml"
    path.write_text(yaml.safe_dump(recipe))
    out = tmp_path / "out"
    render(out, "--frames", "1", recipe=path)
    label = (out / "kitti" / "training" / "label_2" / "000000.txt").read_text().split()
    assert label[0] == "Car"
    assert label[2] == "0", "a fully visible object must have occluded = 0, not 3 (unknown)"
    assert not (out / "lidar").exists()


def test_gpu_request_without_a_gpu_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "gpu"
    result = synthscape("render", str(SCENES / "minimal.yaml"), "--out", str(out), "--frames", "1",
                        "--device", "gpu")
    if result.returncode == 0:  # a machine with a GPU: it must really have rendered on it
        device = json.loads((out / "dataset.json").read_text())["device"]
        assert device["type"] != "CPU", device
        return
    assert result.returncode == 2, result.stderr
    assert "no GPU" in result.stderr and "--device cpu" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not out.exists(), "a refused run must leave nothing behind"
