"""What a status-callback receiver decides, whatever the server: route, size, parse, answer. No I/O.

AVIV POSTs each new status of a classified to ``<your webhook URL>/classifieds/<id>/statuses``
and signs nothing. The receivers therefore serve only ``/<secret>/classifieds/<id>/statuses``:
subscribe with ``https://your.host/<secret>`` as the webhook URL, and the unguessable path is the
authentication. Everything else is a 404 that tells nothing (wrong secret, wrong method, other
path), decided before the body is read; the secret is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aviv_caas_auth.apis import DEFAULT_API, ApiVersion, package_of
from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.webhooks.payload import WebhookPayloadError, parse_status_callback

_log = logging.getLogger("aviv_caas_auth.webhooks")

Handler = Callable[..., Any]
"""``handler(status, classified_id=...)``; what it returns is ignored (awaited first in ASGI)."""

MAX_BODY = 64 * 1024
"""Bytes a callback body may have (a ClassifiedStatus is a few hundred)."""

SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{24,256}")
_ID_SHAPE = re.compile(r"[A-Za-z0-9-]{1,128}")
_LENGTH = re.compile(r"[ \t]*([0-9]+)[ \t]*")  # RFC 9110: 1*DIGIT, ASCII only ("²".isdigit() is True)
_HUGE = 10**18  # a length of more digits is no smaller: int() refuses to read over 4300 of them


def declared_length(content_length: str | None) -> int | None:
    """The byte count a ``Content-Length`` header declares; None when absent or blank.

    Raises ValueError for anything that is not ASCII digits (signs, underscores, ``²``...).
    """
    if content_length is None or not content_length.strip():
        return None
    match = _LENGTH.fullmatch(content_length)
    if match is None:
        raise ValueError("Content-Length is not a number of bytes")
    digits = match.group(1).lstrip("0") or "0"
    return int(digits) if len(digits) < 19 else _HUGE


def new_secret() -> str:
    """A fresh secret for the webhook path: 43 URL-safe characters (256 random bits)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, reason phrase, body (text/plain)."""

    status: int
    reason: str
    body: bytes = b""


CREATED = Reply(201, "Created")
NOT_FOUND = Reply(404, "Not Found", b"Not Found")
LENGTH_REQUIRED = Reply(411, "Length Required", b"Length Required")
TOO_LARGE = Reply(413, "Content Too Large", b"Content Too Large")
SERVER_ERROR = Reply(500, "Internal Server Error", b"Internal Server Error")


def bad_request(reason: str) -> Reply:
    """400 naming what is wrong with the body (never echoing it)."""
    return Reply(400, "Bad Request", f"Bad Request: {reason}".encode())


class Receiver:
    """The decisions of a webhook receiver for ``handler`` behind ``/<secret>/...``."""

    def __init__(
        self,
        handler: Handler,
        *,
        secret: str,
        max_body: int = MAX_BODY,
        api: ApiVersion = DEFAULT_API,
        package: str | None = None,
    ) -> None:
        if not callable(handler):
            raise ConfigurationError(f"handler must be callable, not {type(handler).__name__}")
        if not isinstance(secret, str) or not SECRET_SHAPE.fullmatch(secret):
            raise ConfigurationError(
                "secret must be 24 to 256 URL-safe characters (letters, digits, '-', '_'), e.g. "
                "aviv_caas_auth.webhooks.new_secret(): it alone authenticates AVIV's callbacks"
            )
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
            raise ConfigurationError(f"max_body must be a number of bytes >= 1, got {max_body!r}")
        self.handler = handler
        self.max_body = max_body
        self.package = package or package_of(api)  # checked here, not on the first callback
        self._secret_digest = hashlib.sha256(secret.encode()).digest()

    def __repr__(self) -> str:
        return f"Receiver({getattr(self.handler, '__qualname__', self.handler)!r}, secret=<hidden>)"

    def route(self, method: str, path: str) -> str | None:
        """The classified id of a callback to ``method path``, or None (answer 404)."""
        parts = path.split("/")
        if method != "POST" or len(parts) != 5 or parts[0] or parts[2:5:2] != ["classifieds", "statuses"]:
            return None
        presented = hashlib.sha256(parts[1].encode("utf-8", "surrogateescape")).digest()
        if not hmac.compare_digest(presented, self._secret_digest):
            return None
        return parts[3] if _ID_SHAPE.fullmatch(parts[3]) else None

    def length_problem(self, content_length: str | None, *, terminated: bool) -> Reply | None:
        """411/413/400 for a declared length that cannot be accepted, else None (:func:`declared_length`)."""
        try:
            length = declared_length(content_length)
        except ValueError as error:
            return bad_request(str(error))
        if length is None:
            return None if terminated else LENGTH_REQUIRED
        return TOO_LARGE if length > self.max_body else None

    def parse(self, body: bytes) -> Any:
        """The ClassifiedStatus of ``body`` (raises WebhookPayloadError)."""
        if len(body) > self.max_body:
            raise _TooLarge
        return parse_status_callback(body, package=self.package)

    def failure(self, error: BaseException, classified_id: str) -> Reply:
        """The answer to a failed request: 400/413 for the body, a logged 500 for the handler."""
        if isinstance(error, _TooLarge):
            return TOO_LARGE
        if isinstance(error, WebhookPayloadError):
            _log.warning("status callback for classified %s refused: %s", classified_id, error)
            return bad_request(str(error))
        _log.error(
            "the status callback handler failed for classified %s (answered 500)",
            classified_id,
            exc_info=(type(error), error, error.__traceback__),
        )
        return SERVER_ERROR


class _TooLarge(Exception):
    """The body grew past ``max_body`` while it was read."""
