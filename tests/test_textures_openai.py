"""The openai provider through the official SDK against a local fake server (127.0.0.1)."""

from __future__ import annotations

import json
import logging
import time

import numpy as np
import pytest
from PIL import Image

from fake_openai_server import FakeImageServer
from synthscape.textures import (
    SEAM_THRESHOLD, TextureError, TextureRecipe, missing_textures, plan_texture_calls, pool_key,
    provenance_entries, resolve_texture_pools, seam_score)
from synthscape.textures.openai_provider import OpenAIProvider

SECRET = "sk-test-9f8e7d6c5b4a-NEVER-LOG-ME"


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def _recipe(server, **kw):
    return TextureRecipe(source="openai", prompt=kw.pop("prompt", "rusted steel, peeling blue paint"),
                         base_url=server.base_url, quality="low", **kw)


def _fast(recipe):
    return OpenAIProvider(recipe.base_url, timeout_s=0.4, max_attempts=3, backoff_s=0.01)


def _resolve(recipes, cache, **kw):
    return resolve_texture_pools(recipes, cache, provider_factory=_fast, **kw)


def _rgb(path):
    return np.asarray(Image.open(path).convert("RGB"))


def _warnings(caplog):
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_pool_is_generated_once_then_served_from_cache(tmp_path, caplog):
    with FakeImageServer() as server:
        recipe = _recipe(server, pool=3)
        pool = resolve_texture_pools([recipe], tmp_path)[pool_key(recipe)]
        assert server.count("/images/generations") == 3
        assert all(h["authorization"] == f"Bearer {SECRET}" for _, h, _ in server.requests)
        body = json.loads(server.requests[0][2])
        assert body["model"] == "gpt-image-1.5" and body["quality"] == "low" and body["n"] == 1
        assert len({e.path for e in pool}) == 3
        for entry in pool:
            sidecar = json.loads(entry.path.with_suffix(".json").read_text())
            assert sidecar["request_id"].startswith("req_fake_")
            assert sidecar["revised_prompt"].startswith("revised prompt")
            assert sidecar["usage"]["output_tokens"] > 0
            assert sidecar["tile_method_applied"] == "blend"
            received = _rgb(entry.path.parent / sidecar["source_file"])
            assert seam_score(received) > SEAM_THRESHOLD > seam_score(_rgb(entry.path))
            assert entry.provenance["ai_generated"] and entry.provenance["model"] == "gpt-image-1.5"
        again = resolve_texture_pools([recipe], tmp_path)[pool_key(recipe)]
        assert server.count() == 3
        assert [e.path for e in again] == [e.path for e in pool]
        assert plan_texture_calls([recipe], tmp_path).calls == 0
    assert not _warnings(caplog)


def test_base_url_from_environment(tmp_path, monkeypatch):
    with FakeImageServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        recipe = TextureRecipe(source="openai", prompt="oak planks", pool=1)
        pool = resolve_texture_pools([recipe], tmp_path)[pool_key(recipe)]
        assert server.count() == 1 and pool[0].provenance["provider"] == "openai"


def test_rate_limits_are_retried(tmp_path, caplog):
    with FakeImageServer(script=["429", "500"]) as server:
        pool = _resolve([_recipe(server, pool=1)], tmp_path)
        entry = next(iter(pool.values()))[0]
        assert server.count() == 3
        assert entry.provenance["ai_generated"] and "fallback_reason" not in entry.provenance
    assert not _warnings(caplog)


def test_server_errors_give_up_after_bounded_attempts(tmp_path, caplog):
    with FakeImageServer(script=["500"] * 10) as server:
        entries = next(iter(_resolve([_recipe(server, pool=2)], tmp_path).values()))
        assert server.count() == 3
    assert [e.provenance["fallback_reason"] for e in entries] == ["server", "server"]
    assert len(_warnings(caplog)) == 1 and "gave up after 3 attempts" in caplog.text


def test_insufficient_quota_stops_without_retry(tmp_path, caplog):
    with FakeImageServer(script=["quota"]) as server:
        recipes = [_recipe(server, pool=2), _recipe(server, prompt="worn oak", pool=2)]
        pools = _resolve(recipes, tmp_path)
        assert server.count() == 1
    entries = [e for pool in pools.values() for e in pool]
    assert len(entries) == 4 and {e.provenance["fallback_reason"] for e in entries} == {"quota"}
    assert all(not e.provenance["ai_generated"] for e in entries)
    assert len(_warnings(caplog)) == 2 and "quota" in caplog.text


def test_content_policy_falls_back_to_procedural_with_one_warning(tmp_path, caplog):
    with FakeImageServer(script=["moderation"]) as server:
        recipe = _recipe(server, pool=3, kind="voronoi")
        pool = _resolve([recipe], tmp_path)[pool_key(recipe)]
        assert server.count() == 1
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and "moderation" in warnings[0].getMessage()
    assert "rusted steel" in warnings[0].getMessage()
    for entry in pool:
        assert entry.provenance["provider"] == "procedural"
        assert entry.provenance["fallback_reason"] == "moderation"
        assert seam_score(_rgb(entry.path)) < SEAM_THRESHOLD
    records = provenance_entries({pool_key(recipe): pool})
    assert [r["ai_generated"] for r in records] == [False] * 3


