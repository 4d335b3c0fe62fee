"""write_frame: the output registry, the .done marker and failure behaviour (no Blender)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscape.writers import DEFAULT_OUTPUTS, OutputFormat, frame_is_complete, known_outputs, write_frame
from synthscape.writers import registry
from synthscape.writers.layout import marker_files
from tests.test_writers_common import make_buffers, make_spec

EXPECTED = ["coco/frames/000007.json", "depth/000007.exr", "depth/000007.png", "instance/000007.png",
            "kitti/training/calib/000007.txt", "kitti/training/image_2/000007.png",
            "kitti/training/label_2/000007.txt",  # the test spec's "box" category is a KITTI Car
            "meta/000007.json", "normal/000007.exr", "rgb/000007.png", "semantic/000007.png"]


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_write_frame_writes_layout_and_marker(tmp_path: Path) -> None:
    buffers = make_buffers()
    copies = {k: np.copy(getattr(buffers, k)) for k in ("rgb", "depth", "normal", "instance")}
    assert not frame_is_complete(tmp_path, 7)
    paths = write_frame(tmp_path, make_spec(7), buffers, "5.0.1")
    assert paths[-1] == tmp_path / ".done" / "000007"
    assert marker_files(tmp_path, 7) == EXPECTED
    assert _files(tmp_path) == sorted([*EXPECTED, ".done/000007"])
    assert frame_is_complete(tmp_path, 7) and not frame_is_complete(tmp_path, 6)
    for key, value in copies.items():
        assert np.array_equal(getattr(buffers, key), value)
    (tmp_path / "meta" / "000007.json").unlink()
    assert not frame_is_complete(tmp_path, 7)


def _boom(out_dir: Path, spec, buffers, **ctx) -> list[Path]:
    from synthscape.io.atomic import write_atomic

    def half(tmp: Path) -> None:
        tmp.write_bytes(b"half a file")
        raise OSError("disk full")

    return [write_atomic(Path(out_dir) / "boom" / f"{spec.frame_index:06d}.bin", half)]


def test_failing_writer_leaves_no_marker_and_no_partial_file(tmp_path: Path, monkeypatch) -> None:
    spec, buffers = make_spec(7), make_buffers()
    write_frame(tmp_path, spec, buffers)
    assert frame_is_complete(tmp_path, 7)
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register_output(OutputFormat("boom", _boom))
    with pytest.raises(OSError, match="disk full"):
        write_frame(tmp_path, spec, buffers, outputs=["rgb", "boom", "meta"])
    assert not frame_is_complete(tmp_path, 7)
    assert not (tmp_path / ".done" / "000007").exists()
    assert not (tmp_path / "boom").exists() or not any((tmp_path / "boom").iterdir())
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


def test_registry_has_every_layout_writer_in_writing_order() -> None:
    assert DEFAULT_OUTPUTS == ("rgb", "depth", "instance", "semantic", "normal", "meta", "coco", "lidar", "kitti")
    assert known_outputs()[:len(DEFAULT_OUTPUTS)] == DEFAULT_OUTPUTS
    assert {"yolo", "yolo_seg"} <= set(known_outputs())


def test_sampled_spec_writes_and_round_trips(tmp_path: Path) -> None:
    import json

    from synthscape.recipe.load import load_recipe
    from synthscape.spec.sample import sample_scene
    from synthscape.spec.scene_spec import spec_to_json
    from synthscape.writers.meta import spec_from_meta
    from tests.conftest import SCENES

    spec = sample_scene(load_recipe(SCENES / "tabletop.yaml"), 5, 3, resolution=(32, 24))
    h, w = spec.camera.height, spec.camera.width
    instance = np.zeros((h, w), dtype=np.uint16)
    for k, obj in enumerate(spec.objects[:3]):
        instance[k * 6:(k + 1) * 6, :] = obj.instance_id
    buffers = type(make_buffers())(rgb=np.zeros((h, w, 3), np.float32), depth=np.ones((h, w), np.float32),
                                   normal=np.zeros((h, w, 3), np.float32), instance=instance)
    write_frame(tmp_path, spec, buffers, "5.0.1")
    assert frame_is_complete(tmp_path, 3)
    meta = json.loads((tmp_path / "meta" / "000003.json").read_text())
    assert spec_to_json(spec_from_meta(meta)) == spec_to_json(spec)
