"""A refresh is driven by a thread of the library's: nobody waits on a refresh nothing drives, and a sent
token request is never lost with the caller that started it.

Outside review of issue 12, defects 1 and 2: a refresh started by a coroutine used to run on that
coroutine's event loop. A loop left open but idle (``run_until_complete`` that timed out, a thread
that ended without closing its loop) then held every other caller for ``stuck_refresh_after``
(300 s); an ``asyncio.run()`` that ended cancelled the refresh after its request was sent, so the
token was issued and lost, and every later ``asyncio.run()`` did it again. Every call that must
return runs under a deadline (tests/deadline.py); a hang fails the test instead of freezing it.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

import httpx
import pytest

from aviv_caas_auth import (
    CaasCredentials,
    ManualClock,
    MemoryTokenStore,
    TokenEndpointError,
    TokenProvider,
    create_client,
    token_provider_of,
)
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.fake_aviv import FakeAviv, json_response
from tests.auth.helpers import UA, AsyncOnlyStore, client_for, provider_for
from tests.deadline import HANG, finishes

WAITERS = ["sync", "async"]


@pytest.fixture
def provider(aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore) -> TokenProvider:
    return provider_for(aviv, credentials, token_store=store)


def _hold_token_requests(aviv: FakeAviv) -> threading.Event:
    """Token requests wait at the server until the returned event is set (a slow token endpoint)."""
    aviv.token_entered.clear()
    aviv.token_gate = threading.Event()
    return aviv.token_gate


def _start_on_a_loop_left_idle(aviv: FakeAviv, provider: TokenProvider) -> asyncio.AbstractEventLoop:
    """A coroutine starts the refresh on a loop run with ``run_until_complete`` and gives up once the
    token request is at the server; the loop is returned open and idle (the caller closes it)."""
    loop = asyncio.new_event_loop()

    async def start_and_give_up() -> None:
        caller = asyncio.ensure_future(provider.aget_token())
        await asyncio.to_thread(aviv.token_entered.wait, 10)
        caller.cancel()

    loop.run_until_complete(start_and_give_up())
    assert aviv.token_entered.is_set(), "the token request did not reach the server"
    return loop


def _wait(provider: TokenProvider, waiter: str) -> str:
    """A token for a caller elsewhere: another thread, or a coroutine on another loop (wait_for 20 s)."""
    if waiter == "sync":
        return finishes(provider.get_token, what="get_token() in another thread").value
    return finishes(
        lambda: asyncio.run(asyncio.wait_for(provider.aget_token(), 20)),
        what="aget_token() on another event loop",
    ).value


# -- defect 1: a loop that stops running drives nothing, and nobody waits for it ---------------------


@pytest.mark.parametrize("waiter", WAITERS)
def test_a_refresh_started_on_a_loop_left_idle_still_lands(
    aviv: FakeAviv, provider: TokenProvider, waiter: str
) -> None:
    gate = _hold_token_requests(aviv)
    loop = _start_on_a_loop_left_idle(aviv, provider)
    try:
        gate.set()
        assert _wait(provider, waiter) == aviv.issued[0]
    finally:
        loop.close()
    assert aviv.token_count == 1


@pytest.mark.parametrize("waiter", WAITERS)
def test_with_async_only_io_nobody_waits_for_a_loop_left_idle(
    aviv: FakeAviv, credentials: CaasCredentials, waiter: str
) -> None:
    """Async-only I/O keeps the refresh on the caller's loop; one that is not running is given up at once."""
    provider = provider_for(aviv, credentials, token_store=AsyncOnlyStore())
    gate = _hold_token_requests(aviv)
    loop = _start_on_a_loop_left_idle(aviv, provider)
    try:
        gate.set()
        assert _wait(provider, waiter) in aviv.issued
    finally:
        loop.close()
    assert aviv.token_count == 2  # the idle loop's request (answered, unread) and the waiter's own


