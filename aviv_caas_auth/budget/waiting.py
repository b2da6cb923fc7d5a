"""What every budget shares: its rate, its bounds, and the waiting loop (sync and async alike).

The window itself is the ``limits`` library's moving window (no limiter algorithm here); a budget
implementation supplies two primitives, sync and async: take a slot (or say how long until one may
be free, a pause included) and set a pause. The loops below only decide how long to sleep, and
give up, typed, as soon as a wait would overrun the caller's timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Final

from aviv_caas_auth.budget.errors import RateBudgetTimeoutError, extra_missing
from aviv_caas_auth.clock import SYSTEM_CLOCK, Clock
from aviv_caas_auth.errors import ConfigurationError

try:
    from limits import RateLimitItem, RateLimitItemPerSecond, parse
except ModuleNotFoundError as missing:  # the budget extra is not installed: say so
    raise extra_missing(missing, "a rate budget", "budget") from None

_log = logging.getLogger("aviv_caas_auth.budget")

DEFAULT_MAX_WAIT: Final = 60.0
"""Seconds a request waits for the budget at most (as long as ``RetryPolicy.max_total``)."""
DEFAULT_PAUSE: Final = 1.0
"""Seconds everyone pauses after a 429 that says no ``Retry-After``."""
DEFAULT_JITTER_MARGIN: Final = 0.1
"""Seconds a waiting request sleeps past the moment a slot frees (see ``Budget``)."""
_MIN_SLEEP: Final = 0.005
"""The shortest sleep between two tries (a slot freeing "now" must not become a busy loop)."""


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # deferred: async callers only

    await anyio.sleep(seconds)


def parse_rate(rate: str | int | RateLimitItem) -> RateLimitItem:
    """``rate`` as a limits item: ``"20/second"``, ``"1000 per 10 minutes"``, or an int (per second)."""
    if isinstance(rate, RateLimitItem):
        return rate
    if isinstance(rate, int) and not isinstance(rate, bool):
        if rate < 1:
            raise ConfigurationError(f"a rate budget's rate must be >= 1 request, got {rate!r}")
        return RateLimitItemPerSecond(rate)
    if isinstance(rate, str):
        try:
            return parse(rate)
        except ValueError:
            pass
    raise ConfigurationError(
        f"a rate budget's rate is a number of requests per second (20) or a string such as '20/second' "
        f"or '1000 per 10 minutes' (the limits library's notation), got {rate!r}"
    )


def _seconds(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ConfigurationError(f"a rate budget's {name} must be a number of seconds >= 0, got {value!r}")
    return float(value)


class Budget:
    """The shared part of :class:`MemoryRateBudget` and :class:`RedisRateBudget` (subclass, don't use).

    ``rate``: the requests allowed per window to each client id. ``max_wait``: seconds one
    ``acquire`` waits at most (a ``timeout`` can only shorten it). ``default_pause``: seconds of a
    pause for a 429 without ``Retry-After``. ``sleep``/``async_sleep``/``clock``: how to wait and
    measure (tests).

    ``jitter_margin``: a request that had to wait sleeps this much past the moment the window frees
    its slot. The window counts requests when they leave; AVIV counts them when they arrive, and a
    request that left one window after another can arrive less than a window after it when the
    network is faster for the second. Without a margin, every window boundary of a saturated budget
    risks a 429 (a full window that leaves at once, then the next); with 0.1 s, jitter below 0.1 s
    never causes one, at the cost of at most 0.1 s per window while the budget is saturated.
    """

    def __init__(
        self,
        rate: str | int | RateLimitItem,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        default_pause: float = DEFAULT_PAUSE,
        jitter_margin: float = DEFAULT_JITTER_MARGIN,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = _anyio_sleep,
        clock: Clock | None = None,
    ) -> None:
        self.rate = parse_rate(rate)
        self.max_wait = _seconds("max_wait", max_wait)
        self.default_pause = _seconds("default_pause", default_pause)
        self.jitter_margin = _seconds("jitter_margin", jitter_margin)
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._clock = SYSTEM_CLOCK if clock is None else clock

    # -- primitives (the storage's I/O) ------------------------------------------------------

    def _take(self, key: str) -> float:
        """Count one request of ``key`` and return 0, or return the seconds until one may fit (> 0)."""
        raise NotImplementedError

    async def _atake(self, key: str) -> float:
        raise NotImplementedError

    def _set_pause(self, key: str, seconds: float) -> None:
        """Make ``key`` wait ``seconds`` from now, unless it already waits longer."""
        raise NotImplementedError

    async def _aset_pause(self, key: str, seconds: float) -> None:
        raise NotImplementedError

    # -- the protocol --------------------------------------------------------------------------

    def acquire(self, key: str, *, timeout: float | None = None) -> float:
        """Wait until one request of client ``key`` fits, and count it; the seconds waited."""
        wait = _Wait(self, key, timeout)
        while (seconds := wait.after(self._take(key))) is not None:
            self._sleep(seconds)
        return wait.waited()

    async def aacquire(self, key: str, *, timeout: float | None = None) -> float:
        """Async :meth:`acquire`."""
        wait = _Wait(self, key, timeout)
        while (seconds := wait.after(await self._atake(key))) is not None:
            await self._async_sleep(seconds)
        return wait.waited()

    def pause(self, key: str, seconds: float | None) -> None:
        """Nobody sends for client ``key`` during ``seconds`` (None: ``default_pause``)."""
        self._set_pause(_checked(key), self._pause_length(key, seconds))

    async def apause(self, key: str, seconds: float | None) -> None:
        """Async :meth:`pause`."""
        await self._aset_pause(_checked(key), self._pause_length(key, seconds))

    def _pause_length(self, key: str, seconds: float | None) -> float:
        length = self.default_pause if seconds is None else max(0.0, float(seconds))
        _log.info(
            "AVIV answered 429 for client %s: every caller sharing this rate budget pauses %.1f s",
            key,
            length,
        )
        return length


def _checked(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ConfigurationError(f"a rate budget's key is an AVIV client id (a non-empty str), got {key!r}")
    return key


class _Wait:
    """One ``acquire``: how long it has waited, and whether it may wait more."""

    __slots__ = ("budget", "key", "limit", "started")

    def __init__(self, budget: Budget, key: str, timeout: float | None) -> None:
        self.budget = budget
        self.key = _checked(key)
        self.limit = budget.max_wait if timeout is None else min(budget.max_wait, max(0.0, float(timeout)))
        self.started = budget._clock.monotonic()

    def waited(self) -> float:
        return self.budget._clock.monotonic() - self.started

    def after(self, needed: float) -> float | None:
        """The next sleep when ``needed`` seconds remain before a slot (None: the slot was taken)."""
        if needed <= 0:
            return None
        waited = self.waited()
        if waited + needed > self.limit:
            raise RateBudgetTimeoutError(
                f"no room in the rate budget of client {self.key} within {self.limit:g} s (waited "
                f"{waited:.2f} s, {needed:.2f} s more needed: its window is full or a 429 paused it); the "
                "request was not sent. Lower the concurrency, raise the budget's max_wait, or send later",
                key=self.key,
                waited=waited,
                needed=needed,
            )
        sleep = max(min(needed + self.budget.jitter_margin, self.limit - waited), _MIN_SLEEP)
        _log.debug("rate budget of client %s: waiting %.3f s", self.key, sleep)
        return sleep
