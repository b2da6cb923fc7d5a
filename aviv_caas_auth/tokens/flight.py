"""In-process coordination per (store, key): one refresh in flight, shared by every caller, owned by none.

A refresh is a ``Flight``. The caller that finds none starts it; every other caller *joins* it.
Nobody runs it in their own stead: a library-owned daemon thread drives it, with sync I/O (the
token request through the provider's sync HTTP stack, the store's sync methods). Callers only
wait for the outcome, each with its own deadline: a thread blocks on it, a coroutine awaits a
future the flight wakes through ``call_soon_threadsafe``, so the event loop never waits for the
answer. (Once per refresh, the coroutine that starts the thread gives it a head start of at most
``HEAD_START`` to send the token request: see ``Flight.give_head_start``.) No caller's timeout,
cancellation, event loop or exit can stop a refresh that was sent: its answer lands and is
adopted, and the next caller gets it. No lock is held across I/O or a wait.

Only when the provider cannot do sync I/O (an async-only transport or token store of the user's,
bound to event loops) does a coroutine start the flight as a task of its own event loop. Such a
flight lives and dies with that loop: waiters elsewhere count it hopeless as soon as the loop is
closed or is not running (``asyncio.run()`` ended, a loop left idle between
``run_until_complete`` calls), drop it and start their own (see ``Flight.hopeless``).

A flight always lands: with a token, an error, or "abandoned" when its runner went away without
an outcome (an event loop closed under it, a forked child where it does not exist). Waiters also
notice a runner that can no longer land, or a flight stuck past
``RefreshPolicy.stuck_refresh_after``, drop it, and the next caller starts anew.

After ``os.fork()`` the child forgets its parent's flights and replaces the locks (see
``aviv_caas_auth.forksafe``): the thread driving the parent's refresh does not exist in the child.
The cached token is kept: it is as valid in the child as in the parent. A refresh the parent had
in flight still counts as one in the proactive window (``Slot.parent_refreshing``): the child uses
the valid token rather than send a token request of its own, until the mandatory window.

``asyncio`` is imported where a coroutine first needs it, not with this module: it costs more to
import than the rest of ``aviv_caas_auth``, and a sync-only program never needs it.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import copy
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from aviv_caas_auth import forksafe
from aviv_caas_auth.clock import Reading
from aviv_caas_auth.errors import TokenError
from aviv_caas_auth.tokens.policy import Deadlines
from aviv_caas_auth.tokens.token import AccessToken, TokenKey

if TYPE_CHECKING:
    import asyncio

HEAD_START = 0.005
"""Seconds the coroutine starting a refresh thread blocks at most, so that the token request is sent first."""
POLL_INTERVAL = 1.0
"""Seconds between a waiter's checks that the flight it waits for can still land (wake-ups are immediate)."""


class Entry:
    """A token in use and its deadlines on the monotonic clock (slotted class: see ``policy.Deadlines``).

    ``skew`` maps the wall clock onto the monotonic one (the token's wall-clock expiry minus its
    monotonic one): a wall reading ``w`` stands for the monotonic instant ``w - skew``. The token's
    *now* is the later of the two (``now``), so a token is used only while both clocks agree it is
    valid: the monotonic clock ignores a wall clock set back, the wall clock catches time the
    monotonic clock did not count (a suspended machine, a paused VM).
    """

    __slots__ = ("deadlines", "skew", "token")

    def __init__(self, token: AccessToken, deadlines: Deadlines) -> None:
        self.token = token
        self.deadlines = deadlines
        self.skew = token.expires_at - deadlines.expires_at

    def now(self, monotonic: float, wall: float) -> float:
        """The current instant on this token's monotonic axis."""
        return max(monotonic, wall - self.skew)

    def __repr__(self) -> str:
        return f"Entry({self.token!r}, {self.deadlines!r})"


