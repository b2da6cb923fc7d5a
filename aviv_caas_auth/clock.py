"""Clocks: the system's, and a manual one tests (and the local sandbox) can move forward.

Two readings, for two jobs. The *monotonic* one measures lifetimes and waits: it never jumps when
someone sets the wall clock. Python's ``time.monotonic`` stops while the machine sleeps (Linux
``CLOCK_MONOTONIC``, macOS ``mach_absolute_time``), so a laptop that slept through a token's expiry
would keep using it; ``SystemClock`` reads a monotonic clock that counts time asleep where the OS
has one (Linux ``CLOCK_BOOTTIME``, macOS ``CLOCK_MONOTONIC``). The *wall* clock dates expiries so
that processes and hosts can share them, and is what AVIV checks a token against: a token is used
only while both readings say it is valid (see ``tokens.flight.Entry``), and an interval counts as
elapsed as soon as either reading says so (``elapsed_since``).
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol

FROZEN_CLOCK_HEADER = "X-Sandbox-Clock"
"""Sent (``manual``) by the local sandbox on every API answer when its clock is a ``ManualClock``: its
statuses move only when that clock is advanced, so a workflow about to wait for them in real time
fails at once instead (``aviv_caas_auth.workflows.FrozenSandboxClockError``)."""


class Clock(Protocol):
    """A monotonic clock for lifetimes and a wall clock for sharing expiries between processes."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def time(self) -> float:
        """Seconds since the Unix epoch."""
        ...


def _monotonic_counting_sleep() -> Callable[[], float]:
    """The platform's monotonic clock that counts time asleep, else ``time.monotonic``."""
    name = {"linux": "CLOCK_BOOTTIME", "darwin": "CLOCK_MONOTONIC"}.get(sys.platform)
    clock_id = getattr(time, name, None) if name else None
    if clock_id is None:
        return time.monotonic
    try:
        time.clock_gettime(clock_id)
    except OSError:  # pragma: no cover - a kernel without it
        return time.monotonic
    return functools.partial(time.clock_gettime, clock_id)


class SystemClock:
    """The real clocks; ``monotonic`` counts time the machine spent asleep where the OS allows."""

    monotonic = staticmethod(_monotonic_counting_sleep())
    time = staticmethod(time.time)


class ManualClock:
    """A clock that only moves when told to; both readings advance together.

    One instance can drive everything a test needs at once: token lifetimes
    (``create_client(..., clock=clock)``), the workflows' waits (``PollPolicy(clock=clock,
    sleep=clock.advance)``) and the local sandbox (``Sandbox.start(clock=clock)``), which
    ``subscribe``s to hear of every ``advance``.
    """

    def __init__(self, *, monotonic: float = 1_000.0, wall: float = 1_800_000_000.0) -> None:
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._wall = wall
        self._listeners: list[Callable[[], object]] = []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(monotonic={self._monotonic!r}, wall={self._wall!r})"

    def monotonic(self) -> float:
        """Current monotonic reading."""
        return self._monotonic

    def time(self) -> float:
        """Current wall-clock reading."""
        return self._wall

    def advance(self, seconds: float) -> None:
        """Move both clocks forward, then call every subscriber."""
        if not seconds >= 0:
            raise ValueError(f"a clock cannot go backwards (advance({seconds!r}))")
        with self._lock:
            self._monotonic += seconds
            self._wall += seconds
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def subscribe(self, listener: Callable[[], object]) -> None:
        """Call ``listener()`` after every ``advance`` (from the thread that advanced)."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], object]) -> None:
        """Stop calling ``listener`` (nothing happens if it was not subscribed)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


SYSTEM_CLOCK: Clock = SystemClock()

Reading = tuple[float, float]
"""A ``(monotonic, wall)`` reading of a clock (``reading(clock)``)."""


def reading(clock: Clock) -> Reading:
    """Both readings of ``clock`` now."""
    return clock.monotonic(), clock.time()


def elapsed_since(clock: Clock, then: Reading) -> float:
    """Seconds since ``then``: the larger of what the two readings say (so time asleep counts)."""
    return max(clock.monotonic() - then[0], clock.time() - then[1])
