"""Odd token answers are refused when parsed: typed MalformedTokenResponseError, nothing cached, no token shown.

Issue 12, point 5: an absurd lifetime, a token that cannot be sent in a header.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from aviv_caas_auth import (
    AccessToken,
    CaasCredentials,
    MalformedTokenResponseError,
    ManualClock,
    MemoryTokenStore,
    token_provider_of,
)
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.fake_aviv import FakeAviv, json_response
from tests.auth.helpers import client_for, provider_for

SECRET_TOKEN = "tok-SECRET-0123456789abcdef"

ANSWERS = [
    # (id, raw JSON body, what the message says)
    ("lifetime_1e12", '{"access_token": "%s", "expires_in": 1e12, "token_type": "Bearer"}', "expires_in"),
    ("lifetime_10_400", '{"access_token": "%s", "expires_in": 1' + "0" * 400 + ', "token_type": "Bearer"}',
     "expires_in"),
    ("lifetime_1e400", '{"access_token": "%s", "expires_in": 1e400}', "expires_in"),
    ("lifetime_31_days", '{"access_token": "%s", "expires_in": 2678400}', "expires_in"),
    ("lifetime_text_huge", '{"access_token": "%s", "expires_in": "1' + "0" * 400 + '"}', "expires_in"),
    ("lifetime_1e_9", '{"access_token": "%s", "expires_in": 1e-9}', "shorter than any usable token"),
    ("lifetime_1_ms", '{"access_token": "%s", "expires_in": 0.001}', "shorter than any usable token"),
    ("lifetime_59_s", '{"access_token": "%s", "expires_in": 59.9}', "at least 60 s"),
    ("crlf", '{"access_token": "%s\\r\\nX-Injected: 1", "expires_in": 86400}', "header"),
    ("lf", '{"access_token": "%s\\n", "expires_in": 86400}', "header"),
    ("nul", '{"access_token": "%s\\u0000", "expires_in": 86400}', "header"),
    ("space", '{"access_token": "%s more", "expires_in": 86400}', "header"),
    ("non_latin1", '{"access_token": "%s\\u20ac", "expires_in": 86400}', "header"),
    ("latin1_not_ascii", '{"access_token": "%s\\u00e9", "expires_in": 86400}', "header"),
    ("lone_surrogate", '{"access_token": "%s\\ud800", "expires_in": 86400}', "header"),
    ("huge_token", '{"access_token": "%s' + "A" * 20000 + '", "expires_in": 86400}', "long"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "text"), [a[1:] for a in ANSWERS], ids=[a[0] for a in ANSWERS])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_odd_answers_are_typed_and_nothing_is_cached(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    store: MemoryTokenStore,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    body: str,
    text: str,
    mode: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    aviv.token_overrides.append(json_response(200, body % SECRET_TOKEN))
    client = client_for(aviv, credentials, token_store=store, clock=clock)
    provider = token_provider_of(client)
    call = (
        (lambda: get_classifieds.sync(client=client))
        if mode == "sync"
        else (lambda: asyncio.run(get_classifieds.asyncio(client=client)))
    )
    with pytest.raises(MalformedTokenResponseError) as caught:
        call()
    message, representation = str(caught.value), repr(caught.value)
    assert text in message
    assert credentials.client_id in message
    for shown in (message, representation, caplog.text):
        assert SECRET_TOKEN not in shown
    assert store.load(provider.key) is None  # nothing cached, shared or in memory
    assert aviv.api_authorizations == []  # no API call was made with it
    clock.advance(2)  # past the backoff after one failure: the next answer is a good one
    page = get_classifieds.sync(client=client)
    assert isinstance(page, GetClassifiedsResponse200)
    assert aviv.api_authorizations == [f"Bearer {aviv.issued[0]}"]


def test_longest_accepted_lifetime_is_30_days(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    aviv.expires_in = 30 * 86400
    client = client_for(aviv, credentials, token_store=store)
    token = token_provider_of(client).get_token()
    assert token.expires_in == 30 * 86400


def test_shortest_accepted_lifetime_is_60_s(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    aviv.expires_in = 60
    client = client_for(aviv, credentials, token_store=store)
    token = token_provider_of(client).get_token()
    assert token.expires_in == 60


@pytest.mark.parametrize("expires_in", [1e-9, 0.001, 5])
def test_a_too_short_lifetime_backs_off_instead_of_a_request_per_call(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    store: MemoryTokenStore,
    clock: ManualClock,
    expires_in: float,
) -> None:
    """The review: 20 calls made 20 token requests and handed out tokens already expired."""
    aviv.expires_in = expires_in
    provider = provider_for(aviv, credentials, token_store=store, clock=clock)
    for _ in range(20):
        with pytest.raises(MalformedTokenResponseError, match="expires_in"):
            provider.get_token()
    assert aviv.token_count == 1
    assert store.load(provider.key) is None
    clock.advance(2)  # past the first backoff: one more request, refused again
    with pytest.raises(MalformedTokenResponseError):
        asyncio.run(provider.aget_token())
    assert aviv.token_count == 2


@pytest.mark.parametrize("expires_at", [1e12, 1e300, float("inf"), -1e12])
def test_a_token_with_an_absurd_expiry_still_has_a_repr(expires_at: float) -> None:
    token = AccessToken(value=SECRET_TOKEN, expires_in=86400, expires_at=expires_at)
    for text in (repr(token), str(token)):
        assert SECRET_TOKEN not in text
        assert "AccessToken(fingerprint=" in text
