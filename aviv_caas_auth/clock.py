"""Clocks: the system's, and a manual one tests (and the local sandbox) can move forward."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """A monotonic clock for lifetimes and a wall clock for sharing expiries between processes."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def time(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    """The real clocks."""

    monotonic = staticmethod(time.monotonic)
    time = staticmethod(time.time)


class ManualClock:
    """A clock that only moves when told to; both readings advance together."""

    def __init__(self, *, monotonic: float = 1_000.0, wall: float = 1_800_000_000.0) -> None:
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._wall = wall

    def monotonic(self) -> float:
        """Current monotonic reading."""
        return self._monotonic

    def time(self) -> float:
        """Current wall-clock reading."""
        return self._wall

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._monotonic += seconds
            self._wall += seconds


SYSTEM_CLOCK: Clock = SystemClock()
