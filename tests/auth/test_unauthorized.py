"""401 from the API: invalidate only the cached token, refresh once, replay once; never spiral."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from aviv_caas_auth import CaasCredentials, MemoryTokenStore, TokenRejectedError, token_provider_of
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.fake_aviv import TRACEPARENT, FakeAviv
from tests.auth.helpers import client_for


def test_401_refreshes_once_and_replays(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, token_store=store)
    get_classifieds.sync(client=client)
    aviv.rejected.add(aviv.issued[0])  # e.g. revoked on AVIV's side
    page = get_classifieds.sync(client=client)
    assert isinstance(page, GetClassifiedsResponse200)
    assert aviv.token_count == 2
    first, second = aviv.issued
    assert aviv.api_authorizations == [f"Bearer {first}", f"Bearer {first}", f"Bearer {second}"]
    get_classifieds.sync(client=client)
    assert aviv.token_count == 2  # the new token is reused


def test_second_401_is_a_typed_error(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, token_store=store)
    aviv.reject_all = True
    with pytest.raises(TokenRejectedError) as caught:
        get_classifieds.sync(client=client)
    assert caught.value.traceparent == TRACEPARENT
    assert TRACEPARENT in str(caught.value)
    assert aviv.token_count == 2  # one refresh, one replay
    assert len(aviv.api_authorizations) == 2
    # A rejected fresh token does not start a token-per-call spiral.
    for _ in range(3):
        with pytest.raises(TokenRejectedError):
            get_classifieds.sync(client=client)
    assert aviv.token_count == 2


def test_parallel_401s_cause_one_refresh(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, token_store=store)
    get_classifieds.sync(client=client)
    aviv.rejected.add(aviv.issued[0])
    start = threading.Barrier(30)

    def call() -> object:
        start.wait()
        return get_classifieds.sync(client=client)

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(lambda _: call(), range(30)))
    assert all(isinstance(r, GetClassifiedsResponse200) for r in results)
    assert aviv.token_count == 2
    assert aviv.api_authorizations.count(f"Bearer {aviv.issued[1]}") == 30


def test_async_401_refreshes_once(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, token_store=store)

    async def main() -> list[object]:
        await get_classifieds.asyncio(client=client)
        aviv.rejected.add(aviv.issued[0])
        return await asyncio.gather(*(get_classifieds.asyncio(client=client) for _ in range(50)))

    results = asyncio.run(main())
    assert all(isinstance(r, GetClassifiedsResponse200) for r in results)
    assert aviv.token_count == 2


def test_async_second_401_is_a_typed_error(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    client = client_for(aviv, credentials, token_store=store)
    aviv.reject_all = True
    with pytest.raises(TokenRejectedError):
        asyncio.run(get_classifieds.asyncio(client=client))
    assert aviv.token_count == 2


def test_401_invalidates_the_shared_store(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    first_client = client_for(aviv, credentials, token_store=store)
    get_classifieds.sync(client=first_client)
    aviv.rejected.add(aviv.issued[0])
    get_classifieds.sync(client=first_client)
    stored = store.load(token_provider_of(first_client).key)
    assert stored is not None
    assert stored.value == aviv.issued[1]  # the rejected token is gone from the store
