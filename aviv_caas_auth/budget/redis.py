"""RedisRateBudget: one rate budget for every process on every host, through Redis (sync and asyncio).

Keys, per AVIV client id (as a digest: no client id in any key), under ``<namespace>:budget``:

- the ``limits`` library's moving window, a list of at most ``rate.amount`` timestamps that
  expires with the window (``<namespace>:budget:LIMITER/<digest>/<amount>/<multiples>/<granularity>``);
- ``<namespace>:budget:pause:<digest>``, set for the length of a 429's ``Retry-After`` (PX), only
  ever lengthened; its remaining TTL is the pause, read on Redis's clock, so hosts whose clocks
  differ still pause together.

So a budget costs two keys per client id, however many agencies it serves. Every ``acquire`` reads
the pause and takes a slot (two round trips); a refused one asks when the window frees a slot.

Redis down or too slow (``socket_timeout``, default 2 s) fails the request typed, unsent:
:class:`~aviv_caas_auth.budget.errors.RateBudgetUnavailableError`. There is no silent fallback to
an unshared budget, which would multiply the rate by the number of processes. Connections never
cross a fork (a child opens its own) nor an event loop (one asyncio client per loop, so one
budget serves many ``asyncio.run()`` calls).
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from aviv_caas_auth import forksafe
from aviv_caas_auth.budget.errors import RateBudgetUnavailableError, extra_missing

try:
    import redis
    import redis.asyncio
    from limits import RateLimitItem
    from limits.aio.storage import RedisStorage as AsyncRedisStorage
    from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
    from limits.errors import StorageError
    from limits.storage import RedisStorage
    from limits.strategies import MovingWindowRateLimiter
except ModuleNotFoundError as missing:  # an extra is not installed: say which
    raise extra_missing(missing, "RedisRateBudget", "redis,budget") from None

from aviv_caas_auth.budget.waiting import Budget
from aviv_caas_auth.errors import ConfigurationError

if TYPE_CHECKING:
    import asyncio

DEFAULT_NAMESPACE: Final = "aviv-caas"
DEFAULT_SOCKET_TIMEOUT: Final = 2.0
"""Connect and read timeout: a stuck Redis costs seconds and a typed error, not a hang."""

# Lengthen the pause to ARGV[1] ms from now, never shorten it (PTTL: -2 no key, -1 no expiry).
_PAUSE_LUA: Final = """
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
"""

_UNREACHABLE: Final = (redis.exceptions.RedisError, StorageError, OSError)


class _Sync(NamedTuple):
    client: redis.Redis
    limiter: MovingWindowRateLimiter
    pause: Any  # redis-py's Script


class _Async(NamedTuple):
    client: redis.asyncio.Redis
    limiter: AsyncMovingWindowRateLimiter
    pause: Any  # redis-py's AsyncScript


class RedisRateBudget(Budget):
    """``rate`` requests per window for each AVIV client id, shared through the Redis at ``url``.

    ``RedisRateBudget("redis://redis:6379/0", rate="20/second")``. ``namespace`` prefixes its keys
    (the default is ``RedisTokenStore``'s: one Redis can hold both); ``redis_options`` go to
    ``redis.Redis.from_url`` / ``redis.asyncio.Redis.from_url``. No connection is made here
    (:meth:`check` makes one). The other options are :class:`~aviv_caas_auth.budget.waiting.Budget`'s.
    """

    def __init__(
        self,
        url: str,
        *,
        rate: str | int | RateLimitItem,
        namespace: str = DEFAULT_NAMESPACE,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        redis_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(rate, **options)
        if not isinstance(namespace, str) or not namespace or any(c.isspace() for c in namespace):
            raise ConfigurationError(f"RedisRateBudget namespace must be a non-empty word, got {namespace!r}")
        self._url = url
        self._options = {
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": socket_timeout,
            **(redis_options or {}),
        }
        try:  # checks the URL (no connection); the message never quotes a password
            probe = redis.Redis.from_url(url, **self._options)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"RedisRateBudget: invalid Redis URL or option: {exc}") from None
        from aviv_caas_auth.stores.redis_store import _describe

        self._where = _describe(probe)
        probe.close()
        self.prefix = f"{namespace}:budget"
        self._open()
        forksafe.reset_in_child(self)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisRateBudget:
        """The same as ``RedisRateBudget(url, **options)`` (named like ``RedisTokenStore.from_url``)."""
        return cls(url, **options)

    def _open(self) -> None:
        self._sync: _Sync | None = None
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Async] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def after_fork_in_child(self) -> None:
        """Forget the parent's connections (sync and per event loop); the child opens its own."""
        self._open()

    def __repr__(self) -> str:
        return f"RedisRateBudget({self._where}, {self.rate}, prefix={self.prefix!r})"

    def digest(self, key: str) -> str:
        """The part of the Redis keys that stands for client ``key`` (a digest, not the id)."""
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def pause_key(self, key: str) -> str:
        """The Redis key holding client ``key``'s pause."""
        return f"{self.prefix}:pause:{self.digest(key)}"

    # -- connections --------------------------------------------------------------------------

    def _sync_parts(self) -> _Sync:
        parts = self._sync
        if parts is None:
            with self._lock:
                parts = self._sync
                if parts is None:
                    client = redis.Redis.from_url(self._url, **self._options)
                    storage = RedisStorage(
                        self._url,
                        connection_pool=client.connection_pool,
                        key_prefix=self.prefix,
                        wrap_exceptions=True,
                    )
                    parts = self._sync = _Sync(
                        client, MovingWindowRateLimiter(storage), client.register_script(_PAUSE_LUA)
                    )
        return parts

    def _async_parts(self) -> _Async:
        import asyncio

        loop = asyncio.get_running_loop()
        parts = self._by_loop.get(loop)
        if parts is None:
            client = redis.asyncio.Redis.from_url(self._url, **self._options)
            storage = AsyncRedisStorage(
                self._url,
                implementation="redispy",
                connection_pool=client.connection_pool,  # type: ignore[arg-type] # documented, typed narrowly
                key_prefix=self.prefix,
                wrap_exceptions=True,
            )
            parts = _Async(client, AsyncMovingWindowRateLimiter(storage), client.register_script(_PAUSE_LUA))
            with self._lock:
                parts = self._by_loop.setdefault(loop, parts)
        return parts

    def close(self) -> None:
        """Close the sync connections (the asyncio ones: :meth:`aclose` in their event loop)."""
        with self._lock:
            parts, self._sync = self._sync, None
        if parts is not None:
            parts.client.close()

    async def aclose(self) -> None:
        """Close the running event loop's connections."""
        import asyncio

        with self._lock:
            parts = self._by_loop.pop(asyncio.get_running_loop(), None)
        if parts is not None:
            await parts.client.aclose()

    def check(self) -> None:
        """Raise ``RateBudgetUnavailableError`` unless Redis answers (e.g. when a worker starts)."""
        try:
            self._sync_parts().client.ping()
        except _UNREACHABLE as exc:
            raise self._unavailable(exc) from None

    def paused_for(self, key: str) -> float:
        """Seconds client ``key`` still pauses after a 429, on Redis's clock (0 when it does not)."""
        try:
            left = self._sync_parts().client.pttl(self.pause_key(key))
        except _UNREACHABLE as exc:
            raise self._unavailable(exc) from None
        return max(0, int(left)) / 1000

    # -- primitives ---------------------------------------------------------------------------

    def _take(self, key: str) -> float:
        parts = self._sync_parts()
        digest = self.digest(key)
        try:
            paused = int(parts.client.pttl(self.pause_key(key)))
            if paused > 0:
                return paused / 1000
            if parts.limiter.hit(self.rate, digest):
                return 0.0
            reset = parts.limiter.get_window_stats(self.rate, digest).reset_time
        except _UNREACHABLE as exc:
            raise self._unavailable(exc) from None
        return max(reset - time.time(), 1e-3)

    async def _atake(self, key: str) -> float:
        parts = self._async_parts()
        digest = self.digest(key)
        try:
            paused = int(await parts.client.pttl(self.pause_key(key)))
            if paused > 0:
                return paused / 1000
            if await parts.limiter.hit(self.rate, digest):
                return 0.0
            reset = (await parts.limiter.get_window_stats(self.rate, digest)).reset_time
        except _UNREACHABLE as exc:
            raise self._unavailable(exc) from None
        return max(reset - time.time(), 1e-3)

    def _set_pause(self, key: str, seconds: float) -> None:
        milliseconds = max(1, round(seconds * 1000))
        try:
            self._sync_parts().pause(keys=[self.pause_key(key)], args=[milliseconds])
        except _UNREACHABLE as exc:
            raise self._unavailable(exc) from None

    async def _aset_pause(self, key: str, seconds: float) -> None:
        milliseconds = max(1, round(seconds * 1000))
        try:
            await self._async_parts().pause(keys=[self.pause_key(key)], args=[milliseconds])
        except _UNREACHABLE as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: BaseException) -> RateBudgetUnavailableError:
        cause = exc.storage_error if isinstance(exc, StorageError) else exc
        return RateBudgetUnavailableError(
            f"the shared rate budget's Redis ({self._where}) cannot be used ({type(cause).__name__}: "
            f"{cause}); the request was not sent. Start Redis or fix its URL; a budget of this process "
            "only is MemoryRateBudget (each process then spends the whole rate)"
        )
