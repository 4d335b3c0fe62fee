"""BOP output (no Blender): a ray-cast renderer (exact for cubes) through the real pipeline,
read back with the small reader of tests/test_bop_reader.py written against the BOP format doc."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.batch.shard_run import run_shard
from synthscape.dataset.merge import merge_dataset
from synthscape.errors import RecipeError
from synthscape.pipeline import render_dataset
from synthscape.plan import RenderJob
from synthscape.recipe.load import load_recipe
from synthscape.sensors.visibility import object_visibility
from synthscape.writers.bop import depth_to_bop, write_bop_frame
from synthscape.writers.meta import spec_from_meta
from tests.test_bop_reader import (RaycastRenderer, adi, add, iou, load_depth_mm, load_image, load_json, load_ply,
                                   load_scene_camera, load_scene_gt, mspd, mssd, rasterize, symmetries, transform,
                                   vsd)

FRAMES = 5
RECIPE = {
    "name": "boptest", "seed": 3, "frames": FRAMES,
    "objects": [{"category": "box", "shape": "cube", "count": 2, "scale": 0.2},
                {"category": "brick", "shape": "cube", "count": 2, "scale": {"uniform": [0.1, 0.25]}},
                {"category": "crate", "mesh": "crate.ply", "count": 1, "scale": 0.5}],
    "placement": {"area": [2.6, 2.6]}, "ground": {"size": [4, 4]},
    "camera": {"resolution": [160, 120], "focal_length": 35, "distance": {"uniform": [2.5, 3.0]},
               "elevation": {"uniform": [30, 50]}},
    "render": {"samples": 1, "min_pixel_area": 1},
    "outputs": ["rgb", "instance", "meta", "coco", "bop", "coco_keypoints"],
    "bop": {"scene_size": 2, "image_format": "png"},
}


CRATE_PLY = """ply
format ascii 1.0
element vertex 8
property float x
property float y
property float z
element face 12
property list uchar int vertex_indices
end_header
0 0 0
0.6 0 0
0.6 0.4 0
0 0.4 0
0 0 0.3
0.6 0 0.3
0.6 0.4 0.3
0 0.4 0.3
3 0 2 1
3 0 3 2
3 4 5 6
3 4 6 7
3 0 1 5
3 0 5 4
3 1 2 6
3 1 6 5
3 2 3 7
3 2 7 6
3 3 0 4
3 3 4 7
"""
"""A box mesh whose origin is a corner, not its centre: the model frame must move to the box centre."""


def write_recipe(folder: Path, **changes) -> Path:
    (folder / "crate.ply").write_text(CRATE_PLY)
    path = folder / "recipe.yaml"
    path.write_text(yaml.safe_dump({**RECIPE, **changes}))
    return path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bop")
    out = folder / "ds"
    render_dataset(RenderJob(str(write_recipe(folder)), out), renderer_factory=RaycastRenderer)
    return out


def scenes(out: Path):
    """(frame index, scene folder, image id) of every frame: frame i is image i % 2 of scene i // 2."""
    return [(i, out / "bop" / "train_pbr" / f"{i // 2:06d}", i % 2) for i in range(FRAMES)]


def spec_of(out: Path, frame: int):
    return spec_from_meta(json.loads((out / "meta" / f"{frame:06d}.json").read_text()))


