"""Auth rows: what ``create_client``'s token handling adds to a call, and a token cache hit per store.

- ``call.{sync,async}.create_client``: a ``create_client`` client (token cached in memory) against
  raw httpx with a static Authorization header, both on the same ``MockTransport``, which also
  plays the token endpoint (the client fetches one token, before the rounds start).
- ``token.hit.<store>``: ``TokenProvider.get_token()`` while the token is in the provider's
  in-process cache, the path every API call takes; it never touches the store, so it costs the
  same whatever the store.
- ``token.load.<store>``: ``store.load(key)``, the read a provider makes when its in-process cache
  is cold (a new process) to pick up the token another process stored; once per process and
  key, under the store's lock (not included here).

Cache rows have the raw request as their baseline, so their ratio is the share of one raw
httpx call (on the mock transport) that they cost. The Redis rows run against a throwaway
redis-server on loopback and are skipped when it is not installed.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from aviv_caas_auth import (
    CaasCredentials,
    FileTokenStore,
    MemoryTokenStore,
    RedisTokenStore,
    TokenProvider,
    TokenStore,
    create_client,
    token_provider_of,
)
from aviv_caas_client import AuthenticatedClient
from scripts.bench.calls import (
    CANDIDATE,
    RAW_REQUEST,
    against_raw_request,
    against_raw_request_async,
    generated_client,
    overhead_figure,
    raw_client,
)
from scripts.bench.fixtures import BASE_URL, CLASSIFIED_PATH, TOKEN, USER_AGENT, mock_transport
from scripts.bench.registry import BenchContext, Figure, benchmark
from scripts.bench.services import redis_server
from scripts.bench.timing import per_call, per_call_async

TOKEN_URL = "https://auth.bench.invalid/oauth/token"  # noqa: S105 - a URL, not a secret
CREDENTIALS = CaasCredentials("bench-client", "bench-secret", "bench-agency")
TOKEN_BODY = {"access_token": TOKEN, "expires_in": 86400, "token_type": "Bearer"}


def token_endpoint(request: httpx.Request) -> httpx.Response | None:
    """The mock token endpoint: a 24 h token for ``POST .../oauth/token``; None for API calls."""
    if request.url.host == "auth.bench.invalid" and request.url.path == "/oauth/token":
        return httpx.Response(200, json=TOKEN_BODY)
    return None


def bench_client(transport: httpx.MockTransport) -> AuthenticatedClient:
    """A ``create_client`` client on ``transport`` with a token cache of its own (cold)."""
    return create_client(
        CREDENTIALS,
        user_agent=USER_AGENT,
        base_url=BASE_URL,
        token_url=TOKEN_URL,
        token_store=MemoryTokenStore(),
        httpx_args={"transport": transport},
    )


def _check_one_token_request(client: AuthenticatedClient, response: httpx.Response) -> None:
    """The client sent the mock token and made exactly one token request (so every call hit the cache)."""
    requests = token_provider_of(client).token_requests
    if response.request.headers.get("Authorization") != f"Bearer {TOKEN}" or requests != 1:
        raise RuntimeError(f"create_client did not reuse one token ({requests} token requests)")


SYNC_ROW = "call.sync.create_client"
ASYNC_ROW = "call.async.create_client"
SYNC_LAYER_ROW = "call.sync.create_client.vs_generated_client"
ASYNC_LAYER_ROW = "call.async.create_client.vs_generated_client"
GENERATED = "generated AuthenticatedClient, token fixed"
LAYER_NOTE = (
    "what create_client adds to the generated client (token cache, retry bookkeeping, traceparent header); "
    "both share the generated client's cookie fast path, so this isolates aviv_caas_auth's own cost"
)


@benchmark("create-client-sync", (SYNC_ROW, SYNC_LAYER_ROW))
def create_client_sync(ctx: BenchContext) -> Iterator[Figure]:
    """``create_client``'s httpx client vs raw ``httpx.Client``, same MockTransport, token cached."""
    transport = mock_transport(before=token_endpoint)
    with bench_client(transport) as client:
        httpx_client = client.get_httpx_client()
        httpx_client.get(CLASSIFIED_PATH)  # the one token request
        comparison = against_raw_request(ctx, transport, lambda: httpx_client.get(CLASSIFIED_PATH))
        with generated_client(transport) as generated:
            plain = generated.get_httpx_client()
            layers = per_call(
                ctx,
                {
                    CANDIDATE: lambda: httpx_client.get(CLASSIFIED_PATH),
                    GENERATED: lambda: plain.get(CLASSIFIED_PATH),
                },
            )
        _check_one_token_request(client, httpx_client.get(CLASSIFIED_PATH))
    yield overhead_figure(SYNC_ROW, comparison, "sync, same MockTransport, token cached in memory")
    yield layers.figure(SYNC_LAYER_ROW, CANDIDATE, GENERATED, note=f"sync: {LAYER_NOTE}")


