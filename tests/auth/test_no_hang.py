"""No hang and one shared refresh, whatever callers do meanwhile: time out, get cancelled, fork.

Issue 12, points 1-3. Every call that must return is run under a deadline (tests/deadline.py):
a hang fails the test instead of freezing the suite.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from aviv_caas_auth import CaasCredentials, ManualClock, MemoryTokenStore, RefreshPolicy, TokenProvider
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import AsyncOnlyStore, fork_during_refresh, provider_for
from tests.deadline import finishes, in_forked_child

DAY = 86400.0


@pytest.fixture
def provider(aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore) -> TokenProvider:
    return provider_for(aviv, credentials, token_store=store)


def _in_thread(call: object) -> threading.Thread:
    thread = threading.Thread(target=call, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


def _hold_token_requests(aviv: FakeAviv) -> threading.Event:
    """Token requests wait at the server until the returned event is set (a slow token endpoint)."""
    aviv.token_entered.clear()
    aviv.token_gate = threading.Event()
    return aviv.token_gate


# -- point 1: a coroutine that times out while another thread refreshes leaves nothing behind --------


def test_async_timeout_during_a_threads_refresh_leaves_no_lock_behind(
    aviv: FakeAviv, provider: TokenProvider
) -> None:
    gate = _hold_token_requests(aviv)
    refresher = _in_thread(provider.get_token)
    assert aviv.token_entered.wait(10)
    release = threading.Timer(2.0, gate.set)  # the slow endpoint answers 2 s later
    release.start()
    try:
        with pytest.raises(TimeoutError):
            finishes(
                lambda: asyncio.run(asyncio.wait_for(provider.aget_token(), 0.3)),
                what="asyncio.run(wait_for(aget_token(), 0.3))",
            )
    finally:
        release.join()
    refresher.join(30)
    first = provider.get_token()
    assert first.value == aviv.issued[0]

    def forced_refresh() -> str:
        provider.invalidate(first)
        return provider.get_token().value

    assert finishes(forced_refresh, what="invalidate() + get_token()") == aviv.issued[1]
    assert finishes(lambda: asyncio.run(provider.aget_token()).value) == aviv.issued[1]
    assert aviv.token_count == 2


def test_cancelled_coroutines_leave_nothing_behind(aviv: FakeAviv, provider: TokenProvider) -> None:
    """Coroutines cancelled while queued for a refresh, on several loops and threads at once."""
    gate = _hold_token_requests(aviv)

    def impatient() -> None:
        async def main() -> None:
            waiting = [asyncio.create_task(provider.aget_token()) for _ in range(20)]
            await asyncio.sleep(0.2)
            for task in waiting:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)

        asyncio.run(main())

    refresher = _in_thread(provider.get_token)
    assert aviv.token_entered.wait(10)
    finishes(lambda: [t.join() for t in [_in_thread(impatient) for _ in range(4)]], what="cancelled callers")
    gate.set()
    refresher.join(30)
    token = provider.get_token()

    def forced_refresh_sync_and_async() -> tuple[str, str]:
        provider.invalidate(token)
        return provider.get_token().value, asyncio.run(provider.aget_token()).value

    assert finishes(forced_refresh_sync_and_async) == (aviv.issued[1], aviv.issued[1])
    assert aviv.token_count == 2


# -- point 2: a child forked while the parent refreshes gets its token ------------------------------


@pytest.mark.parametrize("child", ["sync", "async"])
@pytest.mark.parametrize("parent", ["sync", "async"])
def test_child_forked_during_a_refresh_in_the_mandatory_window(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    store: MemoryTokenStore,
    clock: ManualClock,
    policy: RefreshPolicy,
    parent: str,
    child: str,
) -> None:
    provider = provider_for(aviv, credentials, token_store=store, clock=clock, refresh_policy=policy)
    provider.get_token()
    clock.advance(DAY - 200)  # mandatory window: the token is valid 200 s more, callers wait for a new one
    value = fork_during_refresh(aviv, provider, parent=parent, child=child)
    assert value in aviv.issued[1:]
    assert provider.get_token().value in aviv.issued[1:]


@pytest.mark.parametrize("child", ["sync", "async"])
def test_child_forked_during_a_cold_refresh(aviv: FakeAviv, provider: TokenProvider, child: str) -> None:
    value = fork_during_refresh(aviv, provider, parent="sync", child=child)
    assert value in aviv.issued
    assert aviv.token_count == 2  # the parent's refresh and the child's own


def test_child_forked_while_the_parent_holds_a_token_uses_it(aviv: FakeAviv, provider: TokenProvider) -> None:
    token = provider.get_token()
    values = in_forked_child(lambda: [provider.get_token().value, asyncio.run(provider.aget_token()).value])
    assert values == [token.value, token.value]
    assert aviv.token_count == 1


# -- point 3: a caller that times out does not cancel the refresh the next one joins ---------------


def test_timed_out_callers_do_not_cancel_the_shared_refresh(aviv: FakeAviv, provider: TokenProvider) -> None:
    """A 2 s token endpoint, 10 callers arriving 0.3 s apart, each giving up after 0.5 s."""
    aviv.on_token_request = lambda: time.sleep(2.0)

    async def caller(index: int) -> str | None:
        await asyncio.sleep(0.3 * index)
        try:
            return (await asyncio.wait_for(provider.aget_token(), 0.5)).value
        except TimeoutError:
            return None

    async def main() -> list[str | None]:
        return list(await asyncio.gather(*(caller(i) for i in range(10))))

    served = finishes(lambda: asyncio.run(main()))
    assert aviv.token_count == 1
    assert served[0] is None  # the first caller gave up; its refresh went on for the others
    assert served[-1] == aviv.issued[0]
    assert {value for value in served if value is not None} == {aviv.issued[0]}


def test_a_cancelled_refresher_does_not_cancel_the_refresh(aviv: FakeAviv, provider: TokenProvider) -> None:
    gate = _hold_token_requests(aviv)

    async def main() -> str:
        first = asyncio.create_task(provider.aget_token())
        await asyncio.to_thread(aviv.token_entered.wait, 10)
        first.cancel()
        follower = asyncio.create_task(provider.aget_token())
        await asyncio.sleep(0.1)
        gate.set()
        return (await follower).value

    assert finishes(lambda: asyncio.run(main())) == aviv.issued[0]
    assert aviv.token_count == 1


def test_sync_and_async_callers_share_one_refresh(aviv: FakeAviv, provider: TokenProvider) -> None:
    gate = _hold_token_requests(aviv)
    results: list[str] = []

    def sync_caller() -> None:
        results.append(provider.get_token().value)

    def async_caller() -> None:
        async def main() -> list[str]:
            return [t.value for t in await asyncio.gather(*(provider.aget_token() for _ in range(10)))]

        results.extend(asyncio.run(main()))

    threads = [_in_thread(sync_caller if i % 2 else async_caller) for i in range(8)]
    assert aviv.token_entered.wait(10)
    gate.set()
    finishes(lambda: [t.join() for t in threads])
    assert len(results) == 4 + 4 * 10
    assert set(results) == {aviv.issued[0]}
    assert aviv.token_count == 1


@pytest.mark.parametrize("io", ["threaded", "async_only"])
def test_a_sync_call_inside_an_event_loop_during_a_refresh_does_not_deadlock(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, io: str
) -> None:
    """Sync code called from a coroutine blocks its event loop while that loop's coroutine awaits a refresh.

    The refresh runs in its own thread: the sync call waits for it (one request). With async-only I/O
    the blocked loop drives it: the sync call must not wait for it, and refreshes apart (a rare
    duplicate request beats a deadlock).
    """
    provider = provider_for(aviv, credentials, token_store=store if io == "threaded" else AsyncOnlyStore())
    gate = _hold_token_requests(aviv)

    async def main() -> tuple[str, str]:
        refresh = asyncio.create_task(provider.aget_token())
        await asyncio.to_thread(aviv.token_entered.wait, 10)
        release = threading.Timer(1.0, gate.set)
        release.start()
        try:
            blocking = provider.get_token().value  # blocks this loop
        finally:
            release.join()
        return blocking, (await refresh).value

    blocking, awaited = finishes(lambda: asyncio.run(main()))
    if io == "threaded":
        assert (blocking, awaited) == (aviv.issued[0], aviv.issued[0])
        assert aviv.token_count == 1
    else:
        assert {blocking, awaited} <= set(aviv.issued)
        assert aviv.token_count == 2
