"""YOLO (Ultralytics) export read back by the real ``supervision`` package, against the run's COCO."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import supervision as sv
import yaml
from click.testing import CliRunner

from headless.cli import main
from synthscape.batch.shard_run import RENDERER_ENV
from tests.batch_support import FAKE, MINIMAL

FRAMES = 6


def render(tmp_path: Path, outputs: str, frames: int = FRAMES) -> Path:
    """A fake-renderer run of the minimal recipe with an ``outputs:`` list in the recipe."""
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(Path(MINIMAL).read_text() + f"\noutputs: [{outputs}]\n")
    out = tmp_path / "ds"
    result = CliRunner().invoke(main, ["render", str(recipe), "--out", str(out), "--frames", str(frames)],
                                env={RENDERER_ENV: FAKE}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("yolo"), "rgb, coco, yolo, yolo_seg")


def _by_stem(dataset: sv.DetectionDataset) -> dict[str, sv.Detections]:
    return {Path(path).stem: dataset.annotations[path] for path in dataset.image_paths}


def _coco(dataset: Path) -> sv.DetectionDataset:
    return sv.DetectionDataset.from_coco(images_directory_path=str(dataset),
                                         annotations_path=str(dataset / "coco" / "annotations.json"))


def test_supervision_reads_yolo_boxes_and_names_equal_to_coco(dataset: Path) -> None:
    yolo = sv.DetectionDataset.from_yolo(str(dataset / "yolo" / "images"), str(dataset / "yolo" / "labels"),
                                         str(dataset / "yolo" / "data.yaml"))
    coco = _coco(dataset)
    assert yolo.classes == coco.classes == ["box", "ball", "cone"]
    ours, theirs = _by_stem(yolo), _by_stem(coco)
    assert sorted(ours) == sorted(theirs) == [f"{i:06d}" for i in range(FRAMES)]
    total = 0
    for stem, detections in theirs.items():
        order_a, order_b = np.lexsort(detections.xyxy.T), np.lexsort(ours[stem].xyxy.T)
        np.testing.assert_array_equal(ours[stem].class_id[order_b], detections.class_id[order_a])
        np.testing.assert_allclose(ours[stem].xyxy[order_b], detections.xyxy[order_a], atol=1.0)
        total += len(detections)
    assert total >= FRAMES  # the fake renderer draws every object as a disk: there is something to compare


def test_segmentation_polygons_cover_the_coco_masks(dataset: Path) -> None:
    seg = sv.DetectionDataset.from_yolo(str(dataset / "yolo_seg" / "images"), str(dataset / "yolo_seg" / "labels"),
                                        str(dataset / "yolo_seg" / "data.yaml"), force_masks=True)
    coco = _by_stem(_coco(dataset))
    for stem, detections in _by_stem(seg).items():
        assert detections.mask is not None and len(detections) == len(coco[stem])
        # the outline runs through the boundary pixels, so its box ends one pixel before COCO's
        np.testing.assert_allclose(np.sort(detections.xyxy, axis=0), np.sort(coco[stem].xyxy, axis=0), atol=1.001)
        for mask in detections.mask:
            iou = max((mask & m).sum() / (mask | m).sum() for m in coco[stem].mask)
            assert iou >= 0.9  # fillPoly of the outline gives back the mask (disks of 20-120 px)


def test_data_yaml_follows_the_ultralytics_layout(dataset: Path) -> None:
    root = dataset / "yolo"
    data = yaml.safe_load((root / "data.yaml").read_text())
    assert list(data) == ["path", "train", "val", "names"]
    assert Path(data["path"]).is_absolute() and Path(data["path"]) == root.resolve()
    assert data["names"] == {0: "box", 1: "ball", 2: "cone"}
    listed = []
    for split in ("train", "val"):
        lines = (Path(data["path"]) / data[split]).read_text().splitlines()
        assert lines and all(line.startswith("./images/") for line in lines)
        listed += lines
    assert sorted(set(listed)) == [f"./images/{i:06d}.png" for i in range(FRAMES)]
    for line in listed:  # Ultralytics: "./" is relative to the list's folder; /images/ -> /labels/ finds the label
        image = root / line[2:]
        assert image.is_file() and Path(str(image).replace("/images/", "/labels/")).with_suffix(".txt").is_file()


def test_images_are_hard_links_of_rgb(dataset: Path) -> None:
    for i in range(FRAMES):
        rgb, image = dataset / "rgb" / f"{i:06d}.png", dataset / "yolo" / "images" / f"{i:06d}.png"
        assert image.read_bytes() == rgb.read_bytes()
        assert os.path.samefile(image, rgb)


def test_label_rows_are_normalized_class_and_box(dataset: Path) -> None:
    for path in (dataset / "yolo" / "labels").glob("*.txt"):
        for row in path.read_text().splitlines():
            fields = row.split(" ")
            assert len(fields) == 5 and fields[0] in {"0", "1", "2"}
            assert all(0.0 <= float(v) <= 1.0 for v in fields[1:])


def test_outputs_list_writes_only_those_formats(tmp_path: Path) -> None:
    out = render(tmp_path, "rgb, coco, yolo", frames=2)
    folders = {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert folders == {"rgb", "coco", "yolo"} and (out / ".done").is_dir()  # no depth, meta, instance, ...
    assert {p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")} == {"run.json", "dataset.json"}
    assert sorted(p.relative_to(out).as_posix() for p in (out / "coco").rglob("*") if p.is_file()) == [
        "coco/annotations.json", "coco/frames/000000.json", "coco/frames/000001.json"]
    marker = (out / ".done" / "000000").read_text()
    assert "yolo/labels/000000.txt" in marker and "meta/" not in marker and "depth/" not in marker