def test_reader_loads_every_file(dataset: Path) -> None:
    bop = dataset / "bop"
    assert sorted(p.name for p in (bop / "train_pbr").iterdir()) == ["000000", "000001", "000002"]
    info = load_json(bop / "models" / "models_info.json", keys_to_int=True)
    camera = load_json(bop / "camera.json")
    assert set(camera) == {"cx", "cy", "depth_scale", "fx", "fy", "height", "width"}
    assert (camera["width"], camera["height"], camera["depth_scale"]) == (160, 120, 0.1)
    for obj_id, entry in info.items():
        model = load_ply(bop / "models" / f"obj_{obj_id:06d}.ply")
        assert {"diameter", "min_x", "min_y", "min_z", "size_x", "size_y", "size_z"} <= set(entry)
        low, size = model["pts"].min(axis=0), np.ptp(model["pts"], axis=0)
        np.testing.assert_allclose([entry["min_x"], entry["min_y"], entry["min_z"]], low, atol=1e-3)
        np.testing.assert_allclose([entry["size_x"], entry["size_y"], entry["size_z"]], size, atol=1e-3)
        np.testing.assert_allclose(low + size / 2, 0, atol=1e-3)  # origin at the bounding box centre
        assert entry["diameter"] == pytest.approx(np.linalg.norm(size), abs=1e-3)  # a box: its diagonal
        assert np.allclose(np.linalg.norm(model["normals"], axis=1), 1)
        assert (bop / "models_eval" / f"obj_{obj_id:06d}.ply").read_bytes() == \
            (bop / "models" / f"obj_{obj_id:06d}.ply").read_bytes()
    for frame, folder, im_id in scenes(dataset):
        cam = load_scene_camera(folder / "scene_camera.json")[im_id]
        gts = load_scene_gt(folder / "scene_gt.json")[im_id]
        gt_info = load_json(folder / "scene_gt_info.json", keys_to_int=True)[im_id]
        assert cam["cam_K"].shape == (3, 3) and cam["depth_scale"] == 0.1
        assert len(gts) == len(gt_info) == len(spec_of(dataset, frame).objects)
        assert load_image(folder / "rgb" / f"{im_id:06d}.png").shape == (120, 160, 3)
        assert load_image(folder / "depth" / f"{im_id:06d}.png").dtype == np.uint16
        for gt_id, gt in enumerate(gts):
            assert gt["obj_id"] in info and np.allclose(gt["cam_R_m2c"] @ gt["cam_R_m2c"].T, np.eye(3), atol=1e-6)
            for kind in ("mask", "mask_visib"):
                mask = load_image(folder / kind / f"{im_id:06d}_{gt_id:06d}.png")
                assert mask.shape == (120, 160) and set(np.unique(mask)) <= {0, 255}


def test_poses_put_the_models_where_the_scene_has_them(dataset: Path) -> None:
    info = load_json(dataset / "bop" / "models" / "models_info.json", keys_to_int=True)
    for frame, folder, im_id in scenes(dataset):
        spec = spec_of(dataset, frame)
        buffers = RaycastRenderer().render(dataclasses.replace(spec, outputs=("bop",), needs=("mesh",)))
        cam = load_scene_camera(folder / "scene_camera.json")[im_id]
        w2c = np.asarray(spec.camera.world_to_camera)
        np.testing.assert_allclose(cam["cam_R_w2c"], w2c[:3, :3], atol=1e-8)
        np.testing.assert_allclose(cam["cam_t_w2c"].ravel(), w2c[:3, 3] * 1000, atol=1e-5)
        np.testing.assert_allclose(cam["cam_K"], np.asarray(spec.camera.K), atol=1e-8)
        depth = load_depth_mm(folder / "depth" / f"{im_id:06d}.png", cam["depth_scale"])
        hit = np.isfinite(buffers.depth)
        error = np.abs(depth[hit] - buffers.depth[hit].astype(np.float64) * 1000)
        assert error.max() <= 0.05 + 1e-3  # half a 0.1 mm unit, plus the rounding of meta's pose
        for gt_id, (gt, obj) in enumerate(zip(load_scene_gt(folder / "scene_gt.json")[im_id], spec.objects)):
            model = load_ply(dataset / "bop" / "models" / f"obj_{gt['obj_id']:06d}.ply")
            in_camera = transform(model["pts"], gt["cam_R_m2c"], gt["cam_t_m2c"])
            corners = buffers.mesh.vertices[buffers.mesh.triangles[buffers.mesh.triangle_instance == obj.instance_id]]
            truth = transform(corners.reshape(-1, 3).astype(float) * 1000, w2c[:3, :3], w2c[:3, 3] * 1000)
            nearest = np.sqrt(((in_camera[:, None] - truth[None]) ** 2).sum(axis=2)).min(axis=1)
            assert nearest.max() < 0.01  # mm: each model vertex lands on the scene's vertex
            silhouette = rasterize(model["pts"], model["faces"], cam["cam_K"], gt["cam_R_m2c"], gt["cam_t_m2c"],
                                   160, 120) > 0
            mask = load_image(folder / "mask" / f"{im_id:06d}_{gt_id:06d}.png") > 0
            assert iou(silhouette, mask) >= 0.98
            R, t, syms = gt["cam_R_m2c"], gt["cam_t_m2c"], symmetries(info[gt["obj_id"]])
            assert add(R, t, R, t, model["pts"]) == 0 and adi(R, t, R, t, model["pts"]) == 0
            assert mssd(R, t, R, t, model["pts"], syms) == 0
            assert mspd(R, t, R, t, cam["cam_K"], model["pts"], syms) == 0
            rendered = rasterize(model["pts"], model["faces"], cam["cam_K"], R, t, 160, 120)
            if rendered.any():
                assert vsd(rendered, rendered, depth, 15.0, 20.0) == 0.0


