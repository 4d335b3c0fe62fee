"""Credentials inside a texture ``base_url`` are never recorded or logged (issue 11 item 12).

``https://user:pass@host/v1?api-key=...`` must reach the server but show up as
``https://***@host/v1?api-key=***`` in ``run.json``, ``dataset.json``, texture sidecars and
log lines (including the HTTP client's). The cache key includes the server (not its
credentials), so two servers never share a cached texture.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from fake_openai_server import FakeImageServer
from synthscape.textures import TextureRecipe, pool_key, resolve_texture_pools
from synthscape.textures.openai_provider import OpenAIProvider
from synthscape.textures.redact import redact_data, redact_text, redact_url
from tests.batch_support import FAKE, REPO

API_KEY = "sk-test-robust-credentials-0123456789"
PASSWORD = "hunter2-PASSWORD-in-url"
QUERY_KEY = "QUERYKEY-0f9e8d7c6b5a"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def _secret_url(server: FakeImageServer, password: str = PASSWORD, key: str = QUERY_KEY) -> str:
    return (server.base_url.replace("http://", f"http://alice:{password}@")
            + f"?api-key={key}&api-version=2025-01-01")


def _secrets_in(data: bytes | str) -> list[str]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return [s for s in (PASSWORD, QUERY_KEY, API_KEY) if s in text]


def test_render_records_and_logs_no_url_credentials(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from headless.cli import main

    caplog.set_level(logging.DEBUG)
    recipe = yaml.safe_load((REPO / "scenes" / "minimal.yaml").read_text())
    out, cache = tmp_path / "out", tmp_path / "cache"
    with FakeImageServer() as server:
        recipe["objects"][1]["material"]["texture"] = {
            "source": "openai", "prompt": "worn oak planks", "pool": 1, "quality": "low",
            "base_url": _secret_url(server)}
        path = tmp_path / "recipe.yaml"
        path.write_text(yaml.safe_dump(recipe))
        result = CliRunner().invoke(main, ["render", str(path), "--out", str(out), "--frames", "2",
                                           "--texture-cache", str(cache)],
                                    env={"SYNTHSCAPE_RENDERER": FAKE})
        calls, queries = server.count("/images/generations"), list(server.queries)
    assert result.exit_code == 0, result.output
    files = [p for p in [*out.rglob("*"), *cache.rglob("*")] if p.is_file()]
    assert any(p.name == "run.json" for p in files) and any(p.name == "dataset.json" for p in files)
    leaks = {str(p.relative_to(tmp_path)): _secrets_in(p.read_bytes()) for p in files}
    assert {name: found for name, found in leaks.items() if found} == {}
    assert _secrets_in(caplog.text) == [] and _secrets_in(result.output) == []
    assert calls == 1 and f"api-key={QUERY_KEY}" in queries[0], "the query credential was not sent"
    assert len(list(cache.rglob("*.json"))) == 1, "the texture's sidecar is missing"
    assert "HTTP Request: POST http://***@127.0.0.1" in caplog.text, "the httpx log line is gone"
    dataset = json.loads((out / "dataset.json").read_text())
    recorded = dataset["recipe"]["objects"][1]["material"]["texture"]["base_url"]
    assert recorded == redact_url(_secret_url(server))
    assert recorded.startswith("http://***@127.0.0.1:") and "api-key=***&api-version=2025-01-01" in recorded
    assert dataset["textures"][0]["ai_generated"]


def test_cache_key_includes_the_server_but_not_its_credentials(tmp_path: Path) -> None:
    def fast(recipe: TextureRecipe) -> OpenAIProvider:
        return OpenAIProvider(recipe.base_url, timeout_s=2.0, max_attempts=1)

    def texture(base_url: str) -> TextureRecipe:
        return TextureRecipe(source="openai", prompt="worn oak planks", pool=1, quality="low",
                             base_url=base_url)

    with FakeImageServer() as first, FakeImageServer() as second:
        one = resolve_texture_pools([texture(first.base_url)], tmp_path, provider_factory=fast)
        two = resolve_texture_pools([texture(second.base_url)], tmp_path, provider_factory=fast)
        assert first.count() == 1 and second.count() == 1, "a second server reused the first's texture"
        assert next(iter(one.values()))[0].path != next(iter(two.values()))[0].path
        rotated = [texture(_secret_url(first, "old-pw", "k1")), texture(_secret_url(first, "new-pw", "k2"))]
        pools = resolve_texture_pools(rotated[:1], tmp_path, provider_factory=fast)
        resolve_texture_pools(rotated[1:], tmp_path, provider_factory=fast)
        assert first.count() == 2, "new credentials for the same server must hit the same cache entry"
    sidecars = [p.read_text() for p in tmp_path.rglob("*.json")]
    assert sidecars and all("old-pw" not in s and "k1" not in s for s in sidecars)
    assert pool_key(rotated[0]) == pool_key(rotated[1]) in pools


def test_http_client_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    OpenAIProvider("http://127.0.0.1:9/v1")   # installs the filter
    url = f"https://bob:{PASSWORD}@example.test/v1/images/generations?key={QUERY_KEY}"
    for name in ("httpx", "httpx2", "openai", "openai._base_client", "httpcore2.http11"):
        logging.getLogger(name).info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
        logging.getLogger(name).debug("key %s", API_KEY)
    assert caplog.text.count("https://***@example.test/v1/images/generations?key=***") == 5
    assert _secrets_in(caplog.text) == []


@pytest.mark.parametrize(("url", "expected"), [
    ("https://user:pass@host/v1", "https://***@host/v1"),
    ("https://host/v1?api-key=abc", "https://host/v1?api-key=***"),
    ("https://host:8443/v1?key=a&token=b&api-version=3", "https://host:8443/v1?key=***&token=***&api-version=3"),
    ("http://token@127.0.0.1:8000/v1#frag", "http://***@127.0.0.1:8000/v1#***"),
    ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
    ("not a url", "not a url"),
])
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected
    assert redact_text(f"calling {url} now") == f"calling {expected} now"
    assert redact_data({"a": [url], "b": 1}) == {"a": [expected], "b": 1}


def test_dataset_json_masks_url_credentials_whatever_the_caller_passes() -> None:
    from synthscape.writers.dataset_json import drop_secrets

    cleaned = drop_secrets({"recipe": {"texture": {"base_url": f"https://u:{PASSWORD}@h/v1"}}})
    assert cleaned == {"recipe": {"texture": {"base_url": "https://***@h/v1"}}}
