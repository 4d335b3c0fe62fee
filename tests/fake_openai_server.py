"""A local stand-in for the OpenAI Images API, for tests (127.0.0.1 only, no internet).

Implements ``POST /v1/images/generations`` (JSON) and ``POST /v1/images/edits`` (multipart),
answering ``{"created", "data": [{"b64_json", "revised_prompt"}], "usage"}`` with an
``x-request-id`` header. Behaviour is scripted per request::

    with FakeImageServer(script=["429", "429"]) as server:   # two 429s, then images
        client = openai.OpenAI(api_key="k", base_url=server.base_url)

Script items: ``ok``, ``429`` (rate limit), ``quota`` (429 insufficient_quota),
``moderation`` (400 moderation_blocked), ``500``, ``hang`` (never answers in time),
``trickle`` (a 200 answer sent one byte every ``trickle_s`` seconds, status line first),
``garbage`` (200 whose ``b64_json`` is not an image).
When the script runs out every request is ``ok``.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from PIL import Image

ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "429": (429, {"message": "Rate limit reached for images per minute.",
                  "type": "requests", "code": "rate_limit_exceeded"}),
    "quota": (429, {"message": "You exceeded your current quota, please check your plan.",
                    "type": "insufficient_quota", "code": "insufficient_quota"}),
    "moderation": (400, {"message": "Your request was rejected by the safety system.",
                         "type": "image_generation_user_error", "code": "moderation_blocked"}),
    "500": (500, {"message": "The server had an error processing your request.",
                  "type": "server_error", "code": None}),
}


def naive_image(seed: int, size: int = 64) -> np.ndarray:
    """(size, size, 3) uint8 smooth but non-tileable image (gradients + noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) / size
    base = np.stack([x, y, 0.5 * (x + y)], axis=-1) * 180 + rng.uniform(20, 60, 3)
    base += 25 * np.sin(2 * np.pi * (rng.uniform(0.3, 0.7) * x + rng.uniform(0.3, 0.7) * y))[..., None]
    return np.clip(base + rng.normal(0, 2, base.shape), 0, 255).astype(np.uint8)


def _png_b64(image: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


class FakeImageServer:
    """Threaded HTTP server on 127.0.0.1:<free port>; use as a context manager.

    Attributes:
        base_url: ``http://127.0.0.1:PORT/v1``.
        requests: (path without query, headers dict, body bytes) of every request received.
        queries: the query string of every request received (``""`` when none).
        script: behaviours still to play, consumed one per request.
    """

    def __init__(self, script: list[str] | None = None, hang_s: float = 10.0,
                 image_size: int = 64, trickle_s: float = 5.0):
        self.script = list(script or [])
        self.hang_s, self.image_size, self.trickle_s = hang_s, image_size, trickle_s
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.queries: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeImageServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def count(self, path_suffix: str = "") -> int:
        """Number of requests whose path ends with ``path_suffix``."""
        with self._lock:
            return sum(p.endswith(path_suffix) for p, _, _ in self.requests)

    def _next(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, int]:
        with self._lock:
            self.requests.append((path, headers, body))
            behaviour = self.script.pop(0) if self.script else "ok"
            return behaviour, len(self.requests)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, payload: dict[str, Any], number: int) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.send_header("x-request-id", f"req_fake_{number}")
                if status == 429:
                    self.send_header("retry-after-ms", "10")
                self.end_headers()
                self.wfile.write(body)

            def _trickle(self, payload: dict[str, Any], number: int) -> None:
                body = json.dumps(payload).encode()
                head = (f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        f"content-length: {len(body)}\r\nx-request-id: req_fake_{number}\r\n\r\n")
                for byte in head.encode() + body:
                    if server._stop.wait(server.trickle_s):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:   # the client gave up and closed the connection
                        return

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                path, _, query = self.path.partition("?")
                server.queries.append(query)
                behaviour, number = server._next(path, dict(self.headers), body)
                if not path.endswith(("/images/generations", "/images/edits")):
                    self._send(404, {"error": {"message": "not found"}}, number)
                elif behaviour == "hang":
                    server._stop.wait(server.hang_s)
                elif behaviour == "trickle":
                    self._trickle(self._image_payload(number), number)
                elif behaviour in ERRORS:
                    status, error = ERRORS[behaviour]
                    self._send(status, {"error": error}, number)
                else:
                    payload = self._image_payload(number)
                    if behaviour == "garbage":
                        payload["data"][0]["b64_json"] = base64.b64encode(b"not a png").decode()
                    self._send(200, payload, number)

            def _image_payload(self, number: int) -> dict[str, Any]:
                image = naive_image(number, server.image_size)
                if self.path.partition("?")[0].endswith("/edits"):   # seam-free: periodic pattern
                    y, x = np.mgrid[0:server.image_size, 0:server.image_size] / server.image_size
                    wave = 127 + 100 * np.sin(2 * np.pi * (x + 2 * y))
                    image = np.repeat(wave[..., None], 3, axis=2).astype(np.uint8)
                return {"created": int(time.time()),
                        "data": [{"b64_json": _png_b64(image),
                                  "revised_prompt": f"revised prompt #{number}"}],
                        "usage": {"total_tokens": 1100, "input_tokens": 44, "output_tokens": 1056,
                                  "input_tokens_details": {"text_tokens": 44, "image_tokens": 0}}}

        return Handler
