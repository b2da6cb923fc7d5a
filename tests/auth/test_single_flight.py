"""A cold cache under concurrency makes exactly one token request, sync and async."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from aviv_caas_auth import CaasCredentials, MemoryTokenStore
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import client_for, provider_for


def _slow_token_endpoint(aviv: FakeAviv) -> threading.Event:
    """Hold token requests until released, so every caller piles up on the cold cache."""
    aviv.token_gate = threading.Event()
    return aviv.token_gate


def test_200_threads_one_token_request(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    gate = _slow_token_endpoint(aviv)
    client = client_for(aviv, credentials, token_store=store)
    start = threading.Barrier(201)

    def call() -> object:
        start.wait()
        return get_classifieds.sync(client=client)

    with ThreadPoolExecutor(max_workers=200) as pool:
        futures = [pool.submit(call) for _ in range(200)]
        start.wait()
        assert aviv.token_entered.wait(timeout=30)
        gate.set()
        results = [f.result(timeout=60) for f in futures]
    assert all(isinstance(r, GetClassifiedsResponse200) for r in results)
    assert aviv.token_count == 1
    assert len(aviv.api_authorizations) == 200
    assert set(aviv.api_authorizations) == {f"Bearer {aviv.issued[0]}"}


def test_200_threads_on_separate_clients_one_token_request(
    aviv: FakeAviv, credentials: CaasCredentials
) -> None:
    gate = _slow_token_endpoint(aviv)
    providers = [provider_for(aviv, credentials) for _ in range(200)]  # default process-wide store
    start = threading.Barrier(201)

    def call(index: int) -> str:
        start.wait()
        return providers[index].get_token().value

    with ThreadPoolExecutor(max_workers=200) as pool:
        futures = [pool.submit(call, i) for i in range(200)]
        start.wait()
        assert aviv.token_entered.wait(timeout=30)
        gate.set()
        values = {f.result(timeout=60) for f in futures}
    assert aviv.token_count == 1
    assert values == {aviv.issued[0]}


def test_1000_coroutines_one_token_request(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The async path must not block its event loop: sync I/O happens in the refresh thread only.
    send = httpx.Client.send
    senders: list[threading.Thread] = []

    def recording_send(self: httpx.Client, *args: Any, **kwargs: Any) -> httpx.Response:
        senders.append(threading.current_thread())
        return send(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "send", recording_send)
    provider = provider_for(aviv, credentials, token_store=store)

    async def main() -> set[str]:
        tokens = await asyncio.gather(*(provider.aget_token() for _ in range(1000)))
        return {t.value for t in tokens}

    assert asyncio.run(main()) == {aviv.issued[0]}
    assert aviv.token_count == 1
    assert len(senders) == 1
    assert senders[0] is not threading.main_thread()  # the event loop's thread never did I/O itself
    assert senders[0].name.startswith("aviv-caas token refresh")


def test_async_api_calls_one_token_request_and_loop_keeps_running(
    aviv: FakeAviv, credentials: CaasCredentials, store: MemoryTokenStore
) -> None:
    gate = _slow_token_endpoint(aviv)
    client = client_for(aviv, credentials, token_store=store)
    ticks = 0
    ticks_while_fetching: list[int] = []

    async def heartbeat(stop: asyncio.Event) -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    async def main() -> list[object]:
        stop = asyncio.Event()
        beat = asyncio.create_task(heartbeat(stop))
        calls = [asyncio.create_task(get_classifieds.asyncio(client=client)) for _ in range(200)]
        # While the token request is held by the server, the event loop must keep running.
        await asyncio.to_thread(aviv.token_entered.wait, 30)
        before = ticks
        for _ in range(20):
            await asyncio.sleep(0.005)
        ticks_while_fetching.append(ticks - before)
        gate.set()
        results = await asyncio.gather(*calls)
        stop.set()
        await beat
        return results

    results = asyncio.run(main())
    assert all(isinstance(r, GetClassifiedsResponse200) for r in results)
    assert aviv.token_count == 1
    assert ticks_while_fetching[0] >= 10
