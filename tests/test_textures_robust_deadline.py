"""A texture server that trickles or never answers costs one deadline, then none (issue 11 item 9).

Each call has a wall-clock deadline (``SYNTHSCAPE_TEXTURE_DEADLINE_S``), not only a per-read
timeout; after a server timed out or could not be reached, later pools do not call it again
(circuit breaker per base URL, said once in the log); retries count against
``--max-texture-calls``.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from fake_openai_server import FakeImageServer
from synthscape.textures import TextureError, TextureRecipe, pool_key, resolve_texture_pools
from synthscape.textures.openai_provider import DEADLINE_ENV, OpenAIProvider

SECRET = "sk-test-robust-deadline-0123456789"
GUARD_S = 30.0
"""A test whose resolve is still running after this long has hung (the bug): it fails."""


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv(DEADLINE_ENV, raising=False)


def _recipes(base_url: str, pool: int = 2) -> list[TextureRecipe]:
    return [TextureRecipe(source="openai", prompt=prompt, base_url=base_url, quality="low", pool=pool)
            for prompt in ("worn oak planks", "rusted steel")]


def _resolve_guarded(recipes: list[TextureRecipe], cache: Path, **kw: Any) -> tuple[dict, float]:
    """Resolve in a thread; fail (instead of hanging the suite) if it outlives GUARD_S."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["pools"] = resolve_texture_pools(recipes, cache, **kw)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            result["error"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(GUARD_S)
    assert not worker.is_alive(), f"texture resolution still running after {GUARD_S} s"
    if "error" in result:
        raise result["error"]
    return result["pools"], time.monotonic() - started


def _breaker_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "no more calls to it" in r.getMessage()]


def test_trickling_server_hits_the_total_deadline_then_is_not_called_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(DEADLINE_ENV, "1.5")
    with FakeImageServer(script=["trickle"] * 10, trickle_s=0.2) as server:
        recipes = _recipes(server.base_url)
        # the default provider: 120 s per-read timeout, which a byte every 0.2 s never trips
        pools, elapsed = _resolve_guarded(recipes, tmp_path)
        assert server.count() == 1, "the second pool (or a retry) called the timed-out server"
    assert 1.4 < elapsed < 8.0
    for recipe in recipes:
        entries = pools[pool_key(recipe)]
        assert len(entries) == 2
        assert {e.provenance["fallback_reason"] for e in entries} == {"timeout"}
        assert not any(e.provenance["ai_generated"] for e in entries)
    assert len(_breaker_lines(caplog)) == 1
    assert "did not answer in time" in caplog.text


def test_never_answering_server_costs_one_pool_of_attempts(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    def fast(recipe: TextureRecipe) -> OpenAIProvider:
        return OpenAIProvider(recipe.base_url, timeout_s=0.3, max_attempts=3, backoff_s=0.01)

    with FakeImageServer(script=["hang"] * 20, hang_s=20) as server:
        recipes = _recipes(server.base_url)
        pools, elapsed = _resolve_guarded(recipes, tmp_path, provider_factory=fast)
        assert server.count() == 3, "only the first pool's attempts may reach the server"
    assert elapsed < 5.0
    second = pools[pool_key(recipes[1])]
    assert {e.provenance["fallback_reason"] for e in second} == {"timeout"}
    assert len(_breaker_lines(caplog)) == 1


def test_unreachable_server_is_tried_once_per_run(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:      # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    attempts: list[int] = []

    def counting(recipe: TextureRecipe) -> OpenAIProvider:
        provider = OpenAIProvider(recipe.base_url, timeout_s=1.0, max_attempts=2, backoff_s=0.01)
        original = provider._attempt

        def attempt(call: Any, limit_s: float) -> Any:
            attempts.append(1)
            return original(call, limit_s)

        provider._attempt = attempt   # type: ignore[method-assign]
        return provider

    recipes = _recipes(f"http://127.0.0.1:{port}/v1")
    pools, _ = _resolve_guarded(recipes, tmp_path, provider_factory=counting)
    assert len(attempts) == 2, "the second pool called an unreachable server again"
    assert {e.provenance["fallback_reason"] for p in pools.values() for e in p} == {"connection"}
    assert len(_breaker_lines(caplog)) == 1


def test_other_servers_are_still_called_after_one_times_out(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEADLINE_ENV, "0.5")
    with FakeImageServer(script=["hang"] * 5, hang_s=20) as slow, FakeImageServer() as good:
        recipes = [_recipes(slow.base_url, pool=1)[0], _recipes(good.base_url, pool=1)[1]]
        pools, _ = _resolve_guarded(recipes, tmp_path)
        assert slow.count() == 1 and good.count() == 1
    assert pools[pool_key(recipes[1])][0].provenance["ai_generated"]


def test_retries_count_against_max_texture_calls(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    def fast(recipe: TextureRecipe) -> OpenAIProvider:
        return OpenAIProvider(recipe.base_url, timeout_s=2.0, max_attempts=4, backoff_s=0.01)

    with FakeImageServer(script=["500"] * 10) as server:
        recipe = _recipes(server.base_url, pool=1)[0]
        pools, _ = _resolve_guarded([recipe], tmp_path, provider_factory=fast, max_calls=2)
        assert server.count() == 2, "a retry went past --max-texture-calls"
    assert pools[pool_key(recipe)][0].provenance["fallback_reason"] == "budget"
    assert "--max-texture-calls 2" in caplog.text


@pytest.mark.parametrize("value", ["soon", "0", "-3", "inf", "nan"])
def test_bad_deadline_setting_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           value: str) -> None:
    monkeypatch.setenv(DEADLINE_ENV, value)
    with pytest.raises(TextureError, match=f"{DEADLINE_ENV}=.*positive number of seconds"):
        resolve_texture_pools(_recipes("http://127.0.0.1:9/v1"), tmp_path)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_abandoned_attempt_closes_its_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEADLINE_ENV, "0.8")
    before = {t.ident for t in threading.enumerate()}
    with FakeImageServer(script=["trickle"], trickle_s=0.1) as server:
        _resolve_guarded(_recipes(server.base_url, pool=1)[:1], tmp_path)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
                t.name == "synthscape-texture-call" and t.ident not in before
                for t in threading.enumerate()):
            time.sleep(0.05)
    leftover = [t for t in threading.enumerate()
                if t.name == "synthscape-texture-call" and t.ident not in before]
    assert leftover == [], "the abandoned call kept reading from the server"
