"""A texture pool from an OpenAI-compatible server, applied in Blender and seen in the render."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.io.images import read_png
from synthscape.pipeline import RenderJob, render_dataset
from tests.fake_openai_server import FakeImageServer

pytestmark = pytest.mark.blender

SECRET = "sk-test-render-0123456789abcdef"


def cube_recipe(tmp_path: Path, texture: dict | None) -> Path:
    material = {"base_color": [0.9, 0.9, 0.9], "roughness": 0.8}
    if texture is not None:
        material["texture"] = texture
    recipe = {
        "objects": [{"category": "panel", "shape": "cube", "location": [0, 3, 1], "scale": 1.0, "yaw": 0,
                     "material": material}],
        "camera": {"resolution": [64, 48], "focal_length": 50, "location": [0, 0, 1], "target": [0, 3, 1]},
        "lights": [{"type": "sun", "intensity": 3, "elevation": 60, "azimuth": -90}],
        "world": {"color": [0.2, 0.2, 0.2]},
        "render": {"samples": 4, "denoise": False, "min_pixel_area": 1},
    }
    path = tmp_path / f"recipe_{'tex' if texture else 'plain'}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def render_once(recipe: Path, out: Path, cache: Path) -> np.ndarray:
    render_dataset(RenderJob(recipe_path=str(recipe), out_dir=out, frames=1, seed=0, device="cpu",
                             texture_cache=str(cache)))
    rgb = read_png(out / "rgb" / "000000.png").astype(np.float64)
    face = read_png(out / "instance" / "000000.png") == 1
    assert face.sum() > 200
    return rgb[face]


def test_generated_texture_shows_in_the_render_and_is_cached(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    cache = tmp_path / "cache"
    plain = render_once(cube_recipe(tmp_path, None), tmp_path / "plain", cache)
    with FakeImageServer() as server:
        texture = {"source": "openai", "prompt": "worn oak planks", "pool": 2, "quality": "low",
                   "base_url": server.base_url, "mapping": {"scale": 1.0}}
        recipe = cube_recipe(tmp_path, texture)
        textured = render_once(recipe, tmp_path / "textured", cache)
        assert server.count("/images/generations") == 2
        # The plain face is grey and flat; with the texture it takes the texture's colours and
        # gradients (the fake server's images are coloured gradients).
        assert np.ptp(plain.mean(axis=0)) < 5
        assert np.ptp(textured.mean(axis=0)) > 15
        assert textured.std(axis=0).mean() > 1.5 * plain.std(axis=0).mean()
        render_once(recipe, tmp_path / "again", cache)
        assert server.count() == 2, "a cached texture was requested again"
    dataset = json.loads((tmp_path / "textured" / "dataset.json").read_text())
    textures = dataset["textures"]
    assert textures and all(t["ai_generated"] and t["model"] == "gpt-image-1.5" for t in textures)
    meta = json.loads((tmp_path / "textured" / "meta" / "000000.json").read_text())
    assert meta["objects"][0]["material"]["texture_source"]["ai_generated"] is True
    for path in (tmp_path / "textured").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_cli_dry_run_and_offline_spend_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from headless.cli import main

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with FakeImageServer() as server:
        texture = {"source": "openai", "prompt": "rusted steel", "pool": 3, "quality": "medium",
                   "base_url": server.base_url}
        recipe = cube_recipe(tmp_path, texture)
        cache = tmp_path / "cache"
        dry = CliRunner().invoke(main, ["render", str(recipe), "--out", str(tmp_path / "dry"), "--dry-run",
                                        "--texture-cache", str(cache)])
        assert dry.exit_code == 0, dry.output
        assert "3 call(s)" in dry.output and "image output tokens" in dry.output
        assert not (tmp_path / "dry").exists()
        offline = CliRunner().invoke(main, ["render", str(recipe), "--out", str(tmp_path / "off"), "--frames", "1",
                                            "--device", "cpu", "--offline", "--texture-cache", str(cache)])
        assert offline.exit_code == 0, offline.output
        assert server.count() == 0
    dataset = json.loads((tmp_path / "off" / "dataset.json").read_text())
    assert dataset["textures"] and not any(t["ai_generated"] for t in dataset["textures"])
