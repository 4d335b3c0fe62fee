"""The flow writers' encodings, and the run plan's refusals of flow outputs it cannot feed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from synthscape.buffers import FrameBuffers
from synthscape.errors import SynthscapeError
from synthscape.io.images import read_exr
from synthscape.io.optional import import_cv2
from synthscape.plan.run_plan import RenderJob
from synthscape.pipeline import plan_run
from synthscape.recipe.lens import check_lens_outputs
from synthscape.recipe.load import load_recipe
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import MotionSpec
from synthscape.writers.flow import (decode_kitti_flow, encode_kitti_flow, write_flow_backward,
                                     write_flow_forward, write_kitti_flow)
from conftest import SCENES


def _frame(height: int = 6, width: int = 8):
    spec = sample_scene(load_recipe(SCENES / "minimal.yaml"), 0, 0, resolution=(width, height))
    w2c = spec.camera.world_to_camera
    spec = dataclasses.replace(spec, motion=MotionSpec(dt_s=0.1, camera_previous=w2c, camera_next=w2c))
    rng = np.random.default_rng(1)
    depth = rng.uniform(1, 5, (height, width)).astype(np.float32)
    depth[0, 0] = np.inf
    forward = rng.uniform(-600, 600, (height, width, 2)).astype(np.float32)
    forward[1] = rng.uniform(-20, 20, (width, 2))
    buffers = FrameBuffers(rgb=np.zeros((height, width, 3), np.float32), depth=depth,
                           normal=np.zeros((height, width, 3), np.float32),
                           instance=np.zeros((height, width), np.uint16), flow_forward=forward,
                           flow_backward=-forward)
    return spec, buffers


def test_flow_exr_round_trips_dx_dy_and_marks_background_nan(tmp_path) -> None:
    spec, buffers = _frame()
    (path,) = write_flow_forward(tmp_path, spec, buffers)
    channels = read_exr(path)
    assert sorted(channels) == ["G", "R"] and path.parent.name == "flow_fw"
    assert np.isnan(channels["R"][0, 0]) and np.isnan(channels["G"][0, 0])
    np.testing.assert_array_equal(channels["R"][1:], buffers.flow_forward[1:, :, 0])
    np.testing.assert_array_equal(channels["G"][1:], buffers.flow_forward[1:, :, 1])
    (back,) = write_flow_backward(tmp_path, spec, buffers)
    np.testing.assert_array_equal(read_exr(back)["R"][1:], -buffers.flow_forward[1:, :, 0])


def test_kitti_flow_png_reads_back_as_the_devkit_does(tmp_path) -> None:
    spec, buffers = _frame()
    (path,) = write_kitti_flow(tmp_path, spec, buffers)
    cv2 = import_cv2("test")
    bgr = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert bgr.dtype == np.uint16 and bgr.shape == (6, 8, 3)
    flow, valid = decode_kitti_flow(bgr[..., ::-1])  # the devkit reads R, G, B
    expected = buffers.flow_forward
    in_range = (np.abs(expected) < 512).all(axis=-1) & np.isfinite(buffers.depth)
    np.testing.assert_array_equal(valid, in_range)
    assert valid[1].all() and not valid[0, 0]
    np.testing.assert_allclose(flow[valid], expected[valid], atol=0.5 / 64)


def test_kitti_flow_encoding_is_the_published_formula() -> None:
    flow = np.array([[[1.5, -2.25], [np.nan, 0.0]]], dtype=np.float32)
    encoded = encode_kitti_flow(flow)
    assert encoded[0, 0].tolist() == [int(1.5 * 64 + 2**15), int(-2.25 * 64 + 2**15), 1]
    assert encoded[0, 1].tolist() == [0, 0, 0]


def test_flow_writers_refuse_stills(tmp_path) -> None:
    spec, buffers = _frame()
    with pytest.raises(SynthscapeError, match="sequence"):
        write_flow_forward(tmp_path, dataclasses.replace(spec, motion=None), buffers)
    with pytest.raises(SynthscapeError, match="vector pass"):
        write_flow_forward(tmp_path, spec, dataclasses.replace(buffers, flow_forward=None))
    assert not list(tmp_path.rglob("*.exr"))


@pytest.mark.parametrize("name", ["flow_fw", "flow_bw", "kitti_flow"])
def test_plan_refuses_flow_without_a_sequence(tmp_path, name) -> None:
    with pytest.raises(SynthscapeError, match=rf"outputs\[1\]: '{name}' needs a sequence"):
        plan_run(RenderJob(SCENES / "minimal.yaml", tmp_path, outputs=("rgb", name)))


def test_flow_outputs_are_refused_with_a_distorted_lens() -> None:
    from synthscape.recipe.lens import DistortionRecipe

    lens = DistortionRecipe(model="brown_conrady", k1=0.1)
    with pytest.raises(SynthscapeError, match="'flow_fw' assumes a rectified pinhole"):
        check_lens_outputs(lens, ("rgb", "flow_fw"), "--outputs", "r.yaml", defaulted=False)
