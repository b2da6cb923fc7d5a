"""Where tokens are kept between calls: the TokenStore protocol and the process-wide memory store.

``asyncio`` is imported by the async methods of ``BlockingTokenStore`` when first run, not with
this module (see ``aviv_caas_auth.tokens.flight``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Protocol, runtime_checkable

from aviv_caas_auth import forksafe
from aviv_caas_auth.tokens.token import AccessToken, TokenKey


@runtime_checkable
class TokenStore(Protocol):
    """A place tokens are shared through, keyed by TokenKey.

    ``lock`` guards "check, fetch, write" across processes or hosts (in-process single flight is
    the provider's job); ``discard`` removes a token only if the store still holds that very
    token. The ``a*`` methods are the asyncio equivalents and must not block the event loop.
    """

    def load(self, key: TokenKey) -> AccessToken | None:
        """The stored token for ``key``, or None."""
        ...

    def save(self, key: TokenKey, token: AccessToken) -> None:
        """Store ``token`` for ``key``."""
        ...

    def discard(self, key: TokenKey, token: AccessToken) -> None:
        """Forget ``token`` if it is still the one stored for ``key``."""
        ...

    def lock(self, key: TokenKey) -> AbstractContextManager[object]:
        """Hold ``key`` exclusively across processes while a token is checked, fetched and written."""
        ...

    async def aload(self, key: TokenKey) -> AccessToken | None:
        """Async ``load``."""
        ...

    async def asave(self, key: TokenKey, token: AccessToken) -> None:
        """Async ``save``."""
        ...

    async def adiscard(self, key: TokenKey, token: AccessToken) -> None:
        """Async ``discard``."""
        ...

    def alock(self, key: TokenKey) -> AbstractAsyncContextManager[object]:
        """Async ``lock``."""
        ...


class BlockingTokenStore:
    """Base for stores whose I/O blocks (files): the async methods run the sync ones in a worker thread."""

    def load(self, key: TokenKey) -> AccessToken | None:  # pragma: no cover - abstract
        """The stored token for ``key``, or None."""
        raise NotImplementedError

    def save(self, key: TokenKey, token: AccessToken) -> None:  # pragma: no cover - abstract
        """Store ``token`` for ``key``."""
        raise NotImplementedError

    def discard(self, key: TokenKey, token: AccessToken) -> None:  # pragma: no cover - abstract
        """Forget ``token`` if it is still the one stored for ``key``."""
        raise NotImplementedError

    def lock(self, key: TokenKey) -> AbstractContextManager[object]:  # pragma: no cover - abstract
        """Hold ``key`` exclusively across processes."""
        raise NotImplementedError

    async def aload(self, key: TokenKey) -> AccessToken | None:
        """Async ``load`` in a worker thread."""
        import asyncio  # deferred: see the module docstring

        return await asyncio.to_thread(self.load, key)

    async def asave(self, key: TokenKey, token: AccessToken) -> None:
        """Async ``save`` in a worker thread."""
        import asyncio  # deferred: see the module docstring

        await asyncio.to_thread(self.save, key, token)

    async def adiscard(self, key: TokenKey, token: AccessToken) -> None:
        """Async ``discard`` in a worker thread."""
        import asyncio  # deferred: see the module docstring

        await asyncio.to_thread(self.discard, key, token)

    @contextlib.asynccontextmanager
    async def alock(self, key: TokenKey) -> AsyncIterator[object]:
        """Async ``lock``: acquired and released in worker threads."""
        import asyncio  # deferred: see the module docstring

        manager = self.lock(key)
        entered = await asyncio.to_thread(manager.__enter__)
        try:
            yield entered
        finally:
            await asyncio.to_thread(manager.__exit__, None, None, None)


class MemoryTokenStore:
    """Tokens in this process's memory. The default store is one process-wide instance (``MEMORY_STORE``)."""

    def __init__(self) -> None:
        self._tokens: dict[TokenKey, AccessToken] = {}
        self._mutex = threading.Lock()
        forksafe.reset_in_child(self)

    def after_fork_in_child(self) -> None:
        """Another thread may have held the mutex when the process forked: a new one (tokens are kept)."""
        self._mutex = threading.Lock()

    def load(self, key: TokenKey) -> AccessToken | None:
        """The stored token for ``key``, or None."""
        return self._tokens.get(key)

    def save(self, key: TokenKey, token: AccessToken) -> None:
        """Store ``token`` for ``key``."""
        with self._mutex:
            self._tokens[key] = token

    def discard(self, key: TokenKey, token: AccessToken) -> None:
        """Forget ``token`` if it is still the one stored for ``key``."""
        with self._mutex:
            if self._tokens.get(key) == token:
                del self._tokens[key]

    @contextlib.contextmanager
    def lock(self, key: TokenKey) -> Iterator[object]:
        """Nothing to do: one process, and the provider already serialises refreshes in-process."""
        yield None

    async def aload(self, key: TokenKey) -> AccessToken | None:
        """Async ``load`` (no I/O)."""
        return self.load(key)

    async def asave(self, key: TokenKey, token: AccessToken) -> None:
        """Async ``save`` (no I/O)."""
        self.save(key, token)

    async def adiscard(self, key: TokenKey, token: AccessToken) -> None:
        """Async ``discard`` (no I/O)."""
        self.discard(key, token)

    @contextlib.asynccontextmanager
    async def alock(self, key: TokenKey) -> AsyncIterator[object]:
        """Nothing to do (see ``lock``)."""
        yield None

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={len(self._tokens)})"


MEMORY_STORE = MemoryTokenStore()
