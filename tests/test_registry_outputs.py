"""The output-format registry: validation of ``outputs:``, needs, scopes, finalize steps (no Blender)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthscape.errors import SynthscapeError
from synthscape.writers import (DEFAULT_OUTPUTS, FinalizeContext, OutputFormat, check_outputs, finalize_outputs,
                                known_outputs, output_format, output_needs, registry, write_frame,
                                write_frame_files)
from tests.test_writers_common import CATEGORIES, make_buffers, make_spec


def test_check_outputs_names_the_bad_entry_and_the_known_ones() -> None:
    assert check_outputs(None) == DEFAULT_OUTPUTS
    assert check_outputs(["rgb", "yolo"]) == ("rgb", "yolo")
    with pytest.raises(SynthscapeError, match=r"scene\.yaml: outputs\[1\]: unknown output 'yolov8'; known outputs: "
                                              r"rgb, depth, .*yolo"):
        check_outputs(["rgb", "yolov8"], "scene.yaml: outputs")
    with pytest.raises(SynthscapeError, match=r"outputs\[2\]: 'rgb' is listed twice"):
        check_outputs(["rgb", "coco", "rgb"])
    with pytest.raises(SynthscapeError, match="empty"):
        check_outputs([])
    with pytest.raises(SynthscapeError, match="must be a list"):
        check_outputs("rgb,coco", "--outputs")
    with pytest.raises(SynthscapeError, match="unknown output 'nope'"):
        output_format("nope")


def test_needs_of_the_chosen_formats() -> None:
    assert output_needs(["rgb", "coco", "yolo"]) == frozenset()
    assert output_needs(["lidar"]) == {"mesh", "lidar"}
    assert output_needs(["kitti"]) == {"mesh", "visibility", "lidar"}
    assert output_needs(None) == {"mesh", "visibility", "lidar"}


def test_scopes_match_the_multi_camera_layout() -> None:
    frame_scope = {name for name in known_outputs() if output_format(name).scope == "frame"}
    assert frame_scope >= {"meta", "lidar", "kitti"}
    assert "disparity" in frame_scope  # the stereo pair's left camera, at the dataset root
    assert all(output_format(name).description for name in known_outputs())


def test_formats_run_in_registration_order_whatever_the_list_order(tmp_path: Path) -> None:
    written = write_frame(tmp_path, make_spec(2), make_buffers(), outputs=["yolo", "coco", "rgb"])
    names = [p.relative_to(tmp_path).as_posix() for p in written]
    assert names == ["rgb/000002.png", "coco/frames/000002.json", "yolo/images/000002.png",
                     "yolo/labels/000002.txt", ".done/000002"]
    assert (tmp_path / "yolo" / "images" / "000002.png").read_bytes() == (tmp_path / "rgb" / "000002.png").read_bytes()


def test_scope_filter_writes_camera_or_frame_formats_only(tmp_path: Path) -> None:
    spec, buffers = make_spec(1), make_buffers()
    camera = write_frame_files(tmp_path / "cam", spec, buffers, ["rgb", "meta", "kitti"], scope="camera")
    frame = write_frame_files(tmp_path / "root", spec, buffers, ["rgb", "meta", "kitti"], scope="frame")
    assert [p.parent.name for p in camera] == ["rgb"]
    assert {p.relative_to(tmp_path / "root").parts[0] for p in frame} == {"meta", "kitti"}
    assert not (tmp_path / "cam" / ".done").exists()  # write_frame_files writes no marker


def test_spec_outputs_are_the_default_of_write_frame(tmp_path: Path) -> None:
    import dataclasses

    spec = make_spec(0)
    written = write_frame(tmp_path, dataclasses.replace(spec, outputs=("rgb",)), make_buffers())
    assert [p.relative_to(tmp_path).as_posix() for p in written] == ["rgb/000000.png", ".done/000000"]


def test_finalizers_run_per_camera_folder_or_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    seen: list[tuple[str, Path, tuple[int, ...]]] = []

    def record(name: str):
        def finalize(ctx: FinalizeContext) -> list[Path]:
            seen.append((name, ctx.out_dir, ctx.frames))
            return [ctx.out_dir / f"{name}.txt"]
        return finalize

    registry.register_output(OutputFormat("per_camera", lambda *a, **k: [], record("per_camera")))
    registry.register_output(OutputFormat("per_frame", lambda *a, **k: [], record("per_frame"), scope="frame"))
    with pytest.raises(ValueError, match="registered twice"):
        registry.register_output(OutputFormat("per_frame", lambda *a, **k: []))
    ctx = FinalizeContext(out_dir=tmp_path, frames=(0, 2), dataset_seed=3, categories=CATEGORIES, name="t")
    left = tmp_path / "cameras" / "left"
    written = finalize_outputs(ctx, ["per_frame", "per_camera"], camera_dirs=[left])
    assert seen == [("per_camera", tmp_path, (0, 2)), ("per_camera", left, (0, 2)), ("per_frame", tmp_path, (0, 2))]
    assert written == [tmp_path / "per_camera.txt", left / "per_camera.txt", tmp_path / "per_frame.txt"]


def test_recipe_outputs_field_validates_through_the_registry(tmp_path: Path) -> None:
    from synthscape.recipe.load import load_recipe
    from tests.conftest import SCENES

    recipe = tmp_path / "r.yaml"
    recipe.write_text((SCENES / "minimal.yaml").read_text() + "\noutputs: [rgb, coco, yolo_seg]\n")
    loaded = load_recipe(recipe)
    assert loaded.outputs == ["rgb", "coco", "yolo_seg"]
    assert check_outputs(loaded.outputs) == ("rgb", "coco", "yolo_seg")
    assert load_recipe(SCENES / "minimal.yaml").outputs is None