def test_masks_and_counts_follow_the_instance_map(dataset: Path) -> None:
    for frame, folder, im_id in scenes(dataset):
        spec = spec_of(dataset, frame)
        instance = load_image(dataset / "instance" / f"{frame:06d}.png")
        depth = load_image(folder / "depth" / f"{im_id:06d}.png")
        for gt_id, info in enumerate(load_json(folder / "scene_gt_info.json", keys_to_int=True)[im_id]):
            visib = load_image(folder / "mask_visib" / f"{im_id:06d}_{gt_id:06d}.png") > 0
            full = load_image(folder / "mask" / f"{im_id:06d}_{gt_id:06d}.png") > 0
            np.testing.assert_array_equal(visib, instance == spec.objects[gt_id].instance_id)
            assert not (visib & ~full).any()
            assert info["px_count_visib"] == visib.sum() and info["px_count_valid"] == (full & (depth > 0)).sum()
            assert info["px_count_all"] >= full.sum()
            assert info["visib_fract"] == pytest.approx(info["px_count_visib"] / info["px_count_all"])
            if visib.any():
                ys, xs = np.nonzero(visib)
                assert info["bbox_visib"] == [xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()]


def test_object_ids_are_per_asset_and_scale(dataset: Path) -> None:
    assets = load_json(dataset / "bop" / "models" / "models_assets.json", keys_to_int=True)
    keys = [assets[i]["key"] for i in sorted(assets)]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    fixed = set()
    for frame, folder, im_id in scenes(dataset):
        spec = spec_of(dataset, frame)
        for gt, obj in zip(load_scene_gt(folder / "scene_gt.json")[im_id], spec.objects):
            assert np.allclose(assets[gt["obj_id"]]["scale"], obj.scale, rtol=1e-6)
            if obj.category_id == 1:  # the group with a fixed scale of 0.2
                fixed.add(gt["obj_id"])
    assert len(fixed) == 1  # ten instances over five frames and three scenes, one model
    (obj_id,) = fixed
    assert load_json(dataset / "bop" / "models" / "models_info.json")[str(obj_id)]["size_x"] == pytest.approx(400)


def test_cube_symmetries_map_the_model_onto_itself(dataset: Path) -> None:
    info = load_json(dataset / "bop" / "models" / "models_info.json", keys_to_int=True)
    assets = load_json(dataset / "bop" / "models" / "models_assets.json", keys_to_int=True)
    for obj_id, entry in info.items():
        pts = load_ply(dataset / "bop" / "models" / f"obj_{obj_id:06d}.ply")["pts"]
        # Primitive cubes: the cube group. The mesh file (a 300 x 200 x 150 mm box here): detected
        # numerically, three half turns.
        mesh = assets[obj_id]["shape"] == "mesh"
        if mesh:
            np.testing.assert_allclose([entry["size_x"], entry["size_y"], entry["size_z"]], [300, 200, 150], atol=1e-3)
        assert len(entry["symmetries_discrete"]) == (3 if mesh else 23) and "symmetries_continuous" not in entry
        for sym in entry["symmetries_discrete"]:
            m = np.array(sym).reshape(4, 4)
            moved = pts @ m[:3, :3].T + m[:3, 3]
            assert np.sqrt(((moved[:, None] - pts[None]) ** 2).sum(axis=2)).min(axis=1).max() < 1e-2


