"""No token left and the token endpoint refuses: back off, honour Retry-After, keep raising the typed error.

Issue 12, point 4: AVIV counts every token request, and a misconfigured agency must not hammer it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from aviv_caas_auth import (
    AccessToken,
    CaasCredentials,
    ManualClock,
    MemoryTokenStore,
    TokenEndpointError,
    TokenError,
    TokenRateLimitedError,
    TokenServerError,
)
from tests.auth.fake_aviv import FakeAviv, json_response
from tests.auth.helpers import provider_for

MODES = ["sync", "async"]


def _getter(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clock: ManualClock, mode: str
) -> Callable[[], AccessToken]:
    provider = provider_for(aviv, credentials, token_store=store, clock=clock)
    if mode == "sync":
        return provider.get_token
    return lambda: asyncio.run(provider.aget_token())


def _notes(error: BaseException) -> str:
    return " ".join(getattr(error, "__notes__", []))


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_of_the_token_endpoint_is_honoured(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clock: ManualClock, mode: str
) -> None:
    limited = json_response(429, {"error": "too_many_requests"}, headers={"Retry-After": "3600"})
    aviv.token_overrides.extend([limited] * 20)
    get = _getter(aviv, credentials, store, clock, mode)
    for _ in range(10):  # ten calls in a second
        with pytest.raises(TokenRateLimitedError) as caught:
            get()
        assert caught.value.retry_after == 3600
    assert aviv.token_count == 1
    assert "no new token request before" in _notes(caught.value)
    clock.advance(3599)
    with pytest.raises(TokenRateLimitedError):
        get()
    assert aviv.token_count == 1
    aviv.token_overrides.clear()
    clock.advance(2)
    assert get().value == aviv.issued[0]
    assert aviv.token_count == 2


@pytest.mark.parametrize("mode", MODES)
def test_credential_errors_back_off(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clock: ManualClock, mode: str
) -> None:
    refused = json_response(400, {"error": "invalid_client", "error_description": "Unknown client"})
    aviv.token_overrides.extend([refused] * 50)
    get = _getter(aviv, credentials, store, clock, mode)
    for _ in range(20):  # twenty calls in a row
        with pytest.raises(TokenEndpointError) as caught:
            get()
        assert caught.value.error == "invalid_client"
    assert aviv.token_count == 1
    clock.advance(1.5)  # the first backoff (1 s) is over: one more attempt, then 2 s
    for _ in range(20):
        with pytest.raises(TokenEndpointError):
            get()
    assert aviv.token_count == 2
    clock.advance(2.5)
    with pytest.raises(TokenEndpointError):
        get()
    assert aviv.token_count == 3
    for _ in range(12):  # backoff doubles up to its cap (300 s): at most one request per cap
        clock.advance(300)
        with pytest.raises(TokenEndpointError):
            get()
    assert aviv.token_count == 3 + 12
    clock.advance(299)
    with pytest.raises(TokenEndpointError):
        get()
    assert aviv.token_count == 15


@pytest.mark.parametrize("mode", MODES)
def test_server_errors_back_off_too_and_recover(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clock: ManualClock, mode: str
) -> None:
    aviv.token_overrides.extend([json_response(503, {"message": "unavailable"})] * 5)
    get = _getter(aviv, credentials, store, clock, mode)
    for _ in range(10):
        with pytest.raises(TokenServerError):
            get()
    assert aviv.token_count == 1
    aviv.token_overrides.clear()
    clock.advance(1.01)
    assert get().value == aviv.issued[0]
    assert aviv.token_count == 2
    for _ in range(5):
        assert get().value == aviv.issued[0]  # success ended the backoff and the token is reused
    assert aviv.token_count == 2


def test_each_caller_gets_its_own_copy_of_the_error(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, clock: ManualClock
) -> None:
    aviv.token_overrides.append(json_response(400, {"error": "invalid_client"}))
    get = _getter(aviv, credentials, store, clock, "sync")
    errors: list[TokenError] = []
    for _ in range(3):
        with pytest.raises(TokenEndpointError) as caught:
            get()
        errors.append(caught.value)
    assert len({id(e) for e in errors}) == 3
    assert all(e.status == 400 for e in errors)
    assert aviv.token_count == 1
