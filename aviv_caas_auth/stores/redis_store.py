"""RedisTokenStore: one token shared by the processes of several hosts through Redis (sync and asyncio).

Keys: ``<namespace>:token:<key digest>`` holds the JSON record (``token_record``) and expires with
the token (PX = remaining lifetime); ``<namespace>:lock:<key digest>`` is redis-py's lock (SET NX PX,
owner-checked release), so a refresh happens once across hosts and a dead holder's lock expires
after ``lock_ttl``. No client id or secret in any key or value.

Redis down or timing out never fails a call: reads find nothing, writes and deletes are skipped,
the lock is skipped, so the caller fetches its own token and keeps it in memory. That is logged
once per outage (a warning when Redis becomes unreachable, an INFO line when it is back); every call
tries Redis again, so sharing resumes by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Final

try:
    import redis
    import redis.asyncio
except ImportError as exc:  # pragma: no cover - depends on the installation
    from aviv_caas_auth.extras import install_command

    raise ImportError(f"RedisTokenStore needs redis-py: {install_command('redis')}") from exc

from aviv_caas_auth import forksafe
from aviv_caas_auth.clock import SYSTEM_CLOCK, Clock
from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.stores.record import InvalidRecord, decode, encode
from aviv_caas_auth.tokens.token import AccessToken, TokenKey

_log = logging.getLogger("aviv_caas_auth")

DEFAULT_NAMESPACE: Final = "aviv-caas"
DEFAULT_LOCK_TTL: Final = 60.0
"""Seconds a lock lives unless released: longer than a token request under the default timeouts."""
DEFAULT_LOCK_TIMEOUT: Final = 65.0
"""Seconds to wait for the lock: longer than ``DEFAULT_LOCK_TTL``, so waiters outlive a dead holder's lock."""
DEFAULT_SOCKET_TIMEOUT: Final = 2.0
"""Connect and read timeout of the clients ``from_url`` makes: a stuck Redis costs seconds, not a hang."""

