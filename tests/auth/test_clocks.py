"""Wall clock and monotonic clock: suspend/resume, a clock set back or forward, a clock corrected.

Issue 12, points 6 and 8. A token is used while *both* clocks say it is valid: the monotonic clock
(immune to clock changes, but stopped while some systems sleep) and its wall-clock expiry (which
AVIV enforces). Intervals (401 guard, backoff) count time asleep too. A stored token is trusted for
no longer than its lifetime, and the refresh-loop guard compares lifetimes, not wall-clock dates.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from aviv_caas_auth import (
    AccessToken,
    CaasCredentials,
    MemoryTokenStore,
    RefreshPolicy,
    TokenProvider,
)
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.clocks import TwoClocks
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import client_for, provider_for

DAY = 86400.0
HOUR = 3600.0


@pytest.fixture
def clocks() -> TwoClocks:
    return TwoClocks()


@pytest.fixture
def provider(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    store: MemoryTokenStore,
    clocks: TwoClocks,
    policy: RefreshPolicy,
) -> TokenProvider:
    return provider_for(aviv, credentials, token_store=store, clock=clocks, refresh_policy=policy)


def _get(provider: TokenProvider, mode: str) -> AccessToken:
    return provider.get_token() if mode == "sync" else asyncio.run(provider.aget_token())


# -- point 6: suspend and resume ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_token_past_its_wall_clock_expiry_after_a_suspend(
    provider: TokenProvider, clocks: TwoClocks, aviv: FakeAviv, mode: str
) -> None:
    first = _get(provider, mode)
    clocks.advance(HOUR)
    clocks.suspend(25 * HOUR)  # lid closed for 25 h; the monotonic clock stood still
    second = _get(provider, mode)
    assert second != first
    assert second.expires_at > clocks.time()
    assert aviv.token_count == 2
    assert _get(provider, mode) == second


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_token_past_its_wall_clock_expiry_when_the_clock_jumps_forward(
    provider: TokenProvider, clocks: TwoClocks, aviv: FakeAviv, mode: str
) -> None:
    first = _get(provider, mode)
    clocks.set_wall_forward(2 * DAY)
    second = _get(provider, mode)
    assert second != first
    assert aviv.token_count == 2
    clocks.set_wall_back(2 * DAY)  # corrected again: the newer token is kept, nothing is fetched
    for _ in range(10):
        clocks.advance(60)
        assert _get(provider, mode) == second
    assert aviv.token_count == 2


def _client_after_a_forced_refresh(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clocks: TwoClocks
) -> AuthenticatedClient:
    client = client_for(
        aviv, credentials, token_store=store, clock=clocks, refresh_policy=RefreshPolicy(jitter=0)
    )
    get_classifieds.sync(client=client)
    aviv.rejected.add(aviv.issued[0])  # revoked: the next call forces a refresh
    assert isinstance(get_classifieds.sync(client=client), GetClassifiedsResponse200)
    assert aviv.token_count == 2
    return client


def _call(client: AuthenticatedClient, mode: str) -> object:
    if mode == "sync":
        return get_classifieds.sync(client=client)
    return asyncio.run(get_classifieds.asyncio(client=client))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_401_after_a_long_suspend_gets_a_new_token(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clocks: TwoClocks, mode: str
) -> None:
    client = _client_after_a_forced_refresh(aviv, credentials, store, clocks)
    clocks.suspend(25 * HOUR)
    aviv.rejected.add(aviv.issued[1])  # expired meanwhile, as far as AVIV is concerned
    for _ in range(3):
        assert isinstance(_call(client, mode), GetClassifiedsResponse200)
    assert aviv.token_count == 3


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_401_guard_counts_time_asleep(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clocks: TwoClocks, mode: str
) -> None:
    client = _client_after_a_forced_refresh(aviv, credentials, store, clocks)
    clocks.suspend(10 * 60)  # 10 minutes asleep: longer than the 5-minute guard after a forced refresh
    aviv.rejected.add(aviv.issued[1])  # revoked meanwhile
    assert isinstance(_call(client, mode), GetClassifiedsResponse200)
    assert aviv.token_count == 3


# -- point 8: clock set back, clock corrected ------------------------------------------------------


def test_a_stored_token_is_not_trusted_beyond_its_lifetime(
    provider: TokenProvider,
    store: MemoryTokenStore,
    clocks: TwoClocks,
    aviv: FakeAviv,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Written 23 h ago by a process whose clock then was 3 days ahead of today's (corrected) clock.
    planted = AccessToken(value="tok-planted", expires_in=DAY, expires_at=clocks.time() + 3 * DAY + HOUR)
    store.save(provider.key, planted)
    token = provider.get_token()
    assert token.value == aviv.issued[0]
    assert aviv.token_count == 1
    assert "ignoring the stored access token" in caplog.text  # a record nobody here vouches for
    assert "a clock far ahead of this host's, or forged" in caplog.text


@pytest.mark.parametrize(
    ("elapsed", "expiry"),
    [(DAY + 10, "has expired"), (DAY - HOUR + 1, "expires in 3599 s")],
    ids=["expired", "proactive_window"],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_wall_clock_set_back_is_logged_for_what_it_is(
    provider: TokenProvider,
    clocks: TwoClocks,
    aviv: FakeAviv,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    elapsed: float,
    expiry: str,
) -> None:
    """An NTP correction or an administrator: this process's own token is not a suspect stored record."""
    caplog.set_level(logging.INFO, logger="aviv_caas_auth")
    first = _get(provider, mode)
    clocks.set_wall_back(3 * DAY)
    clocks.advance(elapsed)  # on the monotonic clock, the token is due for a refresh
    second = _get(provider, mode)
    assert second != first
    assert aviv.token_count == 2
    assert "the wall clock moved back by 259200 s (72.0 h) since access token" in caplog.text
    assert f"trusting the monotonic clock, on which it {expiry}" in caplog.text
    assert "forged" not in caplog.text
    assert "ignoring" not in caplog.text


