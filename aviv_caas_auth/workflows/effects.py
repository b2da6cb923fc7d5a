"""Workflows as generators of effects, and the sync and async drivers that perform them.

A workflow's decisions (what to call next, when to retry, when it is done) are written once, as a
generator that yields the I/O it needs: :class:`Call` an endpoint (the reply sent back is the
generated ``Response``; an exception the call raised is thrown in instead) or :class:`Pause`. A
workflow with a timeout first yields its :class:`~aviv_caas_auth.http.deadline.Deadline`: from
then on its calls are made within it (the transport takes no retry wait past it), and no pause,
nor any wait at the gate, lasts past it: a call the gate would hold past the deadline is not sent
at all — :class:`~aviv_caas_auth.budget.errors.RateBudgetTimeoutError` (``request_sent=False``,
``needed``: the seconds the pause still had to run) is thrown into the workflow at once, as when a
rate budget's pause would outlast it, and the workflow decides what comes of it (``wait_for_status``
raises its ``StatusTimeoutError``, ``publish`` the error itself). Nothing is sent during a pause.
:class:`Runner` performs those effects with the generated ``sync_detailed`` functions and
``PollPolicy.sleep``; ``await runner.arun(...)`` with ``asyncio_detailed`` and
``PollPolicy.async_sleep``. Sync and async workflows therefore behave the same; only the I/O
differs (as in :mod:`aviv_caas_auth.tokens.provider`).

Every runner has a :class:`Gate`: a 429 anywhere behind it (reported by the transport through
:mod:`aviv_caas_auth.http.pacing`, or met by the workflow) closes it for the wait the answer asked
for, and every call behind it waits until it opens. ``publish_many`` shares one gate between all
the calls of a batch, so that one 429 slows the whole batch rather than one task.

A runner given a rate budget (``publish_many(..., rate_budget=...)``, ``apply_sync(...,
rate_budget=...)``) makes every call it performs spend that budget (see
:mod:`aviv_caas_auth.http.budgeting`) instead of the client's own.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from aviv_caas_auth.budget.errors import RateBudgetTimeoutError
from aviv_caas_auth.clock import FROZEN_CLOCK_HEADER, Clock
from aviv_caas_auth.errors import ArgumentTypeError
from aviv_caas_auth.http import budgeting, pacing
from aviv_caas_auth.http.deadline import Deadline, within
from aviv_caas_auth.workflows.endpoints import Endpoints, endpoints_of
from aviv_caas_auth.workflows.errors import FrozenSandboxClockError
from aviv_caas_auth.workflows.polling import DEFAULT_POLL, PollPolicy

if TYPE_CHECKING:
    from aviv_caas_auth.budget.protocol import RateBudget

T = TypeVar("T")


class Call(NamedTuple):
    """Call ``operation`` (e.g. ``"get_classified"``) of the client's generated package."""

    operation: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = {}


class Pause(NamedTuple):
    """Wait ``seconds``; with ``rate_limited``, everything behind the runner's gate waits too.

    ``waiting_for`` (e.g. "classified <id>'s final status") marks a wait for the server's processing
    to move on: a runner that would sleep in real time while the last answer said the server's clock
    stands still (a local sandbox on a ManualClock) raises FrozenSandboxClockError instead.
    """

    seconds: float
    rate_limited: bool = False
    waiting_for: str | None = None


Effect = Call | Pause | Deadline
Flow = Generator[Effect, Any, T]


class Gate:
    """A shared "not before": closed for a while after a 429, for every call that checks it."""

    def __init__(self, clock: Clock, default_wait: float) -> None:
        self._clock = clock
        self._default_wait = default_wait
        self._until = 0.0
        self._lock = threading.Lock()
        self.closures = 0
        """How many times a 429 closed it (or kept it closed longer)."""

    def close_for(self, seconds: float | None) -> None:
        """Keep the gate closed for ``seconds`` from now (the 429's ``Retry-After``; None: the default)."""
        wait = self._default_wait if seconds is None else max(0.0, seconds)
        with self._lock:
            self._until = max(self._until, self._clock.monotonic() + wait)
            self.closures += 1

    def remaining(self) -> float:
        """Seconds until the gate opens (0 when open)."""
        return max(0.0, self._until - self._clock.monotonic())


class Runner:
    """Performs the effects of workflows for one client, sync (``run``) or async (``arun``)."""

    def __init__(
        self,
        client: Any,
        *,
        poll: PollPolicy | None = None,
        gate: Gate | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        self.client = client
        self.budget = None if budget is None else budgeting.checked(budget, "rate_budget")
        self.endpoints: Endpoints = endpoints_of(client)
        self.poll = DEFAULT_POLL if poll is None else poll
        if not isinstance(self.poll, PollPolicy):
            given = type(self.poll).__name__
            raise ArgumentTypeError(f"poll must be a PollPolicy (or None), not {given}")
        self.gate = gate if gate is not None else Gate(self.poll.clock, self.poll.rate_limit_wait)

    def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its end with the sync endpoint functions."""
        reply: Any = None
        error: BaseException | None = None
        deadline: Deadline | None = None
        with pacing.listening(self.gate.close_for), budgeting.spending(self.budget):
            while True:
                done, effect = _advance(flow, reply, error)
                if done:
                    return effect  # type: ignore[no-any-return]
                self._refuse_a_frozen_wait(effect, reply, asynchronous=False)
                reply, error = None, None
                if isinstance(effect, Deadline):
                    deadline = effect
                    continue
                try:
                    for seconds in self._waits(effect, deadline):
                        self.poll.sleep(seconds)
                except RateBudgetTimeoutError as held:  # the gate outlasts the deadline: not sent
                    error = held
                    continue
                if isinstance(effect, Call):
                    function = self.endpoints.module(effect.operation).sync_detailed
                    try:
                        with within(deadline):
                            reply = function(*effect.args, client=self.client, **effect.kwargs)
                    except Exception as exc:  # noqa: BLE001 - handed to the flow, which decides
                        error = exc

    async def arun(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its end with the async endpoint functions."""
        reply: Any = None
        error: BaseException | None = None
        deadline: Deadline | None = None
        with pacing.listening(self.gate.close_for), budgeting.spending(self.budget):
            while True:
                done, effect = _advance(flow, reply, error)
                if done:
                    return effect  # type: ignore[no-any-return]
                self._refuse_a_frozen_wait(effect, reply, asynchronous=True)
                reply, error = None, None
                if isinstance(effect, Deadline):
                    deadline = effect
                    continue
                try:
                    for seconds in self._waits(effect, deadline):
                        await self.poll.async_sleep(seconds)
                except RateBudgetTimeoutError as held:  # the gate outlasts the deadline: not sent
                    error = held
                    continue
                if isinstance(effect, Call):
                    function = self.endpoints.module(effect.operation).asyncio_detailed
                    try:
                        with within(deadline):
                            reply = await function(*effect.args, client=self.client, **effect.kwargs)
                    except Exception as exc:  # noqa: BLE001 - handed to the flow, which decides
                        error = exc

    def _refuse_a_frozen_wait(self, effect: Effect, reply: Any, *, asynchronous: bool) -> None:
        """FrozenSandboxClockError for a real-time wait on processing whose server clock stands still."""
        if not isinstance(effect, Pause) or effect.waiting_for is None:
            return
        headers = getattr(reply, "headers", None)
        frozen = headers is not None and headers.get(FROZEN_CLOCK_HEADER) == "manual"
        if frozen and self.poll.sleeps_in_real_time(asynchronous=asynchronous):
            raise FrozenSandboxClockError(effect.waiting_for)

    def _waits(self, effect: Call | Pause, deadline: Deadline | None) -> Iterator[float]:
        """The sleeps before ``effect`` (sync and async alike): a pause, then until the gate opens.

        None lasts past ``deadline``. A pause ends there; a call the gate would hold past it raises
        ``RateBudgetTimeoutError`` before any sleep (it will not be sent: sending it at the deadline
        would send it while everyone behind the gate pauses for a 429).
        """
        if isinstance(effect, Pause):
            if effect.rate_limited:
                self.gate.close_for(effect.seconds)
            elif (seconds := _capped(effect.seconds, deadline)) > 0:
                yield seconds
        while (closed := self.gate.remaining()) > 0:
            if isinstance(effect, Call) and deadline is not None and closed > deadline.remaining():
                raise self._held(effect, closed, deadline)
            if (wait := _capped(closed, deadline)) <= 0:
                return
            yield wait

    def _held(self, call: Call, closed: float, deadline: Deadline) -> RateBudgetTimeoutError:
        """The error thrown into a workflow whose ``call`` the gate would hold past ``deadline``."""
        return RateBudgetTimeoutError(
            f"{call.operation} was not sent: a 429 paused this batch for {closed:.2f} s more, past the "
            f"workflow's deadline ({max(0.0, deadline.remaining()):.2f} s left). Send it again later, "
            "or give the workflow a longer timeout",
            key=_client_id(self.client),
            waited=0.0,
            needed=closed,
        )


def _client_id(client: Any) -> str:
    """The AVIV client id of a ``create_client`` client (what a rate budget keys on), else ``""``."""
    auth = getattr(client, "_httpx_args", {}).get("auth")
    key = getattr(getattr(auth, "provider", None), "key", None)
    return str(getattr(key, "client_id", "") or "")


def _capped(seconds: float, deadline: Deadline | None) -> float:
    """``seconds``, or less: what is left before ``deadline``."""
    return seconds if deadline is None else min(seconds, deadline.remaining())


def _advance(flow: Flow[T], reply: Any, error: BaseException | None) -> tuple[bool, Any]:
    """Resume ``flow`` with the last reply or error: (True, result) once it ended, else its next effect."""
    try:
        return False, flow.send(reply) if error is None else flow.throw(error)
    except StopIteration as done:
        return True, done.value
