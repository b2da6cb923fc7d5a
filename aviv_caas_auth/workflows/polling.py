"""PollPolicy: how often a workflow asks again, how it waits, and on which clock. Decisions only."""

from __future__ import annotations

import random as _random
import time
from collections.abc import Awaitable, Callable, Iterator

import attrs

from aviv_caas_auth.clock import SYSTEM_CLOCK, Clock
from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.http.retry import _anyio_sleep


@attrs.frozen(kw_only=True)
class PollPolicy:
    """How the workflows poll and pause (``wait_for_status.sync(..., poll=PollPolicy(first=0.2))``).

    Attributes:
        first: seconds before the second poll (the first one is immediate).
        factor: each interval is this many times the previous one (exponential backoff)...
        max_interval: ...up to this many seconds.
        jitter: each interval is multiplied by a random factor in ``[1 - jitter, 1 + jitter]``, so
            that many waits started together spread out.
        rate_limit_wait: the pause after a 429 that gave no ``Retry-After``.
        sleep, async_sleep: how to wait (sync and async); inject recorders in tests.
        clock: its ``monotonic()`` measures timeouts.
        random: a float in [0, 1) for the jitter.

    """

    first: float = 0.5
    factor: float = 1.5
    max_interval: float = 10.0
    jitter: float = 0.1
    rate_limit_wait: float = 1.0
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = attrs.field(default=_anyio_sleep, repr=False)
    clock: Clock = attrs.field(default=SYSTEM_CLOCK, repr=False)
    random: Callable[[], float] = attrs.field(default=_random.random, repr=False)

    def __attrs_post_init__(self) -> None:
        for name in ("first", "max_interval", "rate_limit_wait"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ConfigurationError(
                    f"PollPolicy({name}=...) must be a number of seconds >= 0, got {value!r}"
                )
        if isinstance(self.factor, bool) or not isinstance(self.factor, int | float) or not self.factor >= 1:
            raise ConfigurationError(f"PollPolicy(factor=...) must be a number >= 1, got {self.factor!r}")
        if (
            isinstance(self.jitter, bool)
            or not isinstance(self.jitter, int | float)
            or not 0 <= self.jitter < 1
        ):
            raise ConfigurationError(f"PollPolicy(jitter=...) must be in [0, 1), got {self.jitter!r}")

    def sleeps_in_real_time(self, *, asynchronous: bool) -> bool:
        """Whether its waits (``async_sleep`` or ``sleep``) are the real ones, which move no clock."""
        return (self.async_sleep is _anyio_sleep) if asynchronous else (self.sleep is time.sleep)

    def intervals(self) -> Iterator[float]:
        """The waits between polls: ``first``, then ``factor`` times more each time, capped, jittered."""
        interval = self.first
        while True:
            spread = 1 + self.jitter * (2 * self.random() - 1)
            yield min(self.max_interval, interval) * spread
            interval = min(self.max_interval, interval * self.factor)


def _number(value: object) -> float:
    """``value`` if it is a real number (not a bool), else NaN (which every comparison rejects)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float("nan")
    return float(value)


DEFAULT_POLL = PollPolicy()
"""The policy used when a workflow is given none."""


def timeout_seconds(timeout: float, what: str = "timeout") -> float:
    """``timeout`` checked: a number of seconds > 0."""
    if not _number(timeout) > 0:
        raise ConfigurationError(f"{what} must be a number of seconds > 0, got {timeout!r}")
    return float(timeout)