def test_a_stored_token_from_a_clock_slightly_ahead_is_reused_for_its_lifetime_at_most(
    provider: TokenProvider, store: MemoryTokenStore, clocks: TwoClocks, aviv: FakeAviv
) -> None:
    # Another host, whose clock is 30 s ahead, has just fetched this token.
    planted = AccessToken(value="tok-planted", expires_in=DAY, expires_at=clocks.time() + DAY + 30)
    store.save(provider.key, planted)
    assert provider.get_token() == planted
    clocks.advance(DAY - HOUR - 10)  # less than its lifetime: still reused
    assert provider.get_token() == planted
    clocks.advance(20)  # its lifetime's proactive window, counted from now, not from its stored date
    assert provider.get_token().value == aviv.issued[0]
    assert aviv.token_count == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_corrected_clock_does_not_trip_the_refresh_loop_guard(
    provider: TokenProvider, clocks: TwoClocks, aviv: FakeAviv, mode: str
) -> None:
    clocks.set_wall_forward(2 * DAY)  # the host's clock is 2 days ahead
    first = _get(provider, mode)
    clocks.set_wall_back(2 * DAY)  # NTP corrects it
    clocks.advance(DAY - HOUR + 1)  # the proactive window of the first token
    second = _get(provider, mode)
    assert second != first
    for _ in range(60):  # the next hour, a call a minute
        clocks.advance(60)
        assert _get(provider, mode) == second
    assert aviv.token_count == 2


def test_the_refresh_loop_guard_still_refuses_a_shorter_token(
    provider: TokenProvider, clocks: TwoClocks, aviv: FakeAviv
) -> None:
    first = provider.get_token()
    clocks.advance(DAY - HOUR + 1)
    aviv.expires_in = 60  # "new" token expiring before the current one
    assert provider.get_token() == first
    assert aviv.token_count == 2
