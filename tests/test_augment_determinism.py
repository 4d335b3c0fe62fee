"""Seeding: same seed -> same bytes, different seed -> different images; source untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from synthscape.augment import Compose, parse_augment
from synthscape.augment.dataset import augment_dataset
from synthscape.augment.synthetic import make_synthetic_dataset

EVERY_OP = [
    {"op": "brightness_contrast"}, {"op": "gamma"}, {"op": "color_jitter"},
    {"op": "channel_gain"}, {"op": "gaussian_noise"}, {"op": "poisson_noise"},
    {"op": "motion_blur", "p": 0.5}, {"op": "gaussian_blur", "p": 0.5}, {"op": "jpeg", "p": 0.5},
    {"op": "vignette"}, {"op": "background_noise"}, {"op": "hflip", "p": 0.5},
    {"op": "perspective", "p": 0.5}, {"op": "cutout", "fill": "noise"}, {"op": "crop", "p": 0.5},
]


def _hashes(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in skip}


@pytest.fixture()
def source(tmp_path):
    return make_synthetic_dataset(tmp_path / "src", frames=2, width=64, height=48)


def _run(source: Path, out: Path, seed: int) -> dict:
    return augment_dataset(source, out, 2, seed, Compose(parse_augment({"ops": EVERY_OP})))


def test_same_seed_same_bytes(source, tmp_path):
    _run(source, tmp_path / "a", 5)
    _run(source, tmp_path / "b", 5)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert len(a) > 20 and a == b


def test_different_seeds_give_different_images(source, tmp_path):
    _run(source, tmp_path / "a", 5)
    _run(source, tmp_path / "b", 6)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    rgb = [k for k in a if k.startswith("rgb/")]
    assert len(rgb) == 4 and all(a[k] != b[k] for k in rgb)
    copies = [a[k] for k in rgb]
    assert len(set(copies)) == len(copies), "copies of a frame must differ from each other"


def test_source_is_unchanged(source, tmp_path):
    before = _hashes(source)
    _run(source, tmp_path / "out", 1)
    assert _hashes(source) == before


def test_record_reproduces_the_copy(source, tmp_path):
    """The sidecar record lists applied ops; meta and dataset.json carry the augment info."""
    _run(source, tmp_path / "out", 9)
    record = json.loads((tmp_path / "out" / "augment" / "000001_k1.json").read_text())
    assert record["source_frame"] == 1 and record["copy"] == 1 and record["seed"] == 9
    names = [r["op"] for r in record["ops"]]
    assert "brightness_contrast" in names and "cutout" in names
    meta = json.loads((tmp_path / "out" / "meta" / "000001_k1.json").read_text())
    assert meta["frame_index"] == 1 and meta["augment"] == record
    dataset = json.loads((tmp_path / "out" / "dataset.json").read_text())
    assert dataset["augment"]["copies"] == 2 and dataset["augment"]["recipe"]["ops"]
    assert sorted(p.name for p in (tmp_path / "out" / ".done").iterdir()) == [
        "000000_k0", "000000_k1", "000001_k0", "000001_k1"]
