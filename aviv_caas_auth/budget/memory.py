"""MemoryRateBudget: the rate budget of one process (its threads, tasks and event loops).

The window is ``limits``' moving window in its memory storage; a pause is a monotonic "not before"
per client id. A forked child starts with an empty budget of its own (a budget in memory is one
process's): to share one between processes, use :class:`~aviv_caas_auth.budget.redis.RedisRateBudget`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from aviv_caas_auth import forksafe
from aviv_caas_auth.budget.errors import extra_missing

try:
    from limits import RateLimitItem
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter
except ModuleNotFoundError as missing:  # the budget extra is not installed: say so
    raise extra_missing(missing, "MemoryRateBudget", "budget") from None

from aviv_caas_auth.budget.waiting import Budget


class MemoryRateBudget(Budget):
    """``rate`` requests per window for each AVIV client id, shared by the callers of this process.

    ``MemoryRateBudget("20/second")``; the other options are :class:`~aviv_caas_auth.budget.waiting.Budget`'s
    (``max_wait``, ``default_pause``, ``sleep``, ``async_sleep``, ``clock``).
    """

    def __init__(self, rate: str | int | RateLimitItem, **options: Any) -> None:
        super().__init__(rate, **options)
        self._open()
        forksafe.reset_in_child(self)

    def _open(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._pauses: dict[str, float] = {}
        self._lock = threading.Lock()

    def after_fork_in_child(self) -> None:
        """A child's budget starts empty, with new locks (the parent's may be held by its threads)."""
        self._open()

    def __repr__(self) -> str:
        return f"MemoryRateBudget({self.rate}, max_wait={self.max_wait:g})"

    def paused_for(self, key: str) -> float:
        """Seconds client ``key`` still pauses after a 429 (0 when it does not)."""
        with self._lock:
            until = self._pauses.get(key, 0.0)
        return max(0.0, until - self._clock.monotonic())

    def _take(self, key: str) -> float:
        paused = self.paused_for(key)
        if paused > 0:
            return paused
        if self._limiter.hit(self.rate, key):
            return 0.0
        reset = self._limiter.get_window_stats(self.rate, key).reset_time
        return max(reset - time.time(), 1e-3)

    async def _atake(self, key: str) -> float:
        return self._take(key)  # memory only: nothing blocks

    def _set_pause(self, key: str, seconds: float) -> None:
        until = self._clock.monotonic() + seconds
        with self._lock:
            self._pauses[key] = max(self._pauses.get(key, 0.0), until)

    async def _aset_pause(self, key: str, seconds: float) -> None:
        self._set_pause(key, seconds)
