"""Offline texture tests: seam metric, blending, mask, procedural, recipe, cache, folder, plan."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from fake_openai_server import naive_image
from synthscape.spec.textures import material_texture_fields
from synthscape.spec.scene_spec import MaterialSpec
from synthscape.textures import (
    SEAM_THRESHOLD, TextureCache, TextureRecipe, cache_key, make_tileable_blend,
    output_tokens, plan_texture_calls, pool_key,
    resolve_texture_pools, sample_texture, seam_mask, seam_score)
from synthscape.textures.procedural import procedural_texture
from synthscape.textures.tiling import png_bytes


def _tile2x2(image: np.ndarray) -> np.ndarray:
    return np.concatenate([np.concatenate([image, image], 1)] * 2, 0)


def _max_seam_jump(image: np.ndarray) -> float:
    """Largest mean jump across the centre seams of the explicit 2x2 tiling, relative to the
    median row-to-row jump of the tiling."""
    tiled = _tile2x2(image).astype(np.float64)
    h, w = image.shape[:2]
    rows = np.abs(np.diff(tiled, axis=0)).mean(axis=(1, 2))
    cols = np.abs(np.diff(tiled, axis=1)).mean(axis=(0, 2))
    return max(rows[h - 1] / np.median(rows), cols[w - 1] / np.median(cols))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_seam_metric_separates_naive_from_blended(seed):
    naive = naive_image(seed, size=96)
    blended = make_tileable_blend(naive)
    assert seam_score(naive) > SEAM_THRESHOLD
    assert seam_score(blended) < SEAM_THRESHOLD
    assert _max_seam_jump(naive) > 3 * _max_seam_jump(blended)
    assert _max_seam_jump(blended) < 2.0


def test_blend_keeps_shape_dtype_and_input():
    naive = naive_image(5, size=64)[:48]
    before = naive.copy()
    out = make_tileable_blend(naive)
    assert out.shape == naive.shape and out.dtype == naive.dtype
    np.testing.assert_array_equal(naive, before)
    assert seam_score(make_tileable_blend(naive[..., 0].astype(np.float32))) < SEAM_THRESHOLD


@pytest.mark.parametrize("kind", ["noise", "voronoi", "wave"])
def test_procedural_is_tileable_seeded_and_varied(kind):
    a = procedural_texture(kind, 128, np.random.default_rng(7))
    b = procedural_texture(kind, 128, np.random.default_rng(7))
    c = procedural_texture(kind, 128, np.random.default_rng(8))
    assert a.shape == (128, 128, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert seam_score(a) < SEAM_THRESHOLD
    assert a.std() > 5


def test_seam_mask_is_transparent_on_the_centre_cross(tmp_path):
    mask = seam_mask((64, 48))
    assert mask.shape == (48, 64, 4) and mask.dtype == np.uint8
    assert mask[24, 5, 3] == 0 and mask[5, 32, 3] == 0
    assert mask[2, 2, 3] == 255 and mask[-3, -3, 3] == 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    assert Image.open(tmp_path / "m.png").mode == "RGBA"


def test_recipe_validation():
    with pytest.raises(ValidationError, match="prompt is required"):
        TextureRecipe(source="openai")
    with pytest.raises(ValidationError):
        TextureRecipe(source="openai", prompt="x", model="dall-e-3")
    with pytest.raises(ValidationError):
        TextureRecipe(pool=0)
    with pytest.raises(ValidationError, match="extra"):
        TextureRecipe(colour="red")
    recipe = TextureRecipe(source="openai", prompt="rust", pool=8, quality="low")
    assert recipe.model == "gpt-image-1.5" and recipe.tileable


def test_cache_roundtrip_and_incomplete_entries(tmp_path):
    cache = TextureCache(tmp_path)
    key = cache_key({"a": 1})
    assert cache.get(key) is None
    png = png_bytes(naive_image(1, 8))
    entry = cache.put(key, png, "image/png", {"prompt": "p"}, source=(b"raw", "image/jpeg"))
    assert entry.path.read_bytes() == png
    assert (entry.path.parent / entry.sidecar["source_file"]).read_bytes() == b"raw"
    assert cache.get(key).sidecar["prompt"] == "p"
    entry.path.unlink()
    assert cache.get(key) is None
    assert cache_key({"a": 1, "b": 2}) == cache_key({"b": 2, "a": 1}) != key


def test_procedural_pool_and_material_fields(tmp_path):
    recipe = TextureRecipe(kind="voronoi", pool=3, mapping={"scale": 2.0, "rotation": 90})
    pools = resolve_texture_pools([recipe, recipe], tmp_path)
    pool = pools[pool_key(recipe)]
    assert len(pools) == 1 and len(pool) == 3 and len({e.path for e in pool}) == 3
    for entry in pool:
        assert seam_score(np.asarray(Image.open(entry.path).convert("RGB"))) < SEAM_THRESHOLD
    first = sample_texture(pool, np.random.default_rng([1, 2]))
    assert first == sample_texture(pool, np.random.default_rng([1, 2]))
    material = MaterialSpec(**material_texture_fields(first, recipe.mapping))
    assert material.texture_path == str(first.path)
    assert material.texture_mapping.rotation == pytest.approx(np.pi / 2)
    assert material.texture_source.provider == "procedural"
    assert not material.texture_source.ai_generated


def test_folder_pool_blends_only_seamed_images(tmp_path):
    folder = tmp_path / "tex"
    folder.mkdir()
    Image.fromarray(naive_image(1, 64)).save(folder / "a_naive.png")
    tileable = procedural_texture("wave", 64, np.random.default_rng(0))
    Image.fromarray(tileable).save(folder / "b_tileable.png")
    (folder / "notes.txt").write_text("not an image")
    recipe = TextureRecipe(source="folder", folder=folder, pool=5)
    pool = resolve_texture_pools([recipe], tmp_path / "cache")[pool_key(recipe)]
    assert len(pool) == 2
    by_source = {e.provenance["source_file"]: e for e in pool}
    naive_entry = by_source[str((folder / "a_naive.png").resolve())]
    assert naive_entry.path.is_relative_to(tmp_path / "cache")
    assert seam_score(np.asarray(Image.open(naive_entry.path).convert("RGB"))) < SEAM_THRESHOLD
    assert by_source[str((folder / "b_tileable.png").resolve())].path == (folder / "b_tileable.png").resolve()


def test_token_table_and_plan(tmp_path):
    assert output_tokens("gpt-image-1", "low", "1024x1024") < output_tokens("gpt-image-1", "medium", "1024x1024")
    assert output_tokens("gpt-image-1-mini", "auto", "auto") == max(
        output_tokens("gpt-image-1-mini", q, s) for q in ("low", "medium", "high")
        for s in ("1024x1024", "1024x1536", "1536x1024"))
    blend = TextureRecipe(source="openai", prompt="oak", pool=3, quality="high", size="1024x1536")
    edit = TextureRecipe(source="openai", prompt="steel", pool=2, tile_method="edit")
    plan = plan_texture_calls([blend, edit, TextureRecipe()], tmp_path)
    assert plan.calls == 3 + 2 * 2
    assert plan.output_tokens == 3 * output_tokens("gpt-image-1.5", "high", "1024x1536") + \
        4 * output_tokens("gpt-image-1.5", "medium", "1024x1024")
    assert "7 call(s)" in plan.summary()
    json.dumps(plan.pools)
    assert list(tmp_path.iterdir()) == []