def test_fallback_none_raises_and_leaves_no_partial_files(tmp_path):
    with FakeImageServer(script=["moderation"]) as server:
        with pytest.raises(TextureError, match="moderation.*fallback: none"):
            _resolve([_recipe(server, pool=2, fallback="none")], tmp_path / "cache")
    leftovers = list((tmp_path / "cache").rglob("*")) if (tmp_path / "cache").exists() else []
    assert [p for p in leftovers if p.is_file()] == []


def test_unreadable_image_falls_back_without_caching_it(tmp_path, caplog):
    with FakeImageServer(script=["garbage"]) as server:
        recipe = _recipe(server, pool=1)
        pool = _resolve([recipe], tmp_path)[pool_key(recipe)]
    assert pool[0].provenance["fallback_reason"] == "bad_response"
    assert "unreadable image" in caplog.text
    assert [p.name for p in tmp_path.rglob("*.source.*")] == []
    assert missing_textures([recipe], tmp_path) != []


def test_never_answering_server_is_cut_off(tmp_path, caplog):
    with FakeImageServer(script=["hang"] * 3, hang_s=20) as server:
        start = time.monotonic()
        pool = next(iter(_resolve([_recipe(server, pool=2)], tmp_path).values()))
        elapsed = time.monotonic() - start
        assert server.count() == 3
    assert elapsed < 5.0
    assert {e.provenance["fallback_reason"] for e in pool} == {"timeout"}
    assert "did not answer in time" in caplog.text


def test_missing_key_gives_a_clear_message(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(TextureError, match="OPENAI_API_KEY is not set"):
        OpenAIProvider("http://127.0.0.1:9/v1")
    with FakeImageServer() as server:
        pool = next(iter(resolve_texture_pools([_recipe(server, pool=2)], tmp_path).values()))
        with pytest.raises(TextureError, match="OPENAI_API_KEY is not set"):
            resolve_texture_pools([_recipe(server, fallback="none")], tmp_path)
        assert server.count() == 0
    assert {e.provenance["fallback_reason"] for e in pool} == {"missing_key"}
    assert len(_warnings(caplog)) == 1 and "OPENAI_API_KEY is not set" in caplog.text


def test_budget_limits_calls_and_falls_back(tmp_path, caplog):
    with FakeImageServer() as server:
        pool = next(iter(_resolve([_recipe(server, pool=4)], tmp_path, max_calls=2).values()))
        assert server.count() == 2
    assert [e.provenance["ai_generated"] for e in pool] == [True, True, False, False]
    assert pool[-1].provenance["fallback_reason"] == "budget"
    assert "--max-texture-calls 2" in caplog.text


def test_offline_and_dry_run_make_no_requests(tmp_path, caplog):
    with FakeImageServer() as server:
        recipe = _recipe(server, pool=2)
        assert len(missing_textures([recipe], tmp_path)) == 2
        assert _resolve([recipe], tmp_path, dry_run=True) == {pool_key(recipe): []}
        assert not tmp_path.exists() or list(tmp_path.iterdir()) == []
        offline = _resolve([recipe], tmp_path, offline=True)[pool_key(recipe)]
        assert server.count() == 0 and "offline" in caplog.text
        assert {e.provenance["fallback_reason"] for e in offline} == {"offline"}
        _resolve([recipe], tmp_path / "filled")
        calls = server.count()
        cached = _resolve([recipe], tmp_path / "filled", offline=True)[pool_key(recipe)]
        assert server.count() == calls == 2
        assert all(e.provenance["ai_generated"] for e in cached)
        assert missing_textures([recipe], tmp_path / "filled") == []


def test_tile_method_edit_uses_the_edits_endpoint_with_a_mask(tmp_path):
    with FakeImageServer() as server:
        recipe = _recipe(server, pool=2, tile_method="edit")
        pool = _resolve([recipe], tmp_path)[pool_key(recipe)]
        assert server.count("/images/generations") == 2 and server.count("/images/edits") == 2
        edit_body = next(b for p, _, b in server.requests if p.endswith("/edits"))
        assert b'name="mask"' in edit_body and b'name="image"' in edit_body
    for entry in pool:
        sidecar = json.loads(entry.path.with_suffix(".json").read_text())
        assert sidecar["tile_method_applied"] == "edit"
        assert sidecar["edit"]["request_id"].startswith("req_fake_")
        assert seam_score(_rgb(entry.path)) < SEAM_THRESHOLD


def test_api_key_never_leaks(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeImageServer(script=["429", "moderation", "quota", "moderation"]) as server:
        recipes = [_recipe(server, pool=1), _recipe(server, prompt="b", pool=1),
                   _recipe(server, prompt="c", pool=1)]
        pools = _resolve(recipes, tmp_path)
        errors = []
        try:
            _resolve([_recipe(server, prompt="d", fallback="none")], tmp_path)
        except TextureError as exc:
            errors.append(str(exc))
    dumped = json.dumps(provenance_entries(pools))
    files = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert errors and len(files) > 3
    for text in [caplog.text, dumped, *errors]:
        assert SECRET not in text
    assert all(SECRET.encode() not in data for data in files)


def test_recorded_base_url_drops_credentials():
    from synthscape.textures.openai_provider import public_base_url, redact
    assert public_base_url("http://user:pw@127.0.0.1:8000/v1?key=x#f") == "http://127.0.0.1:8000/v1"
    assert public_base_url(None) is None
    assert redact(f"bad key {SECRET}!", SECRET) == "bad key ***!"
