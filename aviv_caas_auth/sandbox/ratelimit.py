"""The sandbox's optional rate limit per AVIV client id, as AVIV's gateway applies one.

``SandboxConfig(rate_limit=R)`` (server CLI: ``--rate-limit R``): at most R API requests per second
for each client id, whatever the agency (intermediary id), environment or API version, in a moving
window (the ``limits`` library's). A request beyond it is answered 429 with ``Retry-After`` (the
whole seconds until the window frees a slot, at least 1) and AVIV's problem body, before anything
else is checked. Token requests are not limited. The window runs on real time, not the sandbox's
clock: a rate is about how fast clients send, and a ``ManualClock`` must not refill it.

What it did, per client id (accepted and refused requests): ``Sandbox.rate_limits()``, and
``GET /_sandbox/rate-limit`` for a sandbox in another process; when each 429 was answered, and
with which ``Retry-After`` (the last 10,000): ``Sandbox.rate_limit_refusals()``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from typing import Any, NamedTuple

from aviv_caas_auth.sandbox.errors import extra_missing

try:
    from limits import RateLimitItemPerSecond
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter
except ModuleNotFoundError as missing:  # the sandbox extra is not installed: say so
    raise extra_missing(missing) from None


MAX_REFUSALS = 10_000
"""Refusals remembered with their time (the counts keep them all)."""


class Refusal(NamedTuple):
    """One 429 of the rate limit: whose, when (``time.time()``), and the ``Retry-After`` it said."""

    client_id: str
    at: float
    retry_after: int


class ClientRateLimit:
    """At most ``per_second`` API requests per second per client id (None: no limit, only counts)."""

    def __init__(self, per_second: int | None) -> None:
        self.per_second = per_second
        self._item = None if per_second is None else RateLimitItemPerSecond(per_second)
        self._limiter = MovingWindowRateLimiter(MemoryStorage()) if per_second is not None else None
        self._accepted: Counter[str] = Counter()
        self._refused: Counter[str] = Counter()
        self._refusals: deque[Refusal] = deque(maxlen=MAX_REFUSALS)
        self._lock = threading.Lock()

    def check(self, client_id: str) -> str | None:
        """Count one API request of ``client_id``: None if it may go on, else its ``Retry-After`` value."""
        if self._limiter is None or self._item is None:
            with self._lock:
                self._accepted[client_id] += 1
            return None
        if self._limiter.hit(self._item, client_id):
            with self._lock:
                self._accepted[client_id] += 1
            return None
        now = time.time()
        reset = self._limiter.get_window_stats(self._item, client_id).reset_time
        retry_after = max(1, math.ceil(reset - now))
        with self._lock:
            self._refused[client_id] += 1
            self._refusals.append(Refusal(client_id, now, retry_after))
        return str(retry_after)

    def refusals(self) -> list[Refusal]:
        """The last 429s it answered, oldest first."""
        with self._lock:
            return list(self._refusals)

    def refused(self) -> dict[str, int]:
        """How many requests were answered 429 by this limit, per client id."""
        with self._lock:
            return dict(self._refused)

    def to_dict(self) -> dict[str, Any]:
        """The limit and, per client id, the requests it let through and those it refused."""
        with self._lock:
            clients = sorted(set(self._accepted) | set(self._refused))
            counts = {c: {"accepted": self._accepted[c], "refused": self._refused[c]} for c in clients}
        return {"perSecond": self.per_second, "clients": counts}
