"""RetryPolicy: when a request is sent again, and after how long. Decisions only, no I/O.

What is retried (AVIV's gateway answers and network failures that a later attempt can cure):

* the statuses 429, 502, 503 and 504, for methods that are safe to repeat (GET, HEAD, OPTIONS,
  PUT, DELETE): a PUT replaces the classified with the same body (with ``If-Match`` it cannot
  overwrite someone else's change), a DELETE of a deleted classified changes nothing;
* a timeout or a broken connection while the answer was awaited, for the same methods;
* a failure that proves the request never left (could not connect, connect timeout, no free
  connection in the pool), for every method, POST and PATCH included.

POST (creates a classified, attaches a media) and PATCH (a JSON Patch, whose ``add`` to an array
or ``move`` applies twice differently; with ``If-Match`` a replay of an applied patch turns a
success into a 412) are therefore never replayed once they may have reached AVIV.

Waits are exponential with full jitter (``uniform(0, min(max_wait, backoff * 2**n))``), and never
shorter than a ``Retry-After`` the answer asked for (seconds or an HTTP-date). A Retry-After
longer than ``max_wait``, or a wait that would end more than ``max_total`` seconds after the first
attempt started, ends the retries: the caller gets the last answer (a 429 keeps its
``retry_after``) instead of a call that hangs. So does a wait that would end past the caller's
deadline (:mod:`aviv_caas_auth.http.deadline`: a workflow's ``timeout``).

Hand-written rather than built on tenacity, stamina or httpx-retries: see docs/guides/errors.md
("Retries, timeouts and traceparent").
"""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Final

import attrs
import httpx

from aviv_caas_auth.clock import SYSTEM_CLOCK, Clock
from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.http import deadline
from aviv_caas_auth.http.retry_after import parse_retry_after

_log = logging.getLogger("aviv_caas_auth")

RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
"""Answers a later attempt can cure: rate limited, and a gateway that could not reach the API."""

IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods repeated after they may have reached the API (RFC 9110 idempotent methods AVIV uses)."""

NEVER_SENT: Final[tuple[type[httpx.TransportError], ...]] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
"""Failures before a single byte of the request left: repeating is safe for every method."""

MAYBE_SENT: Final[tuple[type[httpx.TransportError], ...]] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)
"""Failures after the request may have reached the API: repeated for idempotent methods only."""


def _methods(methods: Iterable[str]) -> frozenset[str]:
    return frozenset(method.upper() for method in methods)


async def _anyio_sleep(seconds: float) -> None:
    """``anyio.sleep`` (asyncio or trio), imported on first use to keep ``import aviv_caas_auth`` cheap."""
    import anyio

    await anyio.sleep(seconds)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How ``create_client`` retries (``create_client(..., retry=RetryPolicy(...))``; ``retry=None``: never).

    Attributes:
        attempts: at most this many attempts per request, the first one included (1: no retry).
        backoff: the first wait's upper bound, in seconds; each retry doubles it (full jitter).
        max_wait: no single wait is longer; a ``Retry-After`` beyond it ends the retries.
        max_total: no retry starts more than this many seconds after the first attempt started.
        statuses: the answers that are retried (for ``methods`` only).
        methods: the methods retried after they may have reached the API.
        sleep, async_sleep: how to wait (sync and async); inject recorders in tests.
        clock: ``monotonic()`` bounds the total time, ``time()`` reads HTTP-date ``Retry-After``.
        random: a float in [0, 1) for the jitter.

    """

    attempts: int = 4
    backoff: float = 0.5
    max_wait: float = 30.0
    max_total: float = 60.0
    statuses: frozenset[int] = attrs.field(default=RETRY_STATUSES, converter=frozenset)
    methods: frozenset[str] = attrs.field(default=IDEMPOTENT_METHODS, converter=_methods)
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = attrs.field(default=_anyio_sleep, repr=False)
    clock: Clock = attrs.field(default=SYSTEM_CLOCK, repr=False)
    random: Callable[[], float] = attrs.field(default=_random.random, repr=False)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise ConfigurationError(
                "RetryPolicy(attempts=...) must be an integer >= 1 (1 means no retry), got "
                f"{self.attempts!r}; to switch retries off, pass retry=None to create_client"
            )
        for name in ("backoff", "max_wait", "max_total"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ConfigurationError(
                    f"RetryPolicy({name}=...) must be a number of seconds >= 0, got {value!r}"
                )
        unknown = [status for status in self.statuses if not 100 <= status <= 599]
        if unknown:
            raise ConfigurationError(
                f"RetryPolicy(statuses=...) must be HTTP statuses, got {sorted(unknown)}"
            )

    def start(self, request: httpx.Request, *, started: float | None = None) -> Attempts | None:
        """The retry bookkeeping of one request (first sent at monotonic ``started``, default now).

        None when the request cannot be sent twice.
        """
        if self.attempts == 1 or not isinstance(request.stream, httpx.ByteStream):
            return None  # a streamed body is gone once sent
        return Attempts(self, request.method, self.clock.monotonic() if started is None else started)


class Attempts:
    """The attempts of one request so far: decides whether, and after how long, to send it again."""

    __slots__ = ("count", "method", "policy", "started")

    def __init__(self, policy: RetryPolicy, method: str, started: float) -> None:
        self.policy = policy
        self.method = method
        self.started = started
        self.count = 1

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before the next attempt, or None to return ``response``."""
        policy = self.policy
        if response.status_code not in policy.statuses or self.method not in policy.methods:
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=policy.clock.time())
        return self._next(retry_after)

    def after_error(self, error: httpx.TransportError) -> float | None:
        """Seconds to wait before the next attempt, or None to give up with ``error``."""
        if isinstance(error, NEVER_SENT) or (
            isinstance(error, MAYBE_SENT) and self.method in self.policy.methods
        ):
            return self._next(None)
        return None

    def _next(self, retry_after: float | None) -> float | None:
        policy = self.policy
        if self.count >= policy.attempts:
            return None
        if retry_after is not None and retry_after > policy.max_wait:
            return None  # waiting less than asked is pointless; the caller gets the 429 and its retry_after
        ceiling = min(policy.max_wait, policy.backoff * 2.0 ** (self.count - 1))
        wait = policy.random() * ceiling
        if retry_after is not None:
            wait = max(wait, retry_after)
        if policy.clock.monotonic() - self.started + wait > policy.max_total:
            return None
        if not deadline.allows(wait):
            return None  # past the caller's deadline: it gets this outcome now, and decides
        self.count += 1
        return wait


def log_retry(request: httpx.Request, cause: str, wait: float, attempts: Attempts) -> None:
    """Say at INFO that ``request`` is sent again, and why."""
    if _log.isEnabledFor(logging.INFO):
        _log.info(
            "%s %s: %s; attempt %d of %d in %.2f s (traceparent %s)",
            request.method,
            request.url.path,
            cause,
            attempts.count,
            attempts.policy.attempts,
            wait,
            request.headers.get("traceparent"),
        )


DEFAULT_RETRY: Final = RetryPolicy()
"""``create_client``'s default: 4 attempts, waits from 0.5 s doubling, 30 s per wait, 60 s in all."""
