"""One token is reused for its lifetime, and shared by exactly the clients it belongs to."""

from __future__ import annotations

import asyncio

import attrs

from aviv_caas_auth import CaasCredentials, MemoryTokenStore, token_provider_of
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import client_for, provider_for


def test_one_token_for_500_sequential_calls(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, token_store=store)
    with client:
        results = [get_classifieds.sync(client=client) for _ in range(500)]
    assert all(isinstance(r, GetClassifiedsResponse200) for r in results)
    assert aviv.token_count == 1
    assert len(aviv.api_authorizations) == 500
    assert set(aviv.api_authorizations) == {f"Bearer {aviv.issued[0]}"}


def test_sync_and_async_calls_share_the_token(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, token_store=store)
    get_classifieds.sync(client=client)
    assert isinstance(asyncio.run(get_classifieds.asyncio(client=client)), GetClassifiedsResponse200)
    assert aviv.token_count == 1


def test_two_clients_same_credentials_share_one_token(aviv: FakeAviv, credentials: CaasCredentials) -> None:
    # The default store is process-wide: two independent clients reuse one token.
    first = client_for(aviv, credentials)
    second = client_for(aviv, credentials, user_agent="OtherTool/3.0")
    get_classifieds.sync(client=first)
    get_classifieds.sync(client=second)
    assert aviv.token_count == 1
    assert aviv.api_authorizations[0] == aviv.api_authorizations[1]


def test_standalone_provider_shares_the_clients_token(aviv: FakeAviv, credentials: CaasCredentials) -> None:
    client = client_for(aviv, credentials)
    get_classifieds.sync(client=client)
    assert provider_for(aviv, credentials).get_token().value == aviv.issued[0]
    assert token_provider_of(client).get_token().value == aviv.issued[0]
    assert aviv.token_count == 1


def test_different_intermediaries_get_different_tokens(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    agency_a = client_for(aviv, credentials.for_intermediary("agency-A"), token_store=store)
    agency_b = client_for(aviv, credentials.for_intermediary("agency-B"), token_store=store)
    for _ in range(3):
        get_classifieds.sync(client=agency_a)
        get_classifieds.sync(client=agency_b)
    assert [r["intermediary_id"] for r in aviv.token_requests] == ["agency-A", "agency-B"]
    token_a, token_b = aviv.issued
    assert aviv.api_authorizations == [f"Bearer {token_a}", f"Bearer {token_b}"] * 3


def test_audience_is_part_of_the_key(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    get_classifieds.sync(client=client_for(aviv, credentials, environment="sandbox", token_store=store))
    get_classifieds.sync(client=client_for(aviv, credentials, environment="production", token_store=store))
    assert [r["audience"] for r in aviv.token_requests] == [
        "https://api.aviv-group.com/sandbox/caas/v3",
        "https://api.aviv-group.com/caas/v3",
    ]


def test_rotated_secret_gets_a_new_token(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    get_classifieds.sync(client=client_for(aviv, credentials, token_store=store))
    rotated = attrs.evolve(credentials, client_secret=credentials.client_secret + "-rotated")
    get_classifieds.sync(client=client_for(aviv, rotated, token_store=store))
    assert aviv.token_count == 2
    assert aviv.token_requests[1]["client_secret"].endswith("-rotated")
