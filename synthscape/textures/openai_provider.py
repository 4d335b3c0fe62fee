"""Textures from the OpenAI Images API (or any compatible server) through the ``openai`` SDK.

The SDK's own retries are switched off (``max_retries=0``) so that this module decides:
429 rate limits, 5xx and timeouts are retried with bounded exponential backoff; an
``insufficient_quota`` 429, a moderation/content-policy 400 and authentication errors stop
at once. The API key is read from ``OPENAI_API_KEY`` and never appears in any message.

Every HTTP attempt runs in a worker thread that the caller waits for at most ``timeout_s``
seconds of wall clock (the SDK's own timeout is per socket read, so a server that trickles
one byte every few seconds would never time out), and all attempts of one call together
stop after ``deadline_s`` (default 300 s, or ``SYNTHSCAPE_TEXTURE_DEADLINE_S``). An attempt
past its deadline is abandoned: its client is closed, which aborts the connection.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import openai

from synthscape.textures.errors import ProviderError, TextureError
from synthscape.textures.providers import GeneratedTexture, TextureRequest
from synthscape.textures.redact import install_log_redaction, redact_text

T = TypeVar("T")

MODERATION_CODES = frozenset({"moderation_blocked", "content_policy_violation"})
MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
SEAM_EDIT_PROMPT = ("Repaint only the masked cross so that the texture continues seamlessly "
                    "across it, matching colours, lighting and detail. Texture: {prompt}")
DEADLINE_ENV = "SYNTHSCAPE_TEXTURE_DEADLINE_S"
DEFAULT_DEADLINE_S = 300.0
"""Wall-clock seconds one provider call (all its attempts and backoff) may take."""


def texture_deadline_s() -> float:
    """The call deadline: ``SYNTHSCAPE_TEXTURE_DEADLINE_S`` if set, else 300 s.

    Raises:
        TextureError: the variable is set but not a positive number.
    """
    raw = os.environ.get(DEADLINE_ENV, "").strip()
    if not raw:
        return DEFAULT_DEADLINE_S
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise TextureError(f"{DEADLINE_ENV}={raw[:40]!r} is not a positive number of seconds; "
                           f"set e.g. {DEADLINE_ENV}=300 or unset it")
    return value


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    return text.replace(secret, "***") if secret else text


def public_base_url(url: str | None) -> str | None:
    """``url`` without user:password, query or fragment, safe to record."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class OpenAIProvider:
    """Generates textures with ``client.images.generate`` and repairs seams with ``images.edit``.

    Args:
        base_url: server URL; default ``OPENAI_BASE_URL`` or the SDK default.
        timeout_s: wall-clock limit of one HTTP attempt, connect to last byte, in seconds.
        deadline_s: wall-clock limit of one call with all its retries and backoff; default
            :func:`texture_deadline_s` (``SYNTHSCAPE_TEXTURE_DEADLINE_S`` or 300 s).
        max_attempts: attempts per call, including the first (>= 1).
        backoff_s: first retry delay; doubles each attempt, capped at ``max_backoff_s``.
        sleep: injectable sleep function (tests).

    Attributes:
        on_retry: called before every retry (not before a first attempt); the texture pool
            sets it to charge retries to ``--max-texture-calls``. It may raise
            :class:`ProviderError` to stop retrying.

    Raises:
        TextureError: ``OPENAI_API_KEY`` is not set, or ``SYNTHSCAPE_TEXTURE_DEADLINE_S`` is bad.
    """

    name = "openai"
    ai_generated = True

    def __init__(self, base_url: str | None = None, *, timeout_s: float = 120.0,
                 deadline_s: float | None = None, max_attempts: int = 4, backoff_s: float = 1.0,
                 max_backoff_s: float = 30.0, sleep: Callable[[float], None] = time.sleep):
        key = os.environ.get("OPENAI_API_KEY", "").strip()
        if not key:
            raise TextureError("OPENAI_API_KEY is not set: texture.source 'openai' needs an API "
                               "key in the environment (export OPENAI_API_KEY=...), or use "
                               "source: procedural / --offline with a filled --texture-cache")
        self._key = key
        install_log_redaction(key)
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s if deadline_s is not None else texture_deadline_s()
        self.client = self._new_client()
        self.max_attempts = max(1, max_attempts)
        self.backoff_s, self.max_backoff_s, self.sleep = backoff_s, max_backoff_s, sleep
        self.on_retry: Callable[[], None] | None = None

    def _new_client(self) -> openai.OpenAI:
        """A client without SDK retries; a query in ``base_url`` (``?api-key=...``) is sent
        with every request (the SDK would append the endpoint path after it)."""
        base_url, query = self.base_url, None
        if base_url and "?" in base_url:
            parts = urlsplit(base_url)
            base_url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
            query = dict(parse_qsl(parts.query, keep_blank_values=True)) or None
        return openai.OpenAI(api_key=self._key, base_url=base_url, max_retries=0,
                             timeout=self.timeout_s, default_query=query)

    def generate(self, request: TextureRequest, variant: int) -> GeneratedTexture:
        """One image from ``images.generate`` (``n=1``), decoded from base64."""
        response = self._call(lambda: self.client.images.generate(
            model=request.model, prompt=request.prompt, n=1, size=request.size,
            quality=request.quality, output_format=request.output_format))
        return self._texture(response, request, "generate")

    def edit_seam(self, request: TextureRequest, image_png: bytes,
                  mask_png: bytes) -> GeneratedTexture:
        """Repaint the transparent part of ``mask_png`` on ``image_png`` (both PNG, same size)."""
        prompt = SEAM_EDIT_PROMPT.format(prompt=request.prompt)
        response = self._call(lambda: self.client.images.edit(
            model=request.model, image=("texture.png", image_png, "image/png"),
            mask=("mask.png", mask_png, "image/png"), prompt=prompt, n=1,
            size=request.size, quality=request.quality, output_format=request.output_format))
        return self._texture(response, request, "edit")

    def _texture(self, response: Any, request: TextureRequest, endpoint: str) -> GeneratedTexture:
        if not getattr(response, "data", None) or not response.data[0].b64_json:
            raise ProviderError("bad_response", f"images.{endpoint} returned no b64_json image")
        item = response.data[0]
        try:
            data = base64.b64decode(item.b64_json, validate=True)
        except ValueError as exc:
            raise ProviderError("bad_response", f"images.{endpoint} returned invalid base64") from exc
        usage = response.usage.model_dump(mode="json") if getattr(response, "usage", None) else None
        sidecar = {"endpoint": f"images.{endpoint}", "revised_prompt": item.revised_prompt,
                   "usage": usage, "request_id": getattr(response, "_request_id", None),
                   "created": getattr(response, "created", None),
                   "base_url": public_base_url(self.base_url)}
        return GeneratedTexture(data, MIME.get(request.output_format, "image/png"), sidecar)

    def _call(self, call: Callable[[], T]) -> T:
        """Run ``call`` with bounded retries within the deadline; ProviderError when it gives up."""
        started = time.monotonic()
        for attempt in range(self.max_attempts):
            left = self.deadline_s - (time.monotonic() - started)
            if attempt and self.on_retry is not None:
                self.on_retry()
            try:
                return self._attempt(call, min(self.timeout_s, max(left, 0.0)))
            except openai.OpenAIError as exc:
                error, delay = self._classify(exc), self._delay(exc, attempt)
            except ProviderError as exc:
                error, delay = exc, self._delay(exc, attempt)
            left = self.deadline_s - (time.monotonic() - started)
            retryable = error.reason in ("rate_limit", "server", "timeout", "connection")
            if not retryable or attempt == self.max_attempts - 1 or left <= delay:
                if retryable:
                    limit = "" if left > delay else f" within the {self.deadline_s:g} s deadline"
                    error = ProviderError(error.reason, f"{error} (gave up after {attempt + 1} "
                                          f"attempt{'s' if attempt else ''}{limit})")
                raise error from None
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _attempt(self, call: Callable[[], T], limit_s: float) -> T:
        """``call()`` in a worker thread, waited for at most ``limit_s`` seconds of wall clock.

        Past the limit the attempt is abandoned: its client is closed (which aborts the
        connection and ends the thread) and a fresh client serves later calls.
        """
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = call()
            except Exception as exc:  # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = exc

        worker = threading.Thread(target=run, name="synthscape-texture-call", daemon=True)
        worker.start()
        worker.join(limit_s)
        if worker.is_alive():
            stale, self.client = self.client, self._new_client()
            try:
                stale.close()
            except Exception:  # noqa: BLE001 - closing is best effort; the thread is a daemon
                pass
            raise ProviderError("timeout", f"the image API did not answer in time (no complete "
                                f"answer within {limit_s:.3g} s)")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _delay(self, exc: Exception, attempt: int) -> float:
        """Backoff in seconds: the server's ``retry-after(-ms)`` if given, else exponential."""
        delay = self.backoff_s * 2 ** attempt
        response = getattr(exc, "response", None)
        if response is not None:
            headers = response.headers
            try:
                if "retry-after-ms" in headers:
                    delay = float(headers["retry-after-ms"]) / 1000
                elif "retry-after" in headers:
                    delay = float(headers["retry-after"])
            except ValueError:
                pass
        return min(max(delay, 0.0), self.max_backoff_s)

    def _classify(self, exc: openai.OpenAIError) -> ProviderError:
        """Map an SDK exception to a :class:`ProviderError` with a key-free message."""
        code = getattr(exc, "code", None)
        status = getattr(exc, "status_code", None)
        request_id = getattr(exc, "request_id", None)
        detail = redact_text(redact(str(getattr(exc, "message", exc)), self._key))
        where = f"HTTP {status}" + (f", code {code}" if code else "") + \
            (f", request id {request_id}" if request_id else "")
        if isinstance(exc, openai.APITimeoutError):
            return ProviderError("timeout", "the image API did not answer in time")
        if isinstance(exc, openai.APIConnectionError):
            return ProviderError("connection", f"cannot reach the image API: {detail}")
        if isinstance(exc, openai.RateLimitError):
            if code == "insufficient_quota":
                return ProviderError("quota", f"API quota exhausted ({where}); add credit or "
                                     "use --offline", fatal_for_run=True)
            return ProviderError("rate_limit", f"rate limited ({where})")
        if isinstance(exc, openai.InternalServerError):
            return ProviderError("server", f"server error ({where}): {detail}")
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return ProviderError("auth", f"the API rejected the key ({where}); check "
                                 "OPENAI_API_KEY", fatal_for_run=True)
        if isinstance(exc, openai.BadRequestError) and (
                code in MODERATION_CODES or getattr(exc, "type", None) == "image_generation_user_error"):
            return ProviderError("moderation", f"refused by content moderation ({where}): "
                                 f"{detail}; rephrase the prompt")
        return ProviderError("bad_request", f"request failed ({where}): {detail}")
