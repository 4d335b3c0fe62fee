"""Errors of the texture module."""

from __future__ import annotations

from synthscape.errors import SynthscapeError


class TextureError(SynthscapeError):
    """A texture could not be produced and the recipe says ``fallback: none``.

    Also raised for configuration problems (missing API key, bad folder). The
    message never contains the API key.
    """


class ProviderError(Exception):
    """A provider call failed for good (after retries, or not retryable).

    Attributes:
        reason: short machine-readable cause: ``moderation``, ``quota``, ``rate_limit``,
            ``server``, ``timeout``, ``connection``, ``auth``, ``missing_key``, ``budget``,
            ``bad_request`` or ``bad_response``.
        fatal_for_run: True when no further API call in this run can succeed
            (quota, missing key, authentication, exhausted budget).
    """

    def __init__(self, reason: str, message: str, *, fatal_for_run: bool = False):
        super().__init__(message)
        self.reason = reason
        self.fatal_for_run = fatal_for_run