class Flight:
    """One refresh in progress: a token, an error or nothing (abandoned) when it lands.

    ``runner`` is the thread driving it (``drive_in_thread``), or the thread of ``loop``, the event
    loop whose task drives it (None: a thread does). Thread-safe: it lands in one thread and is
    awaited from any other.
    """

    def __init__(self, *, stuck_after: float) -> None:
        self.started = time.monotonic()  # the real clock: a stuck flight is stuck in real time
        self.stuck_after = stuck_after
        self.pid = os.getpid()
        self.runner = threading.current_thread()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None
        self._landed = threading.Event()
        self._sent = threading.Event()
        self._token: AccessToken | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._waiters: dict[asyncio.Future[bool], asyncio.AbstractEventLoop] = {}
        self._polled: set[asyncio.AbstractEventLoop] = set()

    def __repr__(self) -> str:
        state = "landed" if self._landed.is_set() else "in flight"
        return f"<Flight {state}, {time.monotonic() - self.started:.1f} s, run by {self.runner.name}>"

    @property
    def landed(self) -> bool:
        """Whether it has an outcome (a token, an error, or abandoned)."""
        return self._landed.is_set()

    def land(self, token: AccessToken | None = None, error: BaseException | None = None) -> None:
        """Publish the outcome (both None: abandoned) and wake every waiter; only the first call counts."""
        with self._lock:
            if self._landed.is_set():
                return
            self._token, self._error = token, error
            self._landed.set()
            self._sent.set()
            waiters, self._waiters = self._waiters, {}
        _wake_all(waiters, True)

    def drive_in_thread(self, run: Callable[[], None], *, name: str) -> bool:
        """Run ``run`` (which lands this flight) in a new daemon thread, in a copy of the caller's context.

        The thread belongs to the library: no caller's cancellation, event loop or exit stops it,
        and as a daemon it never delays the interpreter's exit. False if no thread could be started
        (the interpreter is shutting down, or the OS refuses): the caller drives it another way.
        """
        thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), name=name, daemon=True)
        try:
            thread.start()
        except RuntimeError:
            return False
        self.runner = thread
        return True

    def trace(self, event: str, info: object) -> None:
        """The token request's ``trace`` extension (httpcore calls it): notes when the request is sent."""
        if event.endswith((".send_request_body.complete", ".send_request_body.failed")):
            self._sent.set()

    def give_head_start(self) -> None:
        """Block until the token request is sent or the flight lands, ``HEAD_START`` at most.

        For the coroutine that started the refresh thread, once per refresh. An event loop busy
        with other coroutines keeps Python's interpreter lock, and the thread waits up to the
        switch interval (5 ms) to take it back after each socket call: under 1,000 coroutines
        starting their calls, the token request left 15 to 50 ms late (issue 21). Sent on a
        transport that does not report it (not httpcore's): until it lands, ``HEAD_START`` at most.
        """
        self._sent.wait(HEAD_START)

    def hopeless(self) -> bool:
        """Whether it can no longer land by itself: its runner is gone, or it is stuck.

        A flight driven by an event loop's task is hopeless as soon as that loop is closed or not
        running: an idle loop drives nothing, and nobody may wait on a refresh that nothing drives.
        (A loop that runs again later finishes its task, and its token is still adopted.)
        """
        if self._landed.is_set():
            return False
        if self.pid != os.getpid():
            return True  # the parent's (a fork without the at-fork reset)
        if self.loop is not None:
            if not self.loop.is_running() or (self.task is not None and self.task.done()):
                return True
        elif not self.runner.is_alive():
            return True
        return time.monotonic() - self.started > self.stuck_after

    def outcome(self) -> AccessToken | None:
        """The token it landed with; raises (a copy of) its error; None if it was abandoned."""
        if self._error is not None:
            error = copy.copy(self._error)  # each caller its own: tracebacks are per raise
            error.__cause__ = self._error.__cause__
            raise error
        return self._token

    def wait(self) -> bool:
        """Block until it lands (True) or is hopeless (False)."""
        while not self._landed.wait(POLL_INTERVAL):
            if self.hopeless():
                return False
        return True

    async def wait_async(self) -> bool:
        """Await until it lands (True) or is hopeless (False); cancelling the waiter cancels only the wait.

        Each waiter awaits a future of its own, resolved by ``land`` (all the waiters of an event
        loop in one callback) or, should the flight turn hopeless, by the one poll its event loop
        runs every ``POLL_INTERVAL`` (``_poll``): no timer per waiter, so a thousand coroutines
        joining a refresh cost little more than one.
        """
        import asyncio  # deferred: see the module docstring

        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        with self._lock:
            if self._landed.is_set():
                return True
            self._waiters[future] = loop
            poll = loop not in self._polled
            self._polled.add(loop)
        if poll:
            loop.call_later(POLL_INTERVAL, self._poll, loop)
        try:
            return await future
        finally:
            with self._lock:
                self._waiters.pop(future, None)

    def _poll(self, loop: asyncio.AbstractEventLoop) -> None:
        """On ``loop``, while it has waiters: release them (False) if the flight is hopeless."""
        hopeless = self.hopeless()
        with self._lock:
            mine = {future: each for future, each in self._waiters.items() if each is loop}
            again = bool(mine) and not hopeless and not self._landed.is_set()
            if not again:
                self._polled.discard(loop)
            if hopeless:
                for future in mine:
                    del self._waiters[future]
        if hopeless:
            _wake_all(mine, False)
        elif again:
            loop.call_later(POLL_INTERVAL, self._poll, loop)


