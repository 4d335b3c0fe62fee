"""Image writers: RGB, depth EXR/PNG, instance, semantic, normal (no Blender)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscape.io.images import linear_to_srgb8, read_exr, read_png
from synthscape.writers.images import (depth_to_png16, png16_to_depth, write_depth, write_instance, write_normal,
                                       write_rgb, write_semantic)
from tests.test_writers_common import make_buffers, make_spec


def test_rgb_is_srgb8(tmp_path: Path) -> None:
    spec, buffers = make_spec(3), make_buffers()
    before = buffers.rgb.copy()
    [path] = write_rgb(tmp_path, spec, buffers)
    assert path == tmp_path / "rgb" / "000003.png"
    png = read_png(path)
    assert png.dtype == np.uint8 and png.shape == (48, 64, 3)
    assert np.array_equal(png, linear_to_srgb8(before))
    assert np.array_equal(buffers.rgb, before)
    # sRGB curve: linear 0.5 is brighter than 8-bit 128
    assert linear_to_srgb8(np.full((1, 1, 3), 0.5))[0, 0, 0] > 128


def test_depth_png_and_exr_round_trip(tmp_path: Path) -> None:
    spec, buffers = make_spec(), make_buffers()
    exr_path, png_path = write_depth(tmp_path, spec, buffers)
    assert (exr_path.name, png_path.name) == ("000000.exr", "000000.png")
    z = read_exr(exr_path)["Z"]
    assert z.dtype == np.float32
    assert np.array_equal(z, buffers.depth)
    png = read_png(png_path)
    assert png.dtype == np.uint16
    sky = ~np.isfinite(buffers.depth)
    far = np.isfinite(buffers.depth) & (buffers.depth >= 65535 / 256)
    normal = ~sky & ~far
    assert sky.any() and far.any()
    assert (png[sky] == 0).all() and (png[far] == 65535).all()
    back = png16_to_depth(png)
    assert np.abs(back[normal] - buffers.depth[normal]).max() <= 1 / 512 + 1e-6
    assert np.isinf(back[sky]).all()


def test_depth_png_edge_values() -> None:
    d = np.array([[np.nan, -1.0, 0.0, 0.001, 1.0, 1e9]], dtype=np.float32)
    assert depth_to_png16(d).tolist() == [[0, 0, 0, 1, 256, 65535]]


def test_instance_and_semantic_pngs(tmp_path: Path) -> None:
    spec, buffers = make_spec(), make_buffers()
    [inst_path] = write_instance(tmp_path, spec, buffers)
    [sem_path] = write_semantic(tmp_path, spec, buffers)
    inst, sem = read_png(inst_path), read_png(sem_path)
    assert inst.dtype == np.uint16 and np.array_equal(inst, buffers.instance)
    lookup = spec.instance_to_category()
    expected = np.vectorize(lambda i: lookup[int(i)])(buffers.instance)
    assert sem.dtype == np.uint16 and np.array_equal(sem, expected)
    assert set(np.unique(sem).tolist()) == {0, 1, 2}


def test_instance_ids_out_of_range_are_refused(tmp_path: Path) -> None:
    buffers = make_buffers()
    bad = type(buffers)(buffers.rgb, buffers.depth, buffers.normal, buffers.instance.astype(np.int32) - 1)
    with pytest.raises(ValueError, match="instance"):
        write_instance(tmp_path, make_spec(), bad)


def test_wrong_resolution_is_refused(tmp_path: Path) -> None:
    buffers = make_buffers()
    small = type(buffers)(buffers.rgb[:10], buffers.depth, buffers.normal, buffers.instance)
    with pytest.raises(ValueError, match="rgb has shape"):
        write_rgb(tmp_path, make_spec(), small)


def test_normal_exr(tmp_path: Path) -> None:
    spec, buffers = make_spec(), make_buffers()
    [path] = write_normal(tmp_path, spec, buffers)
    channels = read_exr(path)
    assert sorted(channels) == ["X", "Y", "Z"]
    normal = np.stack([channels["X"], channels["Y"], channels["Z"]], axis=-1)
    assert np.array_equal(normal, buffers.normal)
