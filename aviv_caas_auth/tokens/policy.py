"""When a cached token is refreshed: a proactive window with jitter, a mandatory window, backoff, bounds."""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs


class Deadlines:
    """Points on the monotonic clock where a token's state changes (set once, never changed).

    A plain slotted class, like ``flight.Entry``: they are read on every API call, and attrs (used
    for the public classes) compiles each class's methods at import, about a millisecond each on
    ``import aviv_caas_auth``; a NamedTuple would import fast but read slower.
    """

    __slots__ = ("expires_at", "mandatory_at", "refresh_at")

    def __init__(self, *, refresh_at: float, mandatory_at: float, expires_at: float) -> None:
        self.refresh_at = refresh_at
        """From here one caller refreshes while the others keep using the token (proactive window)."""
        self.mandatory_at = mandatory_at
        """From here callers wait for a new token (mandatory window)."""
        self.expires_at = expires_at
        """From here the token is unusable."""

    def __repr__(self) -> str:
        return (
            f"Deadlines(refresh_at={self.refresh_at!r}, mandatory_at={self.mandatory_at!r}, "
            f"expires_at={self.expires_at!r})"
        )


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"RefreshPolicy.{attribute.name} must be in [0, 1), got {value!r}")


@attrs.frozen
class RefreshPolicy:
    """Windows scale with the token's lifetime: by default the last hour and last 5 minutes of 24 h.

    The proactive window starts at a random point of its first ``jitter`` share, so a fleet of
    processes sharing a token does not refresh at once.
    """

    proactive_fraction: float = attrs.field(default=1 / 24, validator=_fraction)
    mandatory_fraction: float = attrs.field(default=1 / 288, validator=_fraction)
    jitter: float = attrs.field(default=0.5, validator=_fraction)
    min_backoff: float = 1.0
    max_backoff: float = 300.0
    """After a failed token request, the next one waits 1 s, then 2 s, 4 s, ... up to this."""
    max_retry_after: float = 3600.0
    """A ``Retry-After`` of the token endpoint is honoured up to this many seconds."""
    min_forced_refresh_interval: float = 300.0
    """After a 401 forced a new token, another 401 within this many seconds is raised, not refreshed."""
    max_clock_skew: float = 300.0
    """How much later than its lifetime allows a stored token may expire (hosts' clocks differ a little);
    a token expiring further away was written under a wrong clock (or forged) and is not trusted."""
    stuck_refresh_after: float = 300.0
    """Callers waiting for a refresh that has run this long (a stuck store or server) start their own."""
    random: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.mandatory_fraction > self.proactive_fraction:
            raise ValueError("RefreshPolicy.mandatory_fraction must not exceed proactive_fraction")
        if not 0 < self.min_backoff <= self.max_backoff:
            raise ValueError("RefreshPolicy needs 0 < min_backoff <= max_backoff")
        for name in (
            "max_retry_after",
            "min_forced_refresh_interval",
            "max_clock_skew",
            "stuck_refresh_after",
        ):
            if not getattr(self, name) >= 0:
                raise ValueError(f"RefreshPolicy.{name} must be >= 0 seconds")

    def deadlines(self, *, expires_at: float, lifetime: float) -> Deadlines:
        """Deadlines of a token expiring at monotonic ``expires_at`` after a lifetime of ``lifetime``."""
        proactive = lifetime * self.proactive_fraction * (1 - self.jitter * self.random())
        mandatory_at = expires_at - lifetime * self.mandatory_fraction
        return Deadlines(
            refresh_at=min(expires_at - proactive, mandatory_at),
            mandatory_at=mandatory_at,
            expires_at=expires_at,
        )

    def backoff(self, consecutive_failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait before the next token request after ``consecutive_failures`` failures.

        ``retry_after`` (what the token endpoint asked for) lengthens the wait, up to ``max_retry_after``.
        """
        wait = float(
            min(self.max_backoff, self.min_backoff * 2.0 ** min(64, max(0, consecutive_failures - 1)))
        )
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait
