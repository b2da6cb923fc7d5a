"""In-process coordination per (store, key): one refresh at a time, shared by every client in the process.

``asyncio`` is imported where a coroutine first needs it, not with this module: it costs more to
import than the rest of ``aviv_caas_auth``, and a sync-only program never needs it.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aviv_caas_auth.errors import TokenError
from aviv_caas_auth.tokens.policy import Deadlines
from aviv_caas_auth.tokens.token import AccessToken, TokenKey

if TYPE_CHECKING:
    import asyncio


class Entry:
    """A token in use and its deadlines on the monotonic clock (slotted class: see ``policy.Deadlines``)."""

    __slots__ = ("deadlines", "token")

    def __init__(self, token: AccessToken, deadlines: Deadlines) -> None:
        self.token = token
        self.deadlines = deadlines

    def __repr__(self) -> str:
        return f"Entry({self.token!r}, {self.deadlines!r})"


class Slot:
    """What every provider of one (store, key) in this process shares.

    ``lock`` serialises refreshes across threads; coroutines first queue on a per-event-loop
    asyncio lock, so only one of them at a time waits for ``lock`` (in a worker thread, never
    blocking the loop). ``attempts`` counts finished refresh attempts, so callers that waited
    for one can reuse its outcome instead of repeating it.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entry: Entry | None = None
        self.attempts = 0
        self.failure: TokenError | None = None
        self.consecutive_failures = 0
        self.retry_at = float("-inf")
        self.forced_at: float | None = None
        self.rejected: collections.deque[str] = collections.deque(maxlen=8)
        self._gates_lock = threading.Lock()
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def gate(self) -> asyncio.Lock:
        """The asyncio lock of the running event loop."""
        import asyncio  # deferred: see the module docstring

        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            with self._gates_lock:  # loops in other threads may add theirs concurrently
                gate = self._gates.setdefault(loop, asyncio.Lock())
        return gate

    @contextlib.asynccontextmanager
    async def hold_async(self) -> AsyncIterator[None]:
        """Hold ``lock`` from a coroutine without blocking the event loop."""
        async with self.gate():
            await _acquire_in_thread(self.lock)
            try:
                yield
            finally:
                self.lock.release()


async def _acquire_in_thread(lock: threading.Lock) -> None:
    """Acquire a threading lock from a coroutine; waits in a worker thread only when contended."""
    if lock.acquire(blocking=False):
        return
    import asyncio  # deferred: see the module docstring

    waiter = asyncio.ensure_future(asyncio.to_thread(lock.acquire))
    try:
        await asyncio.shield(waiter)
    except asyncio.CancelledError:
        # The thread may still get the lock after we were cancelled: give it back then.
        waiter.add_done_callback(
            lambda done: lock.release() if not done.cancelled() and done.result() else None
        )
        raise


_REGISTRY: dict[int, dict[TokenKey, Slot]] = {}
_REGISTRY_LOCK = threading.Lock()


def slot_for(store: object, key: TokenKey) -> Slot:
    """The process-wide slot of ``key`` in ``store`` (created on first use)."""
    store_id = id(store)
    with _REGISTRY_LOCK:
        slots = _REGISTRY.get(store_id)
        if slots is None:
            slots = _REGISTRY[store_id] = {}
            with contextlib.suppress(TypeError):  # a store that cannot be weakly referenced lives forever
                weakref.finalize(store, _REGISTRY.pop, store_id, None)
        slot = slots.get(key)
        if slot is None:
            slot = slots[key] = Slot()
        return slot