def test_coroutines_already_waiting_leave_a_refresh_whose_loop_stops(
    aviv: FakeAviv, credentials: CaasCredentials
) -> None:
    """Coroutines joined a refresh its event loop drives; that loop stops running: one poll per loop
    (not a timer per waiter) releases them all, and they get a token of their own."""
    provider = provider_for(aviv, credentials, token_store=AsyncOnlyStore())
    gate = _hold_token_requests(aviv)
    joined, stop = threading.Event(), threading.Event()
    loop = asyncio.new_event_loop()

    async def start_then_stop_running() -> None:
        caller = asyncio.ensure_future(provider.aget_token())
        await asyncio.to_thread(aviv.token_entered.wait, 10)
        await asyncio.to_thread(stop.wait, 10)
        caller.cancel()

    driver = threading.Thread(target=loop.run_until_complete, args=(start_then_stop_running(),))
    driver.start()

    async def three_waiters() -> list[str]:
        aviv.token_entered.wait(10)
        waiting = [asyncio.ensure_future(provider.aget_token()) for _ in range(3)]
        await asyncio.sleep(0.05)  # they have joined the flight
        joined.set()
        return [token.value for token in await asyncio.wait_for(asyncio.gather(*waiting), 20)]

    try:
        waiter = ThreadPoolExecutor(max_workers=1).submit(asyncio.run, three_waiters())
        assert joined.wait(10)
        stop.set()
        driver.join(10)  # the loop is left open, idle: its refresh is hopeless
        gate.set()
        tokens = finishes(lambda: waiter.result(HANG), what="the waiters of a stopped loop's refresh")
    finally:
        stop.set()
        gate.set()
        driver.join(10)
        loop.close()
    assert len(set(tokens)) == 1
    assert tokens[0] in aviv.issued
    assert aviv.token_count == 2  # the stopped loop's request (answered, unread) and the waiters' own


# -- defect 2: a refresh outlives the caller, the event loop and the asyncio.run() that started it ---


def test_a_refresh_outlives_the_asyncio_runs_that_gave_up_on_it(
    aviv: FakeAviv, provider: TokenProvider
) -> None:
    """A cron loop or celery tasks: each asyncio.run() gives its call 0.2 s against a slow token endpoint."""
    gate = _hold_token_requests(aviv)
    for _ in range(3):
        with pytest.raises(TimeoutError):
            finishes(lambda: asyncio.run(asyncio.wait_for(provider.aget_token(), 0.2)))
    gate.set()
    assert finishes(provider.get_token).value == aviv.issued[0]  # the token was adopted, not lost
    assert finishes(lambda: asyncio.run(provider.aget_token())).value == aviv.issued[0]
    assert aviv.token_count == 1


def test_concurrent_asyncio_runs_that_give_up_share_one_refresh(
    aviv: FakeAviv, provider: TokenProvider
) -> None:
    gate = _hold_token_requests(aviv)

    def impatient() -> str:
        try:
            return asyncio.run(asyncio.wait_for(provider.aget_token(), 0.2)).value
        except TimeoutError:
            return "gave up"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = finishes(lambda: [f.result() for f in [pool.submit(impatient) for _ in range(10)]])
    assert outcomes == ["gave up"] * 10
    gate.set()
    assert finishes(provider.get_token).value == aviv.issued[0]
    assert aviv.token_count == 1


