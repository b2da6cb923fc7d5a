"""Expiry boundaries on an injected clock: reuse, proactive refresh, mandatory wait, failures, loop guard."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from aviv_caas_auth import (
    CaasCredentials,
    ManualClock,
    MemoryTokenStore,
    RefreshPolicy,
    TokenProvider,
    TokenServerError,
)
from tests.auth.fake_aviv import FakeAviv, json_response
from tests.auth.helpers import provider_for

DAY = 86400.0
PROACTIVE = DAY / 24  # the last hour
MANDATORY = DAY / 288  # the last 5 minutes


@pytest.fixture
def provider(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    store: MemoryTokenStore,
    clock: ManualClock,
    policy: RefreshPolicy,
) -> TokenProvider:
    return provider_for(aviv, credentials, token_store=store, clock=clock, refresh_policy=policy)


def _in_thread(target: object) -> tuple[threading.Thread, list[object]]:
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(target()))  # type: ignore[operator]
    thread.start()
    return thread, result


def test_expiry_is_send_time_plus_expires_in(provider: TokenProvider, clock: ManualClock) -> None:
    sent_at = clock.time()
    token = provider.get_token()
    assert token.expires_in == DAY
    assert token.expires_at == sent_at + DAY


def test_reused_until_just_before_the_proactive_window(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv
) -> None:
    first = provider.get_token()
    clock.advance(DAY - PROACTIVE - 1)
    assert provider.get_token() == first
    assert aviv.token_count == 1


def test_one_refresh_inside_the_proactive_window(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv
) -> None:
    first = provider.get_token()
    clock.advance(DAY - PROACTIVE + 1)
    second = provider.get_token()
    assert second != first
    assert second.value == aviv.issued[1]
    for _ in range(10):
        assert provider.get_token() == second
    assert aviv.token_count == 2


def test_proactive_refresh_others_keep_the_current_token(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv
) -> None:
    first = provider.get_token()
    clock.advance(DAY - PROACTIVE + 1)
    aviv.token_gate = threading.Event()
    aviv.token_entered.clear()
    refresher, refreshed = _in_thread(provider.get_token)
    assert aviv.token_entered.wait(timeout=10)
    # While the refresh is held by the server, other callers get the current token at once.
    others, other_results = _in_thread(lambda: [provider.get_token() for _ in range(5)])
    others.join(timeout=10)
    assert not others.is_alive()
    assert other_results == [[first] * 5]
    aviv.token_gate.set()
    refresher.join(timeout=10)
    assert refreshed[0] != first
    assert aviv.token_count == 2


def test_mandatory_window_callers_wait_for_the_new_token(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv
) -> None:
    first = provider.get_token()
    clock.advance(DAY - MANDATORY + 1)
    aviv.token_gate = threading.Event()
    aviv.token_entered.clear()
    refresher, refreshed = _in_thread(provider.get_token)
    assert aviv.token_entered.wait(timeout=10)
    waiter, waited = _in_thread(provider.get_token)
    waiter.join(timeout=0.5)
    assert waiter.is_alive()  # it waits for the refresh instead of taking the old token
    aviv.token_gate.set()
    refresher.join(timeout=10)
    waiter.join(timeout=10)
    assert refreshed[0] != first
    assert waited == refreshed
    assert aviv.token_count == 2


def test_failed_proactive_refresh_keeps_the_token_and_backs_off(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv, caplog: pytest.LogCaptureFixture
) -> None:
    first = provider.get_token()
    clock.advance(DAY - PROACTIVE + 1)
    aviv.token_overrides.extend([json_response(503, {"message": "unavailable"})] * 2)
    assert provider.get_token() == first  # refresh failed: current token served
    assert aviv.token_count == 2
    assert "token refresh failed" in caplog.text
    for _ in range(5):  # backing off: no new attempt
        assert provider.get_token() == first
    assert aviv.token_count == 2
    clock.advance(1.5)  # first backoff is 1 s
    assert provider.get_token() == first  # second attempt fails too
    assert aviv.token_count == 3
    clock.advance(1.5)  # backoff doubled to 2 s: still waiting
    assert provider.get_token() == first
    assert aviv.token_count == 3
    clock.advance(1)
    third = provider.get_token()  # third attempt succeeds
    assert third != first
    assert aviv.token_count == 4


def test_failed_refresh_in_mandatory_window_serves_the_valid_token(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv
) -> None:
    first = provider.get_token()
    clock.advance(DAY - MANDATORY + 1)
    aviv.token_overrides.append(json_response(500, "<html>oops</html>", "text/html"))
    assert provider.get_token() == first
    assert aviv.token_count == 2


def test_raises_when_no_valid_token_is_left(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv
) -> None:
    provider.get_token()
    clock.advance(DAY + 1)
    aviv.token_overrides.append(json_response(503, {"message": "unavailable"}))
    with pytest.raises(TokenServerError):
        provider.get_token()
    assert aviv.token_count == 2
    with pytest.raises(TokenServerError):  # backing off: the same error again, no request
        provider.get_token()
    assert aviv.token_count == 2
    clock.advance(1.01)  # the first backoff is 1 s
    assert provider.get_token().value == aviv.issued[1]  # then the next call tries again


def test_waiters_share_a_failed_attempt(provider: TokenProvider, aviv: FakeAviv) -> None:
    aviv.token_gate = threading.Event()
    aviv.token_overrides.append(json_response(503, {"message": "unavailable"}))
    first, first_result = _in_thread(lambda: _capture(provider.get_token))
    assert aviv.token_entered.wait(timeout=10)
    waiters = [_in_thread(lambda: _capture(provider.get_token)) for _ in range(10)]
    time.sleep(0.3)  # ordering slack only: let the waiters queue on the lock before the answer
    aviv.token_gate.set()
    first.join(timeout=10)
    for thread, _ in waiters:
        thread.join(timeout=10)
    outcomes = [first_result[0]] + [result[0] for _, result in waiters]
    assert all(isinstance(o, TokenServerError) for o in outcomes)
    assert aviv.token_count == 1  # the ten waiters did not repeat the failed request


def _capture(call: object) -> object:
    try:
        return call()  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001
        return exc


def test_refresh_loop_guard(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv, caplog: pytest.LogCaptureFixture
) -> None:
    first = provider.get_token()
    clock.advance(DAY - PROACTIVE + 1)
    aviv.expires_in = 60  # a "new" token that would expire before the current one
    assert provider.get_token() == first
    assert aviv.token_count == 2
    assert "no later than the current one" in caplog.text
    assert provider.get_token() == first  # and it backs off instead of looping
    assert aviv.token_count == 2


def test_jitter_spreads_the_proactive_window(
    aviv: FakeAviv, credentials: CaasCredentials, clock: ManualClock
) -> None:
    starts = []
    for fraction in (0.0, 0.5, 0.999):
        policy = RefreshPolicy(jitter=0.5, random=lambda f=fraction: f)
        deadlines = policy.deadlines(expires_at=DAY, lifetime=DAY)
        starts.append(DAY - deadlines.refresh_at)
        assert deadlines.mandatory_at == DAY - MANDATORY
    assert starts[0] == pytest.approx(PROACTIVE)
    assert starts[1] == pytest.approx(PROACTIVE * 0.75)
    assert starts[2] == pytest.approx(PROACTIVE * 0.5, rel=1e-2)


def test_windows_scale_with_short_lifetimes(
    provider: TokenProvider, clock: ManualClock, aviv: FakeAviv
) -> None:
    aviv.expires_in = 240  # e.g. a sandbox issuing 4-minute tokens
    first = provider.get_token()
    clock.advance(240 - 240 / 24 - 1)
    assert provider.get_token() == first
    clock.advance(2)
    assert provider.get_token() != first
    assert aviv.token_count == 2


def test_async_proactive_refresh(provider: TokenProvider, clock: ManualClock, aviv: FakeAviv) -> None:
    async def main() -> None:
        first = await provider.aget_token()
        clock.advance(DAY - PROACTIVE - 1)
        assert await provider.aget_token() == first
        clock.advance(2)
        second = await provider.aget_token()
        assert second != first
        clock.advance(DAY + 1)
        aviv.token_overrides.append(json_response(502, "bad gateway", "text/plain"))
        with pytest.raises(TokenServerError):
            await provider.aget_token()

    asyncio.run(main())
    assert aviv.token_count == 3
