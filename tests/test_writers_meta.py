"""meta/NNNNNN.json and dataset.json writers (no Blender)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synthscape.spec.scene_spec import spec_to_json
from synthscape.writers.dataset_json import drop_secrets, write_dataset_json
from synthscape.writers.meta import spec_from_meta, write_meta
from tests.test_writers_common import make_buffers, make_spec


def test_meta_content(tmp_path: Path) -> None:
    spec = make_spec(4, dataset_seed=11)
    [path] = write_meta(tmp_path, spec, make_buffers(), blender_version="5.0.1")
    assert path == tmp_path / "meta" / "000004.json"
    meta = json.loads(path.read_text())
    assert meta["frame_seed"] == [11, 4] and meta["frame_index"] == 4
    assert np.allclose(meta["camera"]["K"], spec.camera.K)
    assert np.allclose(meta["camera"]["world_to_camera"], spec.camera.world_to_camera)
    assert (meta["camera"]["width"], meta["camera"]["height"]) == (64, 48)
    assert [o["instance_id"] for o in meta["objects"]] == [1, 2, 3, 4]
    assert [o["category_name"] for o in meta["objects"]] == ["box", "ball", "box", "ball"]
    assert meta["objects"][1]["material"]["roughness"] == pytest.approx(0.4)
    assert meta["objects"][2]["rotation"][2] == pytest.approx(0.9)
    assert meta["versions"]["blender"] == "5.0.1" and meta["versions"]["numpy"] == np.__version__
    assert meta["versions"]["synthscape"]
    assert meta["lights"][0]["kind"] == "sun"


def test_meta_rebuilds_the_spec(tmp_path: Path) -> None:
    spec = make_spec(2)
    [path] = write_meta(tmp_path, spec, make_buffers())
    assert spec_to_json(spec_from_meta(json.loads(path.read_text()))) == spec_to_json(spec)


def test_meta_is_byte_identical(tmp_path: Path) -> None:
    a = write_meta(tmp_path / "a", make_spec(1), make_buffers(0), blender_version="5.0.1")[0].read_bytes()
    b = write_meta(tmp_path / "b", make_spec(1), make_buffers(1), blender_version="5.0.1")[0].read_bytes()
    c = write_meta(tmp_path / "c", make_spec(1, dataset_seed=8), make_buffers(0), blender_version="5.0.1")
    assert a == b
    assert c[0].read_bytes() != a


def _write(tmp_path: Path, **overrides: object) -> dict:
    kwargs = dict(recipe_dict={"name": "t", "seed": 3, "textures": {"provider": "openai", "api_key": "sk-x"}},
                  dataset_seed=3, frame_count=2, versions={"numpy": np.__version__},
                  category_counts={"box": 2, "ball": 0}, timings={"seconds": 1.5, "host": "h"},
                  device_info={"device": "CPU"}, extra={"recipe_path": "r.yaml"})
    kwargs.update(overrides)
    path = write_dataset_json(tmp_path, **kwargs)
    assert path == tmp_path / "dataset.json"
    return json.loads(path.read_text())


def test_dataset_json_content(tmp_path: Path) -> None:
    data = _write(tmp_path)
    assert data["dataset_seed"] == 3 and data["frame_count"] == 2
    assert data["category_counts"] == {"box": 2, "ball": 0}
    assert data["recipe"]["textures"] == {"provider": "openai"}
    assert data["recipe_path"] == "r.yaml" and data["timings"]["host"] == "h"


def test_dataset_json_drops_secrets(tmp_path: Path) -> None:
    token = "sk-" + "a1B2" * 10
    data = _write(tmp_path, device_info={"OPENAI_API_KEY": token, "auth-token": "x", "ok": 1},
                  extra={"env": {"client_secret": "s", "Password": "p", "note": token}, "keys": [{"apiKey": 1}]})
    text = (tmp_path / "dataset.json").read_text()
    assert token not in text and '"s"' not in text
    assert data["device"] == {"ok": 1}
    assert data["env"] == {"note": "<redacted>"} and data["keys"] == [{}]
    assert drop_secrets({"max_value": 3, "prompt": "a token of love"}) == {"max_value": 3,
                                                                          "prompt": "a token of love"}


def test_dataset_json_extra_cannot_replace_fields(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dataset_seed"):
        _write(tmp_path, extra={"dataset_seed": 9})
