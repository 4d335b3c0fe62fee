"""Every image is decoded before use (issue 11 item 8).

Generated answers that are not images never reach the cache (whatever ``tileable`` says), a
cached texture that no longer decodes is fetched again, and a corrupt user image
(``world.hdri``, ``texture: {source: file}``, a ``source: folder`` image) or an empty texture
folder stops ``validate`` and ``render`` with exit 2, naming the file and the recipe key,
before anything renders.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from fake_openai_server import FakeImageServer, naive_image
from synthscape.textures import TextureRecipe, missing_textures, plan_texture_calls, pool_key
from synthscape.textures import resolve_texture_pools
from synthscape.textures.check import (
    UnreadableImageError, check_image_bytes, check_image_file, recipe_image_problems)
from synthscape.textures.openai_provider import OpenAIProvider
from tests.batch_support import FAKE, REPO

SECRET = "sk-test-robust-images-0123456789"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def _fast(recipe: TextureRecipe) -> OpenAIProvider:
    return OpenAIProvider(recipe.base_url, timeout_s=2.0, max_attempts=2, backoff_s=0.01)


def _api_recipe(server: FakeImageServer, **kw: object) -> TextureRecipe:
    return TextureRecipe(source="openai", prompt="rusted steel", base_url=server.base_url,
                         quality="low", **kw)


# -- generated textures ------------------------------------------------------------------------

def test_undecodable_answer_is_not_cached_when_not_tileable(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    with FakeImageServer(script=["garbage"]) as server:
        recipe = _api_recipe(server, pool=1, tileable=False)
        first = resolve_texture_pools([recipe], tmp_path, provider_factory=_fast)[pool_key(recipe)]
        assert first[0].provenance["fallback_reason"] == "bad_response"
        assert first[0].provenance["provider"] == "procedural"
        assert missing_textures([recipe], tmp_path) != [], "the garbage answer was cached"
        again = resolve_texture_pools([recipe], tmp_path, provider_factory=_fast)[pool_key(recipe)]
        assert server.count("/images/generations") == 2, "a later run reused the garbage"
    assert again[0].provenance["ai_generated"] and "fallback_reason" not in again[0].provenance
    check_image_file(again[0].path)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "unreadable image" in warnings[0].getMessage()


def test_cached_texture_that_no_longer_decodes_is_generated_again(tmp_path: Path) -> None:
    with FakeImageServer() as server:
        recipe = _api_recipe(server, pool=1, tileable=False)
        entry = resolve_texture_pools([recipe], tmp_path, provider_factory=_fast)[pool_key(recipe)][0]
        data = entry.path.read_bytes()
        entry.path.write_bytes(data[: len(data) // 2])   # e.g. a full disk while it was written
        assert plan_texture_calls([recipe], tmp_path).calls == 1
        fresh = resolve_texture_pools([recipe], tmp_path, provider_factory=_fast)[pool_key(recipe)][0]
        assert server.count("/images/generations") == 2
    assert fresh.provenance["ai_generated"]
    check_image_file(fresh.path)


def test_undecodable_seam_edit_falls_back_to_blending(tmp_path: Path) -> None:
    with FakeImageServer(script=["ok", "garbage"]) as server:
        recipe = _api_recipe(server, pool=1, tile_method="edit")
        entry = resolve_texture_pools([recipe], tmp_path, provider_factory=_fast)[pool_key(recipe)][0]
        assert server.count("/images/edits") == 1
    assert entry.provenance["ai_generated"] and "fallback_reason" not in entry.provenance
    sidecar = json.loads(entry.path.with_suffix(".json").read_text())
    assert sidecar["tile_method_applied"] == "blend"
    assert "unreadable image" in sidecar["edit_error"]


def test_check_image_bytes_accepts_images_and_rejects_the_rest() -> None:
    png = Image.fromarray(naive_image(3, 16))
    for fmt in ("PNG", "JPEG", "WEBP"):
        buf = io.BytesIO()
        png.save(buf, format=fmt)
        assert check_image_bytes(buf.getvalue()) == (16, 16)
        with pytest.raises(UnreadableImageError):
            check_image_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    for junk in (b"", b"not a png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20):
        with pytest.raises(UnreadableImageError):
            check_image_bytes(junk)


# -- user files --------------------------------------------------------------------------------

def _write_hdr(path: Path) -> Path:
    import cv2
    cv2.imwrite(str(path), np.random.default_rng(0).uniform(0, 4, (8, 16, 3)).astype(np.float32))
    return path


def _write_exr(path: Path, value: float | None = None) -> Path:
    pixels = np.random.default_rng(1).uniform(0, 4, (8, 16, 3)).astype(np.float32)
    if value is not None:
        pixels[2, 3, 1] = value
    OpenEXR.File({"type": OpenEXR.scanlineimage, "compression": OpenEXR.ZIP_COMPRESSION},
                 {"RGB": pixels}).write(str(path))
    return path


def _write_png(path: Path) -> Path:
    Image.fromarray(naive_image(5, 32)).save(path)
    return path


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _recipe(tmp_path: Path, *, world: dict | None = None, texture: dict | None = None) -> Path:
    recipe = yaml.safe_load((REPO / "scenes" / "minimal.yaml").read_text())
    if world:
        recipe["world"].update(world)
    if texture:
        recipe["objects"][1]["material"]["texture"] = texture
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def _folder(tmp_path: Path, bad: str | None) -> Path:
    folder = tmp_path / "textures"
    folder.mkdir()
    for name in ("a.png", "b.png"):
        _write_png(folder / name)
    if bad == "corrupt":
        _truncate(folder / "b.png")
    elif bad == "empty":
        for file in folder.iterdir():
            file.rename(file.with_suffix(".txt"))
    return folder


CASES = {
    "hdr garbage": (lambda d: {"world": {"hdri": str(_write_garbage(d / "sky.hdr"))}}, "world.hdri", "sky.hdr"),
    "hdr truncated": (lambda d: {"world": {"hdri": str(_truncate(_write_hdr(d / "sky.hdr")))}},
                      "world.hdri", "sky.hdr"),
    "exr truncated": (lambda d: {"world": {"hdri": str(_truncate(_write_exr(d / "sky.exr")))}},
                      "world.hdri", "sky.exr"),
    "exr with nan": (lambda d: {"world": {"hdri": str(_write_exr(d / "sky.exr", float("nan")))}},
                     "world.hdri", "sky.exr"),
    "file texture": (lambda d: {"texture": {"source": "file", "path": str(_truncate(_write_png(d / "t.png")))}},
                     "objects[1].material.texture.path", "t.png"),
    "folder image": (lambda d: {"texture": {"source": "folder", "folder": str(_folder(d, "corrupt")),
                                            "pool": 2, "tileable": False}},
                     "objects[1].material.texture.folder", "b.png"),
    "empty folder": (lambda d: {"texture": {"source": "folder", "folder": str(_folder(d, "empty"))}},
                     "objects[1].material.texture.folder", "holds no images"),
}


def _write_garbage(path: Path) -> Path:
    path.write_bytes(b"#?RADIANCE\nthis is not an HDR image at all\n")
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_corrupt_user_image_exits_2_naming_file_and_key(tmp_path: Path, case: str) -> None:
    from headless.cli import main

    make, key, name = CASES[case]
    recipe = _recipe(tmp_path, **make(tmp_path))
    validate = CliRunner().invoke(main, ["validate", str(recipe)])
    assert validate.exit_code == 2, validate.output
    assert key in validate.output and name in validate.output, validate.output
    assert "Traceback" not in validate.output
    out = tmp_path / "out"
    render = CliRunner().invoke(main, ["render", str(recipe), "--out", str(out), "--frames", "1"],
                                env={"SYNTHSCAPE_RENDERER": FAKE})
    assert render.exit_code == 2, render.output
    assert key in render.output and name in render.output, render.output
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert written == [], f"a refused render left files: {written}"


def test_good_user_images_pass(tmp_path: Path) -> None:
    from synthscape.recipe.load import load_recipe

    for world in ({"hdri": str(_write_hdr(tmp_path / "sky.hdr"))},
                  {"hdri": str(_write_exr(tmp_path / "sky.exr"))}):
        texture = {"source": "folder", "folder": str(tmp_path / "textures"), "pool": 2}
        if not (tmp_path / "textures").exists():
            _folder(tmp_path, None)
        recipe = load_recipe(_recipe(tmp_path, world=world, texture=texture))
        assert recipe_image_problems(recipe) == []
    file_texture = {"source": "file", "path": str(_write_png(tmp_path / "t.png"))}
    assert recipe_image_problems(load_recipe(_recipe(tmp_path, texture=file_texture))) == []
    assert check_image_file(tmp_path / "sky.hdr") == (16, 8)
    assert check_image_file(tmp_path / "sky.exr") == (16, 8)
