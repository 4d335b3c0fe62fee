"""Every geometric op keeps COCO masks/boxes exactly equal to the augmented instance map."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from synthscape.augment import Compose, parse_augment
from synthscape.augment.dataset import augment_dataset
from synthscape.augment.synthetic import make_synthetic_dataset
from synthscape.io.images import read_exr, read_png

GEOMETRIC = [
    {"op": "hflip"},
    {"op": "scale", "scale": [0.6, 1.6]},
    {"op": "crop", "size": [0.5, 0.8]},
    {"op": "crop", "size": [0.5, 0.8], "resize": True},
    {"op": "rotate", "angle": [-40, 40]},
    {"op": "affine", "angle": [-20, 20], "scale": [0.7, 1.3], "shear": [-10, 10]},
    {"op": "perspective", "scale": [0.05, 0.15]},
    {"op": "cutout", "count": [2, 4], "size": [0.1, 0.4]},
]


def _tight_box(mask: np.ndarray) -> list[float]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return [float(cols[0]), float(rows[0]), float(cols[-1] - cols[0] + 1),
            float(rows[-1] - rows[0] + 1)]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return make_synthetic_dataset(tmp_path_factory.mktemp("src"), frames=2, width=64, height=48,
                                  n_instances=5)


def _op_id(op: dict) -> str:
    return op["op"] + ("_resize" if op.get("resize") else "")


@pytest.mark.parametrize("op", GEOMETRIC, ids=_op_id)
def test_coco_matches_augmented_instance_map(source, tmp_path, op):
    recipe = parse_augment({"min_area": 3, "ops": [op]})
    out = tmp_path / "out"
    augment_dataset(source, out, copies=3, seed=7, pipeline=Compose(recipe))
    coco = COCO(str(out / "coco" / "annotations.json"))
    assert len(coco.getImgIds()) == 6
    seen_any = 0
    for image in coco.loadImgs(coco.getImgIds()):
        inst = read_png(out / image["file_name"].replace("rgb/", "instance/"))
        assert inst.shape == (image["height"], image["width"])
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
        ids = {a["id"] % 65536 for a in anns}
        for value in np.unique(inst):
            area = int((inst == value).sum())
            if value and area >= 3:
                assert int(value) in ids, f"instance {value} has no annotation"
        for ann in anns:
            expected = inst == ann["id"] % 65536
            decoded = mask_utils.decode(ann["segmentation"]).astype(bool)
            np.testing.assert_array_equal(decoded, expected)
            assert ann["bbox"] == _tight_box(expected)
            assert ann["area"] == int(expected.sum())
            assert ann["image_id"] == image["id"]
            assert ann["area"] >= 3
            seen_any += 1
    assert seen_any > 0
    all_ids = coco.getAnnIds()
    assert len(all_ids) == len(set(all_ids))


@pytest.mark.parametrize("op", GEOMETRIC[:-1], ids=lambda o: o["op"])
def test_labels_and_depth_are_not_interpolated(source, tmp_path, op):
    augment_dataset(source, tmp_path / "out", copies=2, seed=1,
                    pipeline=Compose(parse_augment({"ops": [op]})))
    src_inst = read_png(source / "instance" / "000000.png")
    src_depth = read_exr(source / "depth" / "000000.exr")["Z"]
    for k in range(2):
        inst = read_png(tmp_path / "out" / "instance" / f"000000_k{k}.png")
        depth = read_exr(tmp_path / "out" / "depth" / f"000000_k{k}.exr")["Z"]
        assert set(np.unique(inst)) <= set(np.unique(src_inst))
        assert set(np.unique(depth)) <= set(np.unique(src_depth))
        # the synthetic depth is 2 + instance id, so depth must still agree pixel by pixel
        np.testing.assert_array_equal(np.where(inst > 0, 2.0 + inst, np.inf), depth)


def test_flip_is_exact_mirror(source, tmp_path):
    augment_dataset(source, tmp_path / "out", copies=1, seed=0,
                    pipeline=Compose(parse_augment({"ops": [{"op": "hflip"}]})))
    for sub in ("rgb", "instance", "semantic"):
        a = read_png(source / sub / "000001.png")
        b = read_png(tmp_path / "out" / sub / "000001_k0.png")
        np.testing.assert_array_equal(b, a[:, ::-1])


def test_min_area_drops_small_instances(source, tmp_path):
    recipe = parse_augment({"min_area": 10**6, "ops": [{"op": "hflip"}]})
    summary = augment_dataset(source, tmp_path / "out", 1, 0, Compose(recipe))
    coco = json.loads((tmp_path / "out" / "coco" / "annotations.json").read_text())
    assert coco["annotations"] == [] and summary["dropped_instances"] > 0