def test_api_calls_in_asyncio_runs_that_time_out_make_one_token_request(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    """The review's p6: five asyncio.run() API calls with a short budget, then a call that succeeds."""
    client = client_for(aviv, credentials, token_store=store)
    gate = _hold_token_requests(aviv)
    for _ in range(5):
        with pytest.raises(TimeoutError):
            finishes(
                lambda: asyncio.run(asyncio.wait_for(get_classifieds.asyncio_detailed(client=client), 0.2))
            )
    gate.set()
    page = finishes(lambda: asyncio.run(get_classifieds.asyncio(client=client)))
    assert isinstance(page, GetClassifiedsResponse200)
    assert aviv.token_count == 1
    assert aviv.api_authorizations == [f"Bearer {aviv.issued[0]}"]


def test_a_refresh_that_fails_after_its_caller_gave_up_still_backs_off(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clock: ManualClock
) -> None:
    """The outcome of a refresh nobody waits for any more still counts: a refusal starts the backoff."""
    provider = provider_for(aviv, credentials, token_store=store, clock=clock)  # the backoff never ends
    aviv.token_overrides.append(json_response(400, {"error": "invalid_client"}))
    gate = _hold_token_requests(aviv)
    with pytest.raises(TimeoutError):
        finishes(lambda: asyncio.run(asyncio.wait_for(provider.aget_token(), 0.2)))
    gate.set()
    for _ in range(5):
        with pytest.raises(TokenEndpointError):
            finishes(provider.get_token)
    assert aviv.token_count == 1


class SoftTimeLimitExceeded(Exception):
    """What celery raises in a task's thread when its soft time limit passes (a signal handler)."""


def test_an_interrupted_sync_caller_leaves_its_refresh_running(
    aviv: FakeAviv, provider: TokenProvider
) -> None:
    gate = _hold_token_requests(aviv)

    def expire(signum: int, frame: FrameType | None) -> None:
        raise SoftTimeLimitExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(SoftTimeLimitExceeded):
            provider.get_token()  # in the main thread, where signal handlers run
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    gate.set()
    assert finishes(provider.get_token).value == aviv.issued[0]
    assert aviv.token_count == 1


# -- the thread: never in the way, and not needed ------------------------------------------------------


def test_a_program_exits_while_its_refresh_is_held(aviv: FakeAviv) -> None:
    """The refresh thread is a daemon: a program that gave up on a token does not wait for it to exit."""
    _hold_token_requests(aviv)
    script = textwrap.dedent(
        f"""
        import asyncio
        from aviv_caas_auth import CaasCredentials, TokenProvider

        provider = TokenProvider(
            CaasCredentials("client-exit", "secret-exit", "agency-exit"),
            user_agent={UA!r},
            environment="sandbox",
            token_url={aviv.token_url!r},
        )
        try:
            asyncio.run(asyncio.wait_for(provider.aget_token(), 0.2))
        except TimeoutError:
            print("gave up")
        """
    )
    done = finishes(
        lambda: subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=HANG, check=False
        ),
        what="the program",
    )
    assert (done.returncode, done.stdout.strip()) == (0, "gave up"), done.stderr
    assert aviv.token_entered.is_set()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_without_a_thread_to_be_had_the_caller_drives_the_refresh(
    aviv: FakeAviv, provider: TokenProvider, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """At interpreter shutdown (an atexit handler) no thread can start: the call still gets its token."""

    start = threading.Thread.start

    def refuse(self: threading.Thread) -> None:
        if self.name.startswith("aviv-caas token refresh"):  # the test server's threads still start
            raise RuntimeError("can't create new thread at interpreter shutdown")
        start(self)

    monkeypatch.setattr(threading.Thread, "start", refuse)
    token = provider.get_token() if mode == "sync" else asyncio.run(provider.aget_token())
    assert token.value == aviv.issued[0]
    assert aviv.token_count == 1


def test_an_async_mock_transport_keeps_the_refresh_on_the_event_loop() -> None:
    """A transport of yours that only works from async code (here an async handler) is never used from a
    thread: the token request goes through it on the caller's event loop."""
    loops: list[asyncio.AbstractEventLoop] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        loops.append(asyncio.get_running_loop())
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "tok-mock", "expires_in": 86400})
        return httpx.Response(200, json={"items": []})

    client = create_client(
        CaasCredentials("client-mock", "secret-mock", "agency-mock"),
        user_agent=UA,
        base_url="http://127.0.0.1:9/caas/v3",
        token_url="http://127.0.0.1:9/oauth/token",
        token_store=MemoryTokenStore(),
        httpx_args={"transport": httpx.MockTransport(handler)},
    )

    async def main() -> tuple[object, asyncio.AbstractEventLoop]:
        return await get_classifieds.asyncio(client=client), asyncio.get_running_loop()

    page, loop = finishes(lambda: asyncio.run(main()))
    assert isinstance(page, GetClassifiedsResponse200)
    assert loops == [loop, loop]  # the token request and the API call, both on the caller's loop
    assert token_provider_of(client).token_requests == 1
