"""write_frame: the writer table, the .done marker and failure behaviour (no Blender)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscape.writers import FRAME_WRITERS, frame_is_complete, write_frame
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


def test_failing_writer_leaves_no_marker_and_no_partial_file(tmp_path: Path) -> None:
    spec, buffers = make_spec(7), make_buffers()
    write_frame(tmp_path, spec, buffers)
    assert frame_is_complete(tmp_path, 7)
    writers = {"rgb": FRAME_WRITERS["rgb"], "boom": _boom, "meta": FRAME_WRITERS["meta"]}
    with pytest.raises(OSError, match="disk full"):
        write_frame(tmp_path, spec, buffers, writers=writers)
    assert not frame_is_complete(tmp_path, 7)
    assert not (tmp_path / ".done" / "000007").exists()
    assert not (tmp_path / "boom").exists() or not any((tmp_path / "boom").iterdir())
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


def test_table_has_every_layout_writer() -> None:
    assert list(FRAME_WRITERS) == ["rgb", "depth", "instance", "semantic", "normal", "meta", "coco", "sensors"]


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
