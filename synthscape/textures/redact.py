"""Redacting credentials that users put into URLs (``base_url``) before anything records them.

A texture ``base_url`` may carry credentials: ``https://user:pass@host/v1`` or
``https://host/v1?api-key=...``. :func:`redact_url` keeps what identifies the server (scheme,
host, port, path, harmless query parameters) and replaces the secrets with ``***``::

    >>> redact_url("https://user:pw@host/v1?api-key=abc&api-version=2")
    'https://***@host/v1?api-key=***&api-version=2'

:func:`redact_text` does the same for every URL inside free text, :func:`redact_data` for every
string in nested JSON-like data, and :func:`install_log_redaction` for the log records of the
HTTP stack (``httpx``/``httpx2``/``httpcore``/``openai`` loggers).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "***"
SECRET_PARAM_PARTS = ("key", "token", "secret", "pass", "pwd", "auth", "sig", "credential",
                      "session", "cookie", "jwt", "bearer")
"""A query parameter whose lower-cased name contains one of these carries a secret."""
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>`]+")
HTTP_LOGGER_PREFIXES = ("httpx", "httpx2", "httpcore", "httpcore2", "openai")
"""Loggers (and their children) whose records :func:`install_log_redaction` filters."""


def is_secret_param(name: str) -> bool:
    """True for query parameter names like ``api-key``, ``key``, ``access_token``, ``sig``."""
    lowered = name.lower()
    return any(part in lowered for part in SECRET_PARAM_PARTS)


def _redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        return MASK
    return "&".join(f"{quote(name, safe='-_.~')}=" + (MASK if is_secret_param(name) else
                                                       quote(value, safe="-_.~/:,"))
                    for name, value in pairs)


def redact_url(url: str) -> str:
    """``url`` with its user info and secret query parameters (and fragment) masked.

    Strings that are not URLs with a scheme and host come back unchanged.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not host:
        return url
    netloc = host if ":" not in host else f"[{host}]"
    netloc = f"{netloc}:{port}" if port else netloc
    if parts.username is not None or parts.password is not None:
        netloc = f"{MASK}@{netloc}"
    fragment = MASK if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, parts.path, _redact_query(parts.query), fragment))


def redact_text(text: str) -> str:
    """``text`` with every URL in it passed through :func:`redact_url`."""
    if "://" not in text:
        return text
    return _URL.sub(lambda match: redact_url(match.group(0)), text)


def redact_data(value: Any) -> Any:
    """A copy of JSON-like ``value`` with every string passed through :func:`redact_text`."""
    if isinstance(value, Mapping):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with :func:`redact_text` (and optional literal secrets masked)."""

    def __init__(self) -> None:
        super().__init__("synthscape-redact")
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; replaces its message when it held a secret."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's problem, not ours
            return True
        clean = redact_text(message)
        for secret in self.secrets:
            clean = clean.replace(secret, MASK)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction(*secrets: str) -> None:
    """Filter the records of the HTTP-stack loggers (and every existing child logger).

    Logger filters only see records created on that very logger, so the filter is added to
    each known logger by name. Idempotent; ``secrets`` (e.g. the API key) are masked too.
    """
    _FILTER.secrets.update(s for s in secrets if s)
    names = set(HTTP_LOGGER_PREFIXES) | {"openai._base_client", "openai._response",
                                         "openai._legacy_response"}
    names |= {name for name in list(logging.root.manager.loggerDict)
              if name.split(".")[0] in HTTP_LOGGER_PREFIXES}
    for name in sorted(names):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