def _wake_all(waiters: dict[asyncio.Future[bool], asyncio.AbstractEventLoop], landed: bool) -> None:
    """Resolve every waiter's future with ``landed``: one thread-safe callback per event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[bool]]] = {}
    for future, loop in waiters.items():
        by_loop.setdefault(loop, []).append(future)
    for loop, futures in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits there any more
            loop.call_soon_threadsafe(_resolve, futures, landed)


def _resolve(futures: list[asyncio.Future[bool]], landed: bool) -> None:
    for future in futures:
        if not future.done():  # a waiter cancelled meanwhile
            future.set_result(landed)


class Slot:
    """What every provider of one (store, key) in this process shares.

    ``mutex`` guards the fields below; it is held for a few statements, never across I/O or a
    wait, so no caller can leave it held. ``flight`` is the refresh in progress, if any.
    ``attempts`` counts finished token requests; ``failure``, ``consecutive_failures`` and
    ``retry_at`` (monotonic) are the backoff after failed ones; ``forced_at`` is when a 401 last
    forced a refresh; ``rejected`` the fingerprints of tokens the API rejected.
    ``parent_refreshing``: this is a forked child, and its parent had a refresh in flight.
    """

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.entry: Entry | None = None
        self.flight: Flight | None = None
        self.attempts = 0
        self.failure: TokenError | None = None
        self.consecutive_failures = 0
        self.retry_at = float("-inf")
        self.forced_at: Reading | None = None
        self.rejected: collections.deque[str] = collections.deque(maxlen=8)
        self.parent_refreshing = False
        forksafe.reset_in_child(self)

    def after_fork_in_child(self) -> None:
        """The parent's refresh has no runner here, and its mutex may have been held: start afresh.

        That refresh goes on in the parent, though: remembered, so that the child, like any
        caller while someone refreshes, keeps using a token in its proactive window.
        """
        self.mutex = threading.Lock()
        self.parent_refreshing = self.flight is not None and not self.flight.landed
        self.flight = None

    def land(
        self, flight: Flight, token: AccessToken | None = None, error: BaseException | None = None
    ) -> None:
        """``flight`` is over: no longer the slot's, and its waiters get the outcome."""
        with self.mutex:
            if self.flight is flight:
                self.flight = None
        flight.land(token, error)


class _Registry:
    """The process-wide slots, by store and key (a store's slots go when the store is collected)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.slots: dict[int, dict[TokenKey, Slot]] = {}
        forksafe.reset_in_child(self)

    def after_fork_in_child(self) -> None:
        self.lock = threading.Lock()

    def slot_for(self, store: object, key: TokenKey) -> Slot:
        store_id = id(store)
        with self.lock:
            slots = self.slots.get(store_id)
            if slots is None:
                slots = self.slots[store_id] = {}
                with contextlib.suppress(TypeError):  # a store that cannot be weakly referenced lives forever
                    # Without the lock: the collector may run this in a thread that holds it.
                    weakref.finalize(store, self.slots.pop, store_id, None)
            slot = slots.get(key)
            if slot is None:
                slot = slots[key] = Slot()
            return slot


_REGISTRY = _Registry()


def slot_for(store: object, key: TokenKey) -> Slot:
    """The process-wide slot of ``key`` in ``store`` (created on first use)."""
    return _REGISTRY.slot_for(store, key)
