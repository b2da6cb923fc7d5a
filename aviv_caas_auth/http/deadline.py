"""The caller's deadline: the instant by which whatever waits on the caller's behalf must have given up.

A workflow with a ``timeout`` (``wait_for_status``, ``publish``, ``publish_many``,
``iter_classifieds``) makes its calls :func:`within` its :class:`Deadline`; the transport's retry
loop asks :func:`allows` before each wait, so a retry whose wait would end past the deadline is not
taken (the caller gets the last answer, and the workflow raises its timeout error). Any code that
waits for the caller (a rate budget, a pause) can ask the same: :func:`remaining` is the time left.

It is a context variable, like :mod:`aviv_caas_auth.http.pacing`'s listener: it follows the
thread or task that set it (and tasks created inside the block) and nobody else. Deadlines nest;
the earliest one counts. Without one, asking costs one context-variable read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from aviv_caas_auth.clock import SYSTEM_CLOCK, Clock
from aviv_caas_auth.errors import ConfigurationError


class Deadline:
    """An instant on a clock's monotonic reading (slotted: one is made per workflow call)."""

    __slots__ = ("at", "clock")

    def __init__(self, at: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.at = at
        self.clock = clock

    @classmethod
    def after(cls, seconds: float, clock: Clock = SYSTEM_CLOCK) -> Deadline:
        """The deadline ``seconds`` from now on ``clock``."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds != seconds:
            raise ConfigurationError(f"a deadline is a number of seconds, got {seconds!r}")
        return cls(clock.monotonic() + seconds, clock)

    def remaining(self) -> float:
        """Seconds left (negative once it has passed)."""
        return self.at - self.clock.monotonic()

    def allows(self, wait: float) -> bool:
        """Whether a wait of ``wait`` seconds starting now ends by the deadline."""
        return wait <= self.remaining()

    def __repr__(self) -> str:
        return f"Deadline(in {self.remaining():.3f} s)"


_DEADLINES: ContextVar[tuple[Deadline, ...]] = ContextVar("aviv_caas_auth_deadlines", default=())


def remaining() -> float | None:
    """Seconds left before the earliest deadline of the current context (None: there is none)."""
    deadlines = _DEADLINES.get()
    if not deadlines:
        return None
    return min(deadline.remaining() for deadline in deadlines)


def allows(wait: float) -> bool:
    """Whether a wait of ``wait`` seconds starting now ends by every deadline of the current context."""
    return all(deadline.allows(wait) for deadline in _DEADLINES.get())


@contextlib.contextmanager
def within(deadline: Deadline | None) -> Iterator[None]:
    """Make the calls of this block (this thread or task) respect ``deadline`` (None: no new one)."""
    if deadline is None:
        yield
        return
    token = _DEADLINES.set((*_DEADLINES.get(), deadline))
    try:
        yield
    finally:
        _DEADLINES.reset(token)