# Delete the record only if it still holds the token that was rejected (compare-and-delete).
_DISCARD_LUA: Final = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, record = pcall(cjson.decode, raw)
if ok and type(record) == 'table' and record['access_token'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

_UNREACHABLE: Final = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class RedisTokenStore:
    """Tokens in Redis, shared by processes on any number of hosts.

    Build it with ``RedisTokenStore.from_url("redis://host:6379/0")`` (sync and asyncio clients with
    short timeouts), or pass your own ``client`` (``redis.Redis``) and/or ``async_client``
    (``redis.asyncio.Redis``). With only ``client``, the async methods run it in worker threads;
    with only ``async_client``, the sync methods fail (the provider logs it and goes on unshared).
    """

    def __init__(
        self,
        client: redis.Redis | None = None,
        async_client: redis.asyncio.Redis | None = None,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        lock_ttl: float = DEFAULT_LOCK_TTL,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        clock: Clock | None = None,
    ) -> None:
        if client is None and async_client is None:
            raise ConfigurationError(
                "RedisTokenStore needs a Redis client: RedisTokenStore.from_url('redis://host:6379/0'), "
                "or RedisTokenStore(client=redis.Redis(...), async_client=redis.asyncio.Redis(...))"
            )
        _check_clients(client, async_client)
        if not namespace or any(c.isspace() for c in namespace):
            raise ConfigurationError(f"RedisTokenStore namespace must be a non-empty word, got {namespace!r}")
        for name, value in (("lock_ttl", lock_ttl), ("lock_timeout", lock_timeout)):
            if not value > 0:
                raise ConfigurationError(f"RedisTokenStore {name} must be > 0 seconds, got {value!r}")
        self.namespace = namespace
        self.lock_ttl = float(lock_ttl)
        self.lock_timeout = float(lock_timeout)
        self._client = client
        self._async_client = async_client
        self._async_factory: Callable[[], redis.asyncio.Redis] | None = None
        self._async_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._clock = SYSTEM_CLOCK if clock is None else clock
        self._where = _describe(client if client is not None else async_client)
        self._outage = _Outage(self._where)
        forksafe.reset_in_child(self)

    def after_fork_in_child(self) -> None:
        """Forget the asyncio clients made per event loop: their connections are the parent's.

        (redis-py's sync pool checks the process id itself; a client you passed is yours.)
        """
        if self._async_factory is not None:
            self._async_by_loop = weakref.WeakKeyDictionary()
        self._outage = _Outage(self._where)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        lock_ttl: float = DEFAULT_LOCK_TTL,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        clock: Clock | None = None,
        **redis_options: Any,
    ) -> RedisTokenStore:
        """A store on the Redis at ``url`` (``redis://``, ``rediss://`` or ``unix://``), sync and asyncio.

        ``redis_options`` go to ``redis.Redis.from_url`` and ``redis.asyncio.Redis.from_url``. No
        connection is made here: an unreachable Redis is handled (and logged) when first used.
        """
        options = {
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": socket_timeout,
            **redis_options,
        }
        try:
            client = redis.Redis.from_url(url, **options)
        except ValueError as exc:  # the message names the bad scheme or option, never the password
            raise ConfigurationError(f"RedisTokenStore.from_url: invalid Redis URL: {exc}") from None
        store = cls(client, namespace=namespace, lock_ttl=lock_ttl, lock_timeout=lock_timeout, clock=clock)
        # asyncio clients belong to one event loop: make one per loop (asyncio.run() makes a new loop).
        store._async_factory = lambda: redis.asyncio.Redis.from_url(url, **options)
        return store

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._where}, namespace={self.namespace!r})"

    @property
    def supports_sync(self) -> bool:
        """Whether the sync methods work (it has a sync client).

        Token refreshes then run in a thread of the provider's; with only an asyncio client, they
        run on the calling coroutine's event loop.
        """
        return self._client is not None

    def token_key(self, key: TokenKey) -> str:
        """The Redis key holding the token of ``key``."""
        return f"{self.namespace}:token:{key.digest}"

    def lock_key(self, key: TokenKey) -> str:
        """The Redis key of the lock of ``key``."""
        return f"{self.namespace}:lock:{key.digest}"

    def close(self) -> None:
        """Close the sync client's connections (the async ones close with their event loop)."""
        if self._client is not None:
            self._client.close()

    # -- shared logic -------------------------------------------------------------------------

    def _decoded(self, key: TokenKey, raw: object) -> AccessToken | None:
        if raw is None:
            return None
        try:
            return decode(key, raw if isinstance(raw, bytes | str) else str(raw))
        except InvalidRecord as exc:
            _log.warning(
                "ignoring the token record at %s in %s: %s; the next token fetched will replace it",
                self.token_key(key),
                self._where,
                exc,
            )
            return None

    def _ttl_ms(self, token: AccessToken) -> int:
        return int((token.expires_at - self._clock.time()) * 1000)

    def _lock_timed_out(self) -> None:
        _log.warning(
            "waited %g s for another process's token refresh (lock in %s); refreshing without it",
            self.lock_timeout,
            self._where,
        )

    def _lock_lost(self, exc: redis.exceptions.LockError) -> None:
        _log.warning(
            "the token lock in %s expired before the refresh ended (%s); raise lock_ttl (now %g s) "
            "if this recurs",
            self._where,
            exc,
            self.lock_ttl,
        )

    def _sync(self) -> redis.Redis:
        if self._client is None:
            raise ConfigurationError(
                "this RedisTokenStore has only an asyncio client; pass client=redis.Redis(...) too "
                "(or use RedisTokenStore.from_url) to use it from sync code"
            )
        return self._client

    def _async(self) -> redis.asyncio.Redis | None:
        if self._async_client is not None:
            return self._async_client
        if self._async_factory is None:
            return None  # sync client only: the async methods run it in a worker thread
        loop = asyncio.get_running_loop()
        client = self._async_by_loop.get(loop)
        if client is None:
            client = self._async_by_loop[loop] = self._async_factory()
        return client

    # -- sync ---------------------------------------------------------------------------------

    def load(self, key: TokenKey) -> AccessToken | None:
        """The stored token for ``key``; None if there is none, it is unusable, or Redis is unreachable."""
        client = self._sync()
        try:
            raw = client.get(self.token_key(key))
        except _UNREACHABLE as exc:
            self._outage.failed(exc)
            return None
        self._outage.succeeded()
        return self._decoded(key, raw)

    def save(self, key: TokenKey, token: AccessToken) -> None:
        """Store ``token`` for ``key`` until it expires (skipped while Redis is unreachable)."""
        client = self._sync()
        ttl = self._ttl_ms(token)
        if ttl <= 0:
            return  # already expired: nothing worth sharing
        try:
            client.set(self.token_key(key), encode(key, token), px=ttl)
        except _UNREACHABLE as exc:
            self._outage.failed(exc)
            return
        self._outage.succeeded()

    def discard(self, key: TokenKey, token: AccessToken) -> None:
        """Delete the record of ``key`` if it still holds ``token`` (atomically, in a Lua script)."""
        client = self._sync()
        try:
            client.register_script(_DISCARD_LUA)(keys=[self.token_key(key)], args=[token.value])
        except _UNREACHABLE as exc:
            self._outage.failed(exc)
            return
        self._outage.succeeded()

    @contextlib.contextmanager
    def lock(self, key: TokenKey) -> Iterator[object]:
        """Hold the key's Redis lock (bounded wait); without Redis, or after the wait, go on unlocked."""
        client = self._sync()
        lock = client.lock(
            self.lock_key(key), timeout=self.lock_ttl, blocking_timeout=self.lock_timeout, thread_local=False
        )
        acquired = False
        try:
            acquired = bool(lock.acquire())
        except _UNREACHABLE as exc:
            self._outage.failed(exc)
        else:
            self._outage.succeeded()
            if not acquired:
                self._lock_timed_out()
        try:
            yield None
        finally:
            if acquired:
                try:
                    lock.release()
                except redis.exceptions.LockError as exc:
                    self._lock_lost(exc)
                except _UNREACHABLE as exc:  # the lock expires by itself
                    self._outage.failed(exc)

    # -- asyncio ------------------------------------------------------------------------------

    async def aload(self, key: TokenKey) -> AccessToken | None:
        """Async ``load``."""
        client = self._async()
        if client is None:
            return await asyncio.to_thread(self.load, key)
        try:
            raw = await client.get(self.token_key(key))
        except _UNREACHABLE as exc:
            self._outage.failed(exc)
            return None
        self._outage.succeeded()
        return self._decoded(key, raw)

    async def asave(self, key: TokenKey, token: AccessToken) -> None:
        """Async ``save``."""
        client = self._async()
        if client is None:
            return await asyncio.to_thread(self.save, key, token)
        ttl = self._ttl_ms(token)
        if ttl <= 0:
            return
        try:
            await client.set(self.token_key(key), encode(key, token), px=ttl)
        except _UNREACHABLE as exc:
            self._outage.failed(exc)
            return
        self._outage.succeeded()

    async def adiscard(self, key: TokenKey, token: AccessToken) -> None:
        """Async ``discard``."""
        client = self._async()
        if client is None:
            return await asyncio.to_thread(self.discard, key, token)
        try:
            await client.register_script(_DISCARD_LUA)(keys=[self.token_key(key)], args=[token.value])
        except _UNREACHABLE as exc:
            self._outage.failed(exc)
            return
        self._outage.succeeded()

    @contextlib.asynccontextmanager
    async def alock(self, key: TokenKey) -> AsyncIterator[object]:
        """Async ``lock``: waits with asyncio sleeps, never blocking the event loop."""
        client = self._async()
        if client is None:
            async with _in_threads(self.lock(key)):
                yield None
            return
        lock = client.lock(
            self.lock_key(key), timeout=self.lock_ttl, blocking_timeout=self.lock_timeout, thread_local=False
        )
        acquired = False
        try:
            acquired = bool(await lock.acquire())
        except _UNREACHABLE as exc:
            self._outage.failed(exc)
        else:
            self._outage.succeeded()
            if not acquired:
                self._lock_timed_out()
        try:
            yield None
        finally:
            if acquired:
                try:
                    await lock.release()
                except redis.exceptions.LockError as exc:
                    self._lock_lost(exc)
                except _UNREACHABLE as exc:
                    self._outage.failed(exc)


