"""Op-level checks: validation messages, which targets each kind of op may touch."""

from __future__ import annotations

import numpy as np
import pytest

from synthscape.augment import Compose, Sample, parse_augment
from synthscape.augment.pipeline import OP_NAMES
from synthscape.errors import RecipeError
from synthscape.io.images import write_png


def _sample(seed: int = 0, h: int = 48, w: int = 64) -> Sample:
    rng = np.random.default_rng(seed)
    inst = np.zeros((h, w), np.uint16)
    inst[10:30, 8:40] = 1
    inst[20:40, 30:60] = 2
    depth = np.where(inst > 0, 3.0, np.inf).astype(np.float32)
    return Sample(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), inst, inst * 3, depth,
                  rng.normal(size=(h, w, 3)).astype(np.float32))


PHOTOMETRIC = ["brightness", "contrast", "brightness_contrast", "gamma", "hue_saturation",
               "color_jitter", "channel_gain", "gaussian_noise", "poisson_noise",
               "gaussian_blur", "motion_blur", "jpeg", "vignette"]


@pytest.mark.parametrize("name", PHOTOMETRIC + ["background_noise"])
def test_image_only_ops_change_pixels_not_labels(name):
    sample = _sample()
    out, record = Compose(parse_augment({"ops": [{"op": name}]}))(sample, np.random.default_rng(1))
    assert [r["op"] for r in record] == [name]
    assert out.image.dtype == np.uint8 and out.image.shape == sample.image.shape
    assert not np.array_equal(out.image, sample.image)
    for target in ("instance", "semantic", "depth", "normal"):
        assert getattr(out, target) is getattr(sample, target)


def test_background_noise_leaves_objects_untouched():
    sample = _sample()
    op = {"op": "background_noise", "alpha": [0.8, 0.8]}
    out, _ = Compose(parse_augment({"ops": [op]}))(sample, np.random.default_rng(2))
    objects = sample.instance > 0
    np.testing.assert_array_equal(out.image[objects], sample.image[objects])
    assert np.abs(out.image[~objects].astype(int) - sample.image[~objects]).mean() > 5


def test_background_image_replaces_background(tmp_path):
    write_png(tmp_path / "bg.png", np.full((30, 30, 3), 200, np.uint8))
    sample = _sample()
    op = {"op": "background_image", "folder": str(tmp_path), "feather": [0, 0]}
    out, record = Compose(parse_augment({"ops": [op]}))(sample, np.random.default_rng(0))
    assert record[0]["params"]["file"] == "bg.png"
    assert (out.image[sample.instance == 0] == 200).all()
    np.testing.assert_array_equal(out.image[sample.instance > 0], sample.image[sample.instance > 0])


def test_probability_zero_and_one():
    sample = _sample()
    never = Compose(parse_augment({"ops": [{"op": "hflip", "p": 0.0}]}))
    out, record = never(sample, np.random.default_rng(0))
    assert record == [] and out is sample
    always = Compose(parse_augment({"ops": [{"op": "hflip", "p": 1.0}]}))
    out, record = always(sample, np.random.default_rng(0))
    np.testing.assert_array_equal(out.instance, sample.instance[:, ::-1])


def test_geometric_fill_values():
    sample = _sample()
    op = {"op": "scale", "scale": [0.5, 0.5]}
    out, _ = Compose(parse_augment({"ops": [op]}))(sample, np.random.default_rng(0))
    assert out.instance[0, 0] == 0 and np.isinf(out.depth[0, 0]) and (out.image[0, 0] == 0).all()
    assert (out.normal[0, 0] == 0).all()


def test_cutout_occludes_labels():
    sample = _sample()
    op = {"op": "cutout", "count": [1, 1], "size": [0.5, 0.5]}
    out, record = Compose(parse_augment({"ops": [op]}))(sample, np.random.default_rng(3))
    x0, y0, x1, y1 = record[0]["params"]["rects"][0]["box"]
    assert (out.instance[y0:y1, x0:x1] == 0).all() and (out.semantic[y0:y1, x0:x1] == 0).all()
    assert np.isinf(out.depth[y0:y1, x0:x1]).all()
    assert (out.image[y0:y1, x0:x1] == record[0]["params"]["rects"][0]["color"]).all()


@pytest.mark.parametrize(("config", "expected"), [
    ({"ops": [{"op": "gamma", "gamma": [2.0, 1.0]}]}, r"ops\[0\] \(op 'gamma'\)\.gamma.*min > max"),
    ({"ops": [{"op": "brightness", "limit": [-3, 0.1]}]}, r"'brightness'\)\.limit.*within \[-1"),
    ({"ops": [{"op": "hflip", "p": 1.5}]}, r"'hflip'\)\.p"),
    ({"ops": [{"op": "jpeg", "qualty": [10, 20]}]}, r"'jpeg'\)\.qualty: Extra inputs"),
    ({"ops": [{"op": "sharpen"}]}, r"unknown op; choose one of brightness"),
    ({"ops": [{"op": "background_image", "folder": "/nonexistent"}]}, r"folder.*does not exist"),
    ({"min_area": 0}, r"augment\.min_area"),
    ({"schema_version": 2}, r"schema_version"),
])
def test_validation_errors_name_op_and_argument(config, expected):
    with pytest.raises(RecipeError, match=expected):
        parse_augment(config, "augment.yaml")


def test_every_op_has_a_name_and_defaults_validate():
    recipe = parse_augment({"ops": [{"op": n} for n in OP_NAMES if n != "background_image"]})
    assert len(recipe.ops) == len(OP_NAMES) - 1
