"""Shared pacing: tell whoever runs a batch of calls that the API answered 429.

A workflow that runs many calls at once (``workflows.publish_many``) sets a listener for the
calls it makes (a context variable, so it follows its threads and tasks and nobody else's); the
transport reports every 429 it reads, including those it retries by itself, with the wait the
answer asked for (``Retry-After``, in seconds, or None). The batch then pauses as a whole instead
of one task at a time. Without a listener, reporting costs one context-variable read.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

import httpx

from aviv_caas_auth.http.retry_after import parse_retry_after

RateLimitListener = Callable[[float | None], None]
"""Called with the seconds a 429 asked to wait (None when it did not say)."""

_LISTENER: ContextVar[RateLimitListener | None] = ContextVar("aviv_caas_auth_rate_limits", default=None)


def report(response: httpx.Response) -> None:
    """Tell the current listener, if any, that ``response`` is a 429 and how long it asked to wait."""
    listener = _LISTENER.get()
    if listener is not None and response.status_code == 429:
        listener(parse_retry_after(response.headers.get("retry-after"), now=time.time()))


@contextlib.contextmanager
def listening(listener: RateLimitListener) -> Iterator[None]:
    """Report the 429s of the calls made in this block (this thread or task) to ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
