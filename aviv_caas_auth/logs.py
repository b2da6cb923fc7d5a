"""``AVIV_CAAS_LOG``: switch the library's logging on from the environment, secrets masked.

``AVIV_CAAS_LOG=debug`` (or ``info``, ``warning``, ``error``) puts a stderr handler on the
``aviv_caas_auth`` logger at that level when ``aviv_caas_auth`` is imported; unset, empty or
``off``, the library adds no handler (Python's default: warnings and errors reach stderr through
the last-resort handler, unless your application configures logging). Call :func:`enable` to do
the same from code. The handler masks bearer tokens, JWTs and credential-named members in every
line it writes (a second guard: the library's messages never contain them).

Loggers (children propagate to ``aviv_caas_auth``):

- ``aviv_caas_auth``: tokens, stores, transport, workflows. DEBUG: every API answer (method, path,
  status, traceparents), a stored token reused. INFO: a token fetched or refreshed (its
  fingerprint, never the value), a token rejected by the API (401), a request retried (why, which
  attempt, the wait), a Redis token store reachable again. WARNING: something degraded but the
  call goes on: a store that cannot be read, written or locked, a refresh that failed while the
  current token is still valid, the wall clock moved back, a classified published without some of
  its media, a rate budget that could not be paused. ERROR: a ``publish_many`` progress callback failed.
- ``aviv_caas_auth.budget``: DEBUG: a request waits for room in the rate budget (how long).
  INFO: a 429 paused everyone sharing the budget (for how long).
- ``aviv_caas_auth.webhooks``: WARNING: a status callback refused (why); ERROR: your handler failed.
- ``aviv_caas_auth.sandbox.*`` (the local sandbox): WARNING: operations served generically;
  ERROR: a bug of the sandbox's (answered 500).
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Mapping
from typing import Final, TextIO

ENV_VAR: Final = "AVIV_CAAS_LOG"
LOGGER: Final = "aviv_caas_auth"
LEVELS: Final = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
_OFF: Final = frozenset({"", "off", "0", "none", "false", "no"})
_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Masked(logging.Filter):
    """Masks tokens and secrets in the record's message before the handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        from aviv_caas_auth.http.redaction import redact

        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class _Handler(logging.StreamHandler[TextIO]):
    """The handler :func:`enable` adds (one at most: enabling again only changes the level)."""


def enable(level: int | str = logging.INFO, *, stream: TextIO | None = None) -> logging.Handler:
    """Log the library's messages at ``level`` and above to ``stream`` (default: stderr); the handler."""
    if isinstance(level, str):
        found = LEVELS.get(level.strip().lower())
        if found is None:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
        level = found
    logger = logging.getLogger(LOGGER)
    handler = next((h for h in logger.handlers if isinstance(h, _Handler)), None)
    if handler is None:
        handler = _Handler(sys.stderr if stream is None else stream)
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(_Masked())
        logger.addHandler(handler)
    elif stream is not None:
        handler.setStream(stream)
    logger.setLevel(level)
    return handler


def configure_from_env(environ: Mapping[str, str] | None = None) -> logging.Handler | None:
    """Apply ``AVIV_CAAS_LOG`` (see the module's docstring); the handler, or None when it is off."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip().lower()
    if value in _OFF:
        return None
    if value not in LEVELS:
        warnings.warn(
            f"{ENV_VAR}={value!r} is not a level: use one of {', '.join(LEVELS)} (or off); logging is "
            "left as it is",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return enable(value)
