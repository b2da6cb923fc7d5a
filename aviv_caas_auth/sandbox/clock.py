"""The sandbox's clock: it drives token expiry and status progression, and tests move it forward.

The sandbox runs on the clocks of :mod:`aviv_caas_auth.clock` (``monotonic()`` and ``time()``),
plus ``advance(seconds)``:

- ``SystemClock`` (the default): real time, which ``advance`` also moves forward (the admin
  endpoint ``POST /_sandbox/clock``, a test skipping a day).
- ``aviv_caas_auth.ManualClock`` (the pytest fixture's; ``aviv_caas_auth.sandbox.ManualClock`` is
  the same class): frozen, it moves only by ``advance``. Give the same instance to the client
  (``create_client(..., clock=clock)``) and to the workflows (``sandbox.poll_policy()``) and one
  ``advance`` ages tokens and statuses on both sides at once.

``SandboxTime`` is how the sandbox reads whichever it was given: ``now()`` (monotonic seconds)
and ``wall(at)`` (the UTC date of such a reading).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from aviv_caas_auth.clock import SYSTEM_CLOCK, ManualClock
from aviv_caas_auth.sandbox.errors import SandboxError

__all__ = ["Clock", "ManualClock", "SandboxTime", "SystemClock"]


class Clock(Protocol):
    """What a sandbox runs on: an ``aviv_caas_auth`` clock that tests can move forward."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def time(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward at once."""
        ...


class SystemClock:
    """Real time that ``advance`` also moves forward: the sandbox's default clock.

    Its readings are the system's (``aviv_caas_auth.SystemClock``'s) plus every ``advance`` so far.
    """

    def __init__(self) -> None:
        self._advanced = ManualClock(monotonic=0.0, wall=0.0)  # the sum of the advances, and listeners

    def __repr__(self) -> str:
        return f"SystemClock(advanced={self._advanced.monotonic():g} s)"

    def monotonic(self) -> float:
        """The system's monotonic reading, plus the advances."""
        return SYSTEM_CLOCK.monotonic() + self._advanced.monotonic()

    def time(self) -> float:
        """The system's wall clock, plus the advances."""
        return time.time() + self._advanced.time()

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` forward, then call every subscriber."""
        self._advanced.advance(seconds)

    def subscribe(self, listener: Callable[[], object]) -> None:
        """Call ``listener()`` after every ``advance``."""
        self._advanced.subscribe(listener)

    def unsubscribe(self, listener: Callable[[], object]) -> None:
        """Stop calling ``listener``."""
        self._advanced.unsubscribe(listener)


class SandboxTime:
    """The sandbox's reading of its clock (any ``Clock``; refused with a clear error otherwise)."""

    def __init__(self, clock: Clock) -> None:
        missing = [
            name for name in ("monotonic", "time", "advance") if not callable(getattr(clock, name, None))
        ]
        if missing:
            lacks = ", ".join(f"{name}()" for name in missing)
            raise SandboxError(
                f"a sandbox's clock needs monotonic(), time() and advance(seconds); {type(clock).__name__} "
                f"has no {lacks}. Use aviv_caas_auth.ManualClock() (frozen, moved by advance) or leave clock "
                "out (real time, which advance also moves)"
            )
        self.source = clock

    @property
    def moves_by_itself(self) -> bool:
        """False for a ManualClock: it moves only by ``advance``, which it announces to subscribers."""
        return not isinstance(self.source, ManualClock)

    def now(self) -> float:
        """The clock's monotonic reading: when tokens and statuses are due."""
        return self.source.monotonic()

    def wall(self, at: float | None = None) -> datetime:
        """The UTC date of ``at`` (a value of ``now()``), or of now."""
        now = self.source.monotonic()
        return datetime.fromtimestamp(self.source.time() + ((now if at is None else at) - now), UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (a ``ValueError`` for a negative number)."""
        if not seconds >= 0:
            raise ValueError(f"a clock only moves forward; got advance({seconds!r})")
        self.source.advance(seconds)

    def subscribe(self, listener: Callable[[], object]) -> None:
        """Call ``listener()`` after every ``advance``, if the clock tells (otherwise a ticker polls)."""
        subscribe = getattr(self.source, "subscribe", None)
        if callable(subscribe):
            subscribe(listener)

    def unsubscribe(self, listener: Callable[[], object]) -> None:
        """Stop calling ``listener``."""
        unsubscribe = getattr(self.source, "unsubscribe", None)
        if callable(unsubscribe):
            unsubscribe(listener)
