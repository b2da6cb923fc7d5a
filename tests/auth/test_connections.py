"""Pooled connections never cross a fork or an event loop (issue 12, point 7).

Run against a fake AVIV that keeps connections alive and records the client port of each request:
two requests from the same port shared one TCP connection.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest

from aviv_caas_auth import (
    ApiConnectionError,
    CaasCredentials,
    ManualClock,
    MemoryTokenStore,
    TokenConnectionError,
    create_client,
    token_provider_of,
)
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.helpers import UA
from tests.auth.keepalive_aviv import API_PATH, KeepAliveAviv, keepalive_aviv
from tests.deadline import finishes, in_forked_child


@pytest.fixture
def fake() -> Iterator[KeepAliveAviv]:
    with keepalive_aviv() as server:
        yield server


def _client(fake: KeepAliveAviv, credentials: CaasCredentials, **options: object) -> AuthenticatedClient:
    return create_client(
        credentials,
        user_agent=UA,
        environment="sandbox",
        base_url=fake.base_url,
        token_url=fake.token_url,
        token_store=MemoryTokenStore(),
        **options,  # type: ignore[arg-type]
    )


def _sync_call(client: AuthenticatedClient) -> str:
    return type(get_classifieds.sync(client=client)).__name__


async def _async_call(client: AuthenticatedClient) -> str:
    return type(await get_classifieds.asyncio(client=client)).__name__


OK = GetClassifiedsResponse200.__name__


def test_the_fake_keeps_connections_alive(fake: KeepAliveAviv, credentials: CaasCredentials) -> None:
    client = _client(fake, credentials)
    for _ in range(5):
        assert _sync_call(client) == OK
    assert len(set(fake.ports(API_PATH))) == 1  # one pooled connection for five calls


def test_a_forked_child_opens_its_own_connections(fake: KeepAliveAviv, credentials: CaasCredentials) -> None:
    client = _client(fake, credentials)
    assert _sync_call(client) == OK
    parent_ports, sent = set(fake.ports()), len(fake.ports())

    def child() -> list[str]:
        provider = token_provider_of(client)
        outcome = [_sync_call(client)]  # the token inherited from the parent is reused
        provider.invalidate(provider.get_token())  # and a token request of the child's own
        outcome.append(_sync_call(client))
        return outcome

    assert in_forked_child(child) == [OK, OK]
    child_ports = fake.ports()[sent:]
    assert len(child_ports) == 3  # API call, token request, API call
    assert set(child_ports).isdisjoint(parent_ports), "the child sent on the parent's pooled connections"
    assert fake.token_count == 2
    assert _sync_call(client) == OK  # the parent's pool is intact
    assert fake.ports()[-1] in parent_ports


def test_a_forked_child_of_an_async_parent(fake: KeepAliveAviv, credentials: CaasCredentials) -> None:
    client = _client(fake, credentials)
    assert asyncio.run(_async_call(client)) == OK
    parent_ports, sent = set(fake.ports()), len(fake.ports())
    assert in_forked_child(lambda: [asyncio.run(_async_call(client)), _sync_call(client)]) == [OK, OK]
    child_ports = fake.ports()[sent:]
    assert len(child_ports) == 2
    assert set(child_ports).isdisjoint(parent_ports)


def test_one_client_across_asyncio_runs(fake: KeepAliveAviv, credentials: CaasCredentials) -> None:
    client = _client(fake, credentials)
    for _ in range(3):
        assert finishes(lambda: asyncio.run(_async_call(client))) == OK
    assert fake.token_count == 1
    assert len(fake.ports(API_PATH)) == 3


def test_token_requests_across_asyncio_runs_are_not_lost(
    fake: KeepAliveAviv, credentials: CaasCredentials
) -> None:
    client = _client(fake, credentials)
    provider = token_provider_of(client)
    first = asyncio.run(provider.aget_token())  # a token request on the first loop's pool
    provider.invalidate(first)
    assert finishes(lambda: asyncio.run(_async_call(client))) == OK  # a token request on the second loop
    assert fake.token_count == 2
    assert provider.get_token().value == fake.issued[1]  # the second token was received, not lost


def test_one_client_on_two_live_event_loops(fake: KeepAliveAviv, credentials: CaasCredentials) -> None:
    client = _client(fake, credentials)
    assert _sync_call(client) == OK
    results: list[str] = []
    start = threading.Barrier(2)

    def loop_in_thread() -> None:
        async def main() -> list[str]:
            start.wait()
            return [await _async_call(client) for _ in range(5)]

        results.extend(asyncio.run(main()))

    threads = [threading.Thread(target=loop_in_thread, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    finishes(lambda: [t.join() for t in threads])
    assert results == [OK] * 10


def test_a_transport_of_yours_bound_to_a_closed_loop_fails_typed(
    fake: KeepAliveAviv, credentials: CaasCredentials
) -> None:
    """A transport passed in is used as it is: across event loops it fails typed, saying why."""
    clock = ManualClock()
    client = _client(fake, credentials, clock=clock, httpx_args={"transport": httpx.AsyncHTTPTransport()})
    provider = token_provider_of(client)
    assert asyncio.run(_async_call(client)) == OK  # token request and call on one pooled connection
    with pytest.raises(ApiConnectionError) as caught:
        asyncio.run(_async_call(client))  # that connection belongs to the first, closed, loop
    assert "event loop" in str(caught.value)
    assert "httpx_args['transport']" in str(caught.value)
    assert asyncio.run(_async_call(client)) == OK  # httpx dropped the broken connection
    provider.invalidate(provider.get_token())
    with pytest.raises(TokenConnectionError) as token_error:
        asyncio.run(_async_call(client))  # the token request meets the previous loop's connection
    assert "event loop" in str(token_error.value)
    clock.advance(2)  # past the backoff
    assert asyncio.run(_async_call(client)) == OK
    # The failed token request did leave on the stale connection, and its answer was lost: the
    # reason create_client makes its own transports per event loop.
    assert fake.token_count == 3
