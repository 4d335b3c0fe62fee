"""``lidar/semantic-kitti.yaml`` loaded the way semantic-kitti-api loads its config."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.buffers import FrameBuffers
from synthscape.lidar import LidarRecipe, sample_lidar_spec
from synthscape.lidar.demo import street_spec
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.sensors import run_sensors
from synthscape.spec.scene_spec import CategorySpec
from synthscape.writers import FinalizeContext, finalize_outputs, write_frame_files
from synthscape.writers.semantic_kitti import semantic_kitti_class

EXTRA = CategorySpec(7, "Mail_Box")
"""A category SemanticKITTI has no class for (and no point hits)."""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("semkitti")
    scans = []
    for frame in (0, 1):
        spec = street_spec(np.random.default_rng(frame))
        lidar = sample_lidar_spec(LidarRecipe(preset="hdl64e", points_per_ring=512), spec.camera.world_to_camera)
        spec = dataclasses.replace(spec, frame_index=frame,
                                   categories=(*spec.categories, EXTRA)).with_lidar(lidar)
        h, w = spec.camera.height, spec.camera.width
        buffers = FrameBuffers(rgb=np.zeros((h, w, 3), np.float32), depth=np.ones((h, w), np.float32),
                               normal=np.zeros((h, w, 3), np.float32), instance=np.zeros((h, w), np.uint16),
                               mesh=scene_mesh_from_spec(spec))
        sensed = run_sensors(spec, buffers, {"lidar"})
        write_frame_files(out, spec, sensed, ["lidar"])
        scans.append(sensed.lidar)
    ctx = FinalizeContext(out_dir=out, frames=(0, 1), dataset_seed=0, categories=spec.categories, name="street")
    assert finalize_outputs(ctx, ["lidar"]) == [out / "lidar" / "semantic-kitti.yaml"]
    return out, list(spec.categories), scans


def test_config_has_semantic_kitti_api_keys(dataset) -> None:
    out, categories, _ = dataset
    config = yaml.safe_load((out / "lidar" / "semantic-kitti.yaml").read_text())
    assert {"labels", "color_map", "content", "learning_map", "learning_map_inv", "learning_ignore"} <= set(config)
    raw_ids = [0, *sorted(c.id for c in categories)]
    assert sorted(config["labels"]) == sorted(config["color_map"]) == sorted(config["learning_map"]) == raw_ids
    nr_classes = len(config["learning_map_inv"])  # evaluate_semantics.py: classes are 0..n-1
    assert sorted(config["learning_map_inv"]) == list(range(nr_classes)) == sorted(config["learning_ignore"])
    assert config["learning_ignore"][0] is True and not any(config["learning_ignore"][k] for k in range(1, nr_classes))
    assert all(len(c) == 3 and all(0 <= v <= 255 for v in c) for c in config["color_map"].values())


def test_labels_map_to_the_right_classes_like_the_api(dataset) -> None:
    out, categories, scans = dataset
    config = yaml.safe_load((out / "lidar" / "semantic-kitti.yaml").read_text())
    class_remap, class_inv_remap, class_strings = config["learning_map"], config["learning_map_inv"], config["labels"]
    maxkey = max(class_remap.keys())
    remap_lut = np.zeros((maxkey + 100), dtype=np.int32)  # evaluate_semantics.py's "+100 hack"
    remap_lut[list(class_remap.keys())] = list(class_remap.values())
    names = {c.id: c.name for c in categories} | {0: "unlabeled"}
    counts: dict[int, int] = {}
    for frame, scan in enumerate(scans):
        label = np.fromfile(out / "lidar" / f"{frame:06d}.label", dtype=np.int32).reshape((-1))
        sem_label = label & 0xFFFF
        inst_label = label >> 16
        learned = remap_lut[sem_label]
        decoded = [class_strings[class_inv_remap[int(k)]] for k in learned]
        assert decoded == [names[int(s)] for s in scan.semantic]
        np.testing.assert_array_equal(inst_label, scan.instance)
        for raw, n in zip(*np.unique(scan.semantic, return_counts=True)):
            counts[int(raw)] = counts.get(int(raw), 0) + int(n)
        assert {"car", "unlabeled"} <= set(decoded)
    total = sum(counts.values())
    assert sum(config["content"].values()) == pytest.approx(1.0)
    assert all(config["content"][raw] == pytest.approx(counts.get(raw, 0) / total) for raw in config["content"])
    assert config["content"][EXTRA.id] == 0.0


def test_categories_named_like_semantic_kitti_classes(dataset) -> None:
    out, categories, _ = dataset
    config = yaml.safe_load((out / "lidar" / "semantic-kitti.yaml").read_text())
    by_name = {c.name: c.id for c in categories}
    assert config["semantic_kitti_ids"] == {by_name["car"]: 10, by_name["pedestrian"]: 30,
                                            by_name["cyclist"]: 31, by_name["building"]: 50}
    assert config["color_map"][by_name["car"]] == [245, 150, 100]  # SemanticKITTI's car colour (BGR)
    assert semantic_kitti_class("Traffic_Sign") == "traffic-sign" and semantic_kitti_class("Mail_Box") is None


def test_no_config_without_lidar_files(tmp_path: Path) -> None:
    ctx = FinalizeContext(out_dir=tmp_path, frames=(0,), dataset_seed=0, categories=(EXTRA,))
    assert finalize_outputs(ctx, ["lidar"]) == []