@benchmark("create-client-async", (ASYNC_ROW, ASYNC_LAYER_ROW))
def create_client_async(ctx: BenchContext) -> Iterator[Figure]:
    """The async twin of ``create-client-sync``."""
    transport = mock_transport(before=token_endpoint)
    client = bench_client(transport)
    httpx_client = client.get_async_httpx_client()
    try:
        asyncio.run(httpx_client.get(CLASSIFIED_PATH))  # the one token request
        comparison = against_raw_request_async(ctx, transport, lambda: httpx_client.get(CLASSIFIED_PATH))
        plain = generated_client(transport).get_async_httpx_client()
        layers = per_call_async(
            ctx,
            {
                CANDIDATE: lambda: httpx_client.get(CLASSIFIED_PATH),
                GENERATED: lambda: plain.get(CLASSIFIED_PATH),
            },
        )
        asyncio.run(plain.aclose())
        _check_one_token_request(client, asyncio.run(httpx_client.get(CLASSIFIED_PATH)))
    finally:
        asyncio.run(httpx_client.aclose())
    yield overhead_figure(ASYNC_ROW, comparison, "async, same MockTransport, token cached in memory")
    yield layers.figure(ASYNC_LAYER_ROW, CANDIDATE, GENERATED, note=f"async: {LAYER_NOTE}")


def _cache_figures(ctx: BenchContext, store: TokenStore, name: str) -> Iterator[Figure]:
    """``token.hit.<name>`` and ``token.load.<name>``, interleaved with the raw request."""
    transport = mock_transport(before=token_endpoint)
    provider = TokenProvider(
        CREDENTIALS,
        user_agent=USER_AGENT,
        token_url=TOKEN_URL,
        token_store=store,
        httpx_args={"transport": transport},
    )
    token = provider.get_token()  # fetched once, and written to the store
    key = provider.key
    if store.load(key) != token:
        raise RuntimeError(f"{type(store).__name__} did not return the token it stored")
    with raw_client(transport) as raw:
        timings = per_call(
            ctx,
            {
                "hit": provider.get_token,
                "load": lambda: store.load(key),
                RAW_REQUEST: lambda: raw.get(CLASSIFIED_PATH),
            },
        )
    if provider.token_requests != 1:
        raise RuntimeError(f"the cache-hit loop made {provider.token_requests} token requests, not 1")
    share = "ratio = share of one raw httpx call"
    yield timings.figure(
        f"token.hit.{name}",
        "hit",
        RAW_REQUEST,
        note=f"provider.get_token(), token in its in-process cache (every call's path); {share}",
    )
    yield timings.figure(
        f"token.load.{name}",
        "load",
        RAW_REQUEST,
        note=f"{type(store).__name__}.load(): what a cold process reads once per key; {share}",
    )


def _rows(name: str) -> tuple[str, str]:
    return f"token.hit.{name}", f"token.load.{name}"


@benchmark("token-cache-memory", _rows("memory"))
def token_cache_memory(ctx: BenchContext) -> Iterator[Figure]:
    """Cache hit and load with a MemoryTokenStore."""
    yield from _cache_figures(ctx, MemoryTokenStore(), "memory")


@benchmark("token-cache-file", _rows("file"))
def token_cache_file(ctx: BenchContext) -> Iterator[Figure]:
    """Cache hit and load with a FileTokenStore in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="bench-tokens-") as directory:
        yield from _cache_figures(ctx, FileTokenStore(Path(directory) / "tokens"), "file")


@benchmark("token-cache-redis", _rows("redis"))
def token_cache_redis(ctx: BenchContext) -> Iterator[Figure]:
    """Cache hit and load with a RedisTokenStore on a throwaway loopback redis-server."""
    with redis_server() as url:
        store = RedisTokenStore.from_url(url, namespace=f"bench-{uuid.uuid4().hex[:8]}")
        try:
            yield from _cache_figures(ctx, store, "redis")
        finally:
            store.close()