class _Outage:
    """Whether Redis is reachable, so an outage is logged once when it starts and once when it ends."""

    def __init__(self, where: str) -> None:
        self._where = where
        self._down = False
        self._mutex = threading.Lock()

    def failed(self, exc: BaseException) -> None:
        """A Redis call failed for lack of Redis."""
        with self._mutex:
            first, self._down = not self._down, True
        if first:
            _log.warning(
                "Redis token store %s is unreachable (%s: %s); tokens are fetched directly and kept in "
                "this process's memory until it is back",
                self._where,
                type(exc).__name__,
                exc,
            )

    def succeeded(self) -> None:
        """A Redis call went through."""
        if not self._down:
            return
        with self._mutex:
            was_down, self._down = self._down, False
        if was_down:
            _log.info("Redis token store %s is reachable again; tokens are shared again", self._where)


@contextlib.asynccontextmanager
async def _in_threads(manager: contextlib.AbstractContextManager[object]) -> AsyncIterator[object]:
    """Enter and exit a blocking context manager in worker threads."""
    entered = await asyncio.to_thread(manager.__enter__)
    try:
        yield entered
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)


def _check_clients(client: object, async_client: object) -> None:
    """ConfigurationError unless ``client`` is a sync and ``async_client`` an asyncio redis-py client."""
    for name, value, wanted, other, expected in (
        ("client", client, redis.Redis, redis.asyncio.Redis, "redis.Redis"),
        ("async_client", async_client, redis.asyncio.Redis, redis.Redis, "redis.asyncio.Redis"),
    ):
        if value is None or isinstance(value, wanted):
            continue
        if isinstance(value, str):  # the URL itself (never echoed when it may hold a password)
            url = repr(value) if "@" not in value else "url"
            fix = f"to connect to a URL, use RedisTokenStore.from_url({url})"
        elif isinstance(value, other):
            fix = f"pass it as {'async_client' if name == 'client' else 'client'}=..."
        else:
            fix = "or build the store with RedisTokenStore.from_url('redis://host:6379/0')"
        raise ConfigurationError(
            f"RedisTokenStore({name}=...) takes a {expected}, not a {type(value).__name__}: {fix}"
        )


def _describe(client: redis.Redis | redis.asyncio.Redis | None) -> str:
    """Where a client connects, for messages: host:port/db or the socket path (never credentials)."""
    if client is None:  # pragma: no cover - the constructor refuses this
        return "redis"
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"redis unix:{kwargs['path']} db {kwargs.get('db', 0)}"
    return f"redis {kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
