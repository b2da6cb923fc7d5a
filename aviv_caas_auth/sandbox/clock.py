"""The sandbox's clock: it drives token expiry and status progression, and tests can advance it."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock(ABC):
    """Monotonic seconds (``now()``) mapped onto UTC wall time (``wall()``).

    ``advance(seconds)`` moves the clock forward at once (tokens expire, statuses progress) and
    tells every subscriber, so a test never sleeps.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError(
                "the clock's start must be timezone-aware, e.g. datetime(2025, 1, 1, tzinfo=UTC)"
            )
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    @property
    @abstractmethod
    def realtime(self) -> bool:
        """True when the clock also moves by itself, with real time."""

    @abstractmethod
    def _elapsed(self) -> float:
        """Seconds that passed by themselves since the clock was made."""

    def now(self) -> float:
        """Seconds since the clock was made (real time if ``realtime``, plus every ``advance``)."""
        with self._lock:
            return self._elapsed() + self._offset

    def wall(self, at: float | None = None) -> datetime:
        """The UTC wall time of ``at`` (a value of ``now()``), or of now."""
        return self._start + timedelta(seconds=self.now() if at is None else at)

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward, notify subscribers, and return the new ``now()``."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward; got advance({seconds})")
        with self._lock:
            self._offset += seconds
            listeners = list(self._listeners)
        for listener in listeners:
            listener()
        return self.now()

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every ``advance``."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        """Stop calling ``listener``."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


class ManualClock(Clock):
    """A frozen clock that moves only by ``advance``: deterministic tests (the pytest fixture's)."""

    @property
    def realtime(self) -> bool:
        """Never: only ``advance`` moves it."""
        return False

    def _elapsed(self) -> float:
        return 0.0


class SystemClock(Clock):
    """Real monotonic time, plus whatever ``advance`` added (the server's default)."""

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(start)
        self._origin = time.monotonic()

    @property
    def realtime(self) -> bool:
        """Always: it follows ``time.monotonic``."""
        return True

    def _elapsed(self) -> float:
        return time.monotonic() - self._origin
