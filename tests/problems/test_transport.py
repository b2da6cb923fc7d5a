"""CaasTransport's edges: the caller's transport and proxies, broken and garbled answers, logs."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_auth import (
    AccessToken,
    ApiConnectionError,
    CaasCredentials,
    ConfigurationError,
    ManualClock,
    MemoryTokenStore,
    RetryPolicy,
    create_client,
    token_provider_of,
    unwrap,
)
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.problems.scripted_aviv import API_BASE, TOKEN, ScriptedAviv, free_port, respond, serving

UA = "TestCRM/1.0.0"
TOKEN_BODY = {"access_token": "tok-" + "5" * 40, "expires_in": 86400, "token_type": "Bearer"}


def credentials() -> CaasCredentials:
    return CaasCredentials("crm-client", f"s3cr3t-{uuid.uuid4().hex}", "agency-42")


def send(client: AuthenticatedClient, mode: str) -> object:
    """Call get_classifieds the sync or the async way."""
    if mode == "sync":
        return get_classifieds.sync_detailed(client=client)

    async def main() -> object:
        try:
            return await get_classifieds.asyncio_detailed(client=client)
        finally:
            await client.get_async_httpx_client().aclose()

    return asyncio.run(main())


def recording_policy(waits: list[float]) -> RetryPolicy:
    def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)

    return RetryPolicy(attempts=3, sleep=sleep, async_sleep=async_sleep, clock=ManualClock())


def test_the_callers_transport_is_wrapped_for_api_and_token_requests() -> None:
    seen: list[tuple[str, str, str | None]] = []
    api_answers = iter([503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.headers.get("traceparent")))
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json=TOKEN_BODY)
        return httpx.Response(next(api_answers), json={"items": []})

    waits: list[float] = []
    client = create_client(
        credentials(),
        user_agent=UA,
        base_url="http://127.0.0.1:9/caas/v3",
        token_url="http://127.0.0.1:9/oauth/token",
        token_store=MemoryTokenStore(),
        retry=recording_policy(waits),
        httpx_args={"transport": httpx.MockTransport(handler)},
    )

    page = unwrap(get_classifieds.sync_detailed(client=client))

    assert isinstance(page, GetClassifiedsResponse200)
    assert [(method, path) for method, path, _ in seen] == [
        ("POST", "/oauth/token"),
        ("GET", "/caas/v3/classifieds"),
        ("GET", "/caas/v3/classifieds"),
    ]
    assert len(waits) == 1
    assert all(traceparent for _, _, traceparent in seen)  # token requests carry one too


def test_a_sync_only_transport_used_from_async_code_is_a_clear_error() -> None:
    store = MemoryTokenStore()
    client = create_client(
        credentials(),
        user_agent=UA,
        base_url="http://127.0.0.1:9/caas/v3",
        token_url="http://127.0.0.1:9/oauth/token",
        token_store=store,
        httpx_args={"transport": httpx.HTTPTransport()},
    )
    # A cached token: token requests can go through a sync transport (the refresh runs in a thread).
    token = AccessToken(value="tok-cached", expires_in=86400, expires_at=time.time() + 86400)
    store.save(token_provider_of(client).key, token)

    async def main() -> None:
        try:
            await get_classifieds.asyncio_detailed(client=client)
        finally:
            await client.get_async_httpx_client().aclose()

    with pytest.raises(ConfigurationError, match="sync-only transport"):
        asyncio.run(main())


def test_proxies_from_the_environment_are_honoured(
    loopback: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nobody listens where the URLs point: only the proxy (our scripted server) can answer.
    port = free_port()
    aviv = ScriptedAviv(token=(TOKEN,), api=(respond(200, {"items": []}),))
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", loopback.url_for("/").rstrip("/"))
    with serving(loopback, aviv):
        client = create_client(
            credentials(),
            user_agent=UA,
            environment="sandbox",
            base_url=f"http://127.0.0.1:{port}{API_BASE}",
            token_url=f"http://127.0.0.1:{port}/oauth/token",
            token_store=MemoryTokenStore(),
        )
        page = unwrap(get_classifieds.sync_detailed(client=client))
    assert isinstance(page, GetClassifiedsResponse200)
    assert (len(aviv.token_requests), len(aviv.api_requests)) == (1, 1)


@pytest.fixture
def truncating_server() -> Iterator[tuple[str, list[int]]]:
    """Answers a token, then API answers whose connection breaks half-way through the body."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    connections: list[int] = []
    stop = threading.Event()
    token = (
        b'{"access_token": "tok-5555555555555555555555555555555555555555", "expires_in": 86400, '
        b'"token_type": "Bearer"}'
    )

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(65536)
                connections.append(1)
                if request.startswith(b"POST /oauth/token"):
                    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(token)}\r\n"
                    conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + token)
                else:
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
                        b'Connection: close\r\n\r\n{"items": ['
                    )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", connections
    stop.set()
    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept()
    listener.close()
    thread.join(5)