def test_sharded_and_redone_runs_give_identical_bytes(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    job = RenderJob(str(dataset.parent / "recipe.yaml"), out)  # the same recipe (mesh file paths are absolute)
    for shard in (1, 0):
        run_shard(job, shard, 2, renderer_factory=RaycastRenderer)
    merge_dataset(out)
    (out / ".done" / "000003").unlink()  # frame 3 is redone after a crash; merge runs again
    run_shard(job, 1, 2, renderer_factory=RaycastRenderer)
    merge_dataset(out)
    reference = {p.relative_to(dataset): p.read_bytes() for p in (dataset / "bop").rglob("*") if p.is_file()}
    sharded = {p.relative_to(out): p.read_bytes() for p in (out / "bop").rglob("*") if p.is_file()}
    assert sharded.keys() == reference.keys()
    assert [k for k in reference if sharded[k] != reference[k]] == []
    assert (out / "coco" / "keypoints.json").read_bytes() == (dataset / "coco" / "keypoints.json").read_bytes()


def test_coco_annotations_gain_the_amodal_box_and_visible_fraction(dataset: Path, tmp_path: Path) -> None:
    coco = json.loads((dataset / "coco" / "annotations.json").read_text())
    for annotation in coco["annotations"]:
        frame, instance_id = annotation["image_id"] - 1, annotation["id"] % 65536
        folder, im_id = dataset / "bop" / "train_pbr" / f"{frame // 2:06d}", frame % 2
        info = load_json(folder / "scene_gt_info.json", keys_to_int=True)[im_id][instance_id - 1]
        full = load_image(folder / "mask" / f"{im_id:06d}_{instance_id - 1:06d}.png") > 0
        ys, xs = np.nonzero(full)
        assert annotation["bbox_amodal"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
        assert annotation["visib_fract"] == pytest.approx(info["visib_fract"], abs=1e-6)
    plain = tmp_path / "plain"
    render_dataset(RenderJob(str(write_recipe(tmp_path, outputs=["rgb", "instance", "coco"], frames=1)), plain),
                   renderer_factory=RaycastRenderer)
    annotations = json.loads((plain / "coco" / "annotations.json").read_text())["annotations"]
    assert annotations and all("bbox_amodal" not in a and "visib_fract" not in a for a in annotations)


def _moved_window(spec, dx: int, extra: int = 0):
    """The same camera rays with the image window moved ``dx`` px right and ``extra`` px larger each side."""
    K = np.array(spec.camera.K, float)
    K[0, 2] += extra - dx
    K[1, 2] += extra
    camera = dataclasses.replace(spec.camera, K=tuple(map(tuple, K)), width=spec.camera.width + 2 * extra,
                                 height=spec.camera.height + 2 * extra)
    return dataclasses.replace(spec, camera=camera)


def _visibility(spec):
    return object_visibility(spec, RaycastRenderer().render(dataclasses.replace(spec, outputs=("bop",),
                                                                                needs=("mesh",))))


def test_truncated_objects_count_their_whole_silhouette(dataset: Path) -> None:
    spec = spec_of(dataset, 0)
    wide = _visibility(_moved_window(spec, 0, extra=200))  # every object wholly inside
    truncated = 0
    for shift in (0, 60):
        for instance_id, seen in _visibility(_moved_window(spec, shift)).items():
            whole = wide[instance_id]
            assert whole.silhouette_px == whole.amodal_px and seen.silhouette_px == whole.silhouette_px
            x0, y0, x1, y1 = whole.silhouette_box
            assert seen.silhouette_box == (x0 - 200 - shift, y0 - 200, x1 - 200 - shift, y1 - 200)
            truncated += seen.amodal_px < whole.amodal_px
    assert truncated >= 2


def test_depth_encoding_and_default_jpg(dataset: Path, tmp_path: Path) -> None:
    depth = np.array([[1.0, np.inf], [0.0, 7.0]], np.float32)
    np.testing.assert_array_equal(depth_to_bop(depth, 0.1), [[10000, 0], [0, 0]])  # 7 m > 6553.5 mm: no depth
    np.testing.assert_array_equal(depth_to_bop(depth, 1.0), [[1000, 0], [0, 7000]])
    spec = dataclasses.replace(spec_of(dataset, 0), output_options={})
    buffers = RaycastRenderer().render(dataclasses.replace(spec, outputs=("bop",), needs=("mesh",)))
    buffers = dataclasses.replace(buffers, visibility=object_visibility(spec, buffers))
    written = write_bop_frame(tmp_path, spec, buffers)
    assert tmp_path / "bop" / "train_pbr" / "000000" / "rgb" / "000000.jpg" in written
    assert load_image(tmp_path / "bop" / "train_pbr" / "000000" / "rgb" / "000000.jpg").shape == (120, 160, 3)


@pytest.mark.parametrize("section, key", [({"scene_size": 0}, "bop.scene_size"),
                                          ({"image_format": "tif"}, "bop.image_format"),
                                          ({"depth_scale": -1}, "bop.depth_scale"),
                                          ({"split": "../x"}, "bop.split"),
                                          ({"scenes": 3}, "bop.scenes")])
def test_bad_bop_sections_name_the_key(tmp_path: Path, section: dict, key: str) -> None:
    path = write_recipe(tmp_path, bop=section)
    with pytest.raises(RecipeError) as err:
        load_recipe(path)
    assert key in str(err.value) and str(path) in str(err.value)


def test_scene_gt_coco_reads_with_pycocotools(dataset: Path) -> None:
    import contextlib
    import io

    from pycocotools.coco import COCO

    for scene_id in range(3):
        folder = dataset / "bop" / "train_pbr" / f"{scene_id:06d}"
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO(str(folder / "scene_gt_coco.json"))
        gts = load_scene_gt(folder / "scene_gt.json")
        assert sorted(coco.getImgIds()) == sorted(gts)
        assert {c["id"] for c in coco.dataset["categories"]} == set(
            load_json(dataset / "bop" / "models" / "models_info.json", keys_to_int=True))
        for annotation in coco.dataset["annotations"]:
            im_id = annotation["image_id"]
            gt_id = next(g for g, gt in enumerate(gts[im_id]) if gt["obj_id"] == annotation["category_id"]
                         and (load_image(folder / "mask_visib" / f"{im_id:06d}_{g:06d}.png") > 0).sum()
                         == annotation["area"])
            visib = load_image(folder / "mask_visib" / f"{im_id:06d}_{gt_id:06d}.png") > 0
            np.testing.assert_array_equal(coco.annToMask(annotation).astype(bool), visib)
            full = load_image(folder / "mask" / f"{im_id:06d}_{gt_id:06d}.png") > 0
            ys, xs = np.nonzero(full)
            assert annotation["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


def test_mesh_symmetry_detection_refuses_what_does_not_hold() -> None:
    from synthscape.writers.bop_models import detected_symmetries, model_info

    tetra = np.array([[0, 0, 0], [30, 0, 0], [0, 20, 0], [0, 0, 10]], float)  # an irregular tetrahedron
    tetra -= (tetra.min(axis=0) + tetra.max(axis=0)) / 2
    assert detected_symmetries(tetra) == []
    asset = {"shape": "mesh", "scale": [1, 1, 1], "bbox_min": [-1, -1, -1], "bbox_max": [1, 1, 1]}
    assert "symmetries_discrete" not in model_info(asset, tetra)
    square = np.array([[x, y, z] for x in (-5, 5) for y in (-5, 5) for z in (-2, 2)], float)  # 10 x 10 x 4 box
    assert len(detected_symmetries(square)) == 7  # the square prism: 3 turns about z, 4 half turns


def test_edge_pixels_the_render_shows_are_part_of_the_amodal_mask(dataset: Path) -> None:
    """Cycles samples anywhere in a pixel, so the instance map can show an object in an edge pixel
    whose centre ray misses it; that pixel belongs to the amodal mask too (mask_visib within mask,
    visib_fract <= 1), instead of a visible fraction capped at 1 over a mask that lacks it."""
    spec = spec_of(dataset, 0)
    buffers = RaycastRenderer().render(dataclasses.replace(spec, outputs=("bop",), needs=("mesh",)))
    before = object_visibility(spec, buffers)
    instance_id = next(i for i, seen in before.items() if seen.visible_px == seen.amodal_px > 0
                       and seen.silhouette_box[2] + 1 < spec.camera.width)
    x0, y0, x1, y1 = before[instance_id].silhouette_box
    instance = np.array(buffers.instance)
    assert instance[y0, x1 + 1] != instance_id
    instance[y0, x1 + 1] = instance_id  # one pixel right of the silhouette's top-right extent
    after = object_visibility(spec, dataclasses.replace(buffers, instance=instance))[instance_id]
    assert after.amodal_mask[y0, x1 + 1] and after.amodal_px == before[instance_id].amodal_px + 1
    assert after.silhouette_px == before[instance_id].silhouette_px + 1
    assert after.silhouette_box == (x0, y0, x1 + 1, y1) and after.visible_fraction == 1.0
