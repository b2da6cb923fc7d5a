"""RateBudget: the interface the transport spends before each API request (and reports 429s to).

AVIV limits the requests of each client id per window, across agencies (intermediary ids) and
API versions. A budget is that limit shared by whoever spends it: the threads and tasks of one
process (:class:`~aviv_caas_auth.budget.memory.MemoryRateBudget`) or every process on every host
(:class:`~aviv_caas_auth.budget.redis.RedisRateBudget`). Besides the window, a budget holds a
"pause until" per client id: when AVIV answers 429 with ``Retry-After`` anyway, everyone sharing
the budget waits that long, not only the caller that got the 429.

Waiting is bounded: ``acquire`` never waits longer than ``timeout`` (default: the budget's
``max_wait``), and raises :class:`~aviv_caas_auth.budget.errors.RateBudgetTimeoutError` as soon as
it knows the wait would be longer, rather than sleeping first.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class RateBudget(Protocol):
    """Room for API requests of one AVIV client id, shared by everyone who uses the same budget."""

    def acquire(self, key: str, *, timeout: float | None = None) -> float:
        """Wait until one request of client ``key`` may be sent, and count it; the seconds waited.

        Raises ``RateBudgetTimeoutError`` if that would take longer than ``timeout`` seconds
        (None: the budget's own bound), ``RateBudgetUnavailableError`` if the budget's storage is down.
        """
        ...

    async def aacquire(self, key: str, *, timeout: float | None = None) -> float:
        """Async :meth:`acquire` (cancellable)."""
        ...

    def pause(self, key: str, seconds: float | None) -> None:
        """AVIV answered 429 for client ``key``: nobody sends for ``seconds`` (None: the budget's default)."""
        ...

    async def apause(self, key: str, seconds: float | None) -> None:
        """Async :meth:`pause`."""
        ...