@pytest.mark.fault_case
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_answer_cut_short_is_retried_then_typed(
    truncating_server: tuple[str, list[int]], mode: str
) -> None:
    url, connections = truncating_server
    waits: list[float] = []
    client = create_client(
        credentials(),
        user_agent=UA,
        base_url=f"{url}/caas/v3",
        token_url=f"{url}/oauth/token",
        token_store=MemoryTokenStore(),
        retry=recording_policy(waits),
    )

    with pytest.raises(ApiConnectionError) as raised:
        send(client, mode)

    error = raised.value
    assert len(connections) == 1 + 3  # the token, then three attempts
    assert len(waits) == 2
    assert error.attempts == 3
    assert error.request_sent is True
    assert "RemoteProtocolError" in str(error)
    assert error.traceparent is not None
    assert f"traceparent {error.traceparent}" in str(error)
    assert "GET " in str(error)


@pytest.mark.fault_case
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_garbled_compressed_answer_is_a_typed_error(httpserver: HTTPServer, mode: str) -> None:
    httpserver.expect_request("/oauth/token", method="POST").respond_with_json(TOKEN_BODY)
    httpserver.expect_request("/caas/v3/classifieds").respond_with_data(
        b"\x1f\x8bnot-really-gzip", headers={"Content-Encoding": "gzip"}, content_type="application/json"
    )
    client = create_client(
        credentials(),
        user_agent=UA,
        base_url=httpserver.url_for("/caas/v3"),
        token_url=httpserver.url_for("/oauth/token"),
        token_store=MemoryTokenStore(),
        retry=None,
    )

    with pytest.raises(ApiConnectionError, match="does not match its Content-Encoding") as raised:
        send(client, mode)
    assert raised.value.traceparent is not None


def test_retries_are_logged_and_answers_traceparents_too(
    loopback: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    aviv = ScriptedAviv(api=(respond(503, {"status": 503}), respond(200, {"items": []})))
    with serving(loopback, aviv), caplog.at_level(logging.DEBUG, logger="aviv_caas_auth"):
        client: AuthenticatedClient = create_client(
            credentials(),
            user_agent=UA,
            environment="sandbox",
            base_url=loopback.url_for(API_BASE),
            token_url=loopback.url_for("/oauth/token"),
            token_store=MemoryTokenStore(),
            retry=recording_policy([]),
        )
        unwrap(get_classifieds.sync_detailed(client=client))
    lines: list[Any] = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "aviv_caas_auth"]
    retried = [text for level, text in lines if level == "INFO" and "answered 503" in text]
    assert len(retried) == 1
    assert "attempt 2 of 3" in retried[0]
    assert aviv.api_requests[0].traceparent in retried[0]  # the traceparent of the attempt that failed
    answered = [text for level, text in lines if level == "DEBUG" and "-> 200" in text]
    assert len(answered) == 1
    assert aviv.api_requests[1].traceparent[:36] in answered[0]  # type: ignore[index]
