"""Per-call overhead rows: the generated client and endpoint functions against raw httpx.

Every contender talks to the same ``httpx.MockTransport`` (see ``fixtures``), so the figures
are what each layer adds on top of httpx itself. Two baselines, both raw ``httpx.Client`` /
``httpx.AsyncClient`` with a static ``Authorization`` header:

- ``raw request``: the request alone; baseline of the generated ``AuthenticatedClient`` (and,
  later, of ``create_client``'s client);
- ``raw request + .json()``: what a caller of raw httpx does at least; baseline of the typed
  endpoint functions, which also parse the answer into models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classified
from aviv_caas_client.models import GetClassifiedResponse200

from scripts.bench.fixtures import BASE_URL, CLASSIFIED_ID, CLASSIFIED_PATH, TOKEN, USER_AGENT, mock_transport
from scripts.bench.registry import BenchContext, Figure, Target, benchmark
from scripts.bench.timing import AsyncCall, SyncCall, per_call, per_call_async

RAW_REQUEST = "raw httpx request"
RAW_JSON = "raw httpx request + .json()"
OVERHEAD_TARGET = Target(1.03, of="ratio")
HEADERS = {"Authorization": f"Bearer {TOKEN}", "User-Agent": USER_AGENT}


def raw_client(transport: httpx.MockTransport) -> httpx.Client:
    """The baseline: a plain ``httpx.Client`` with a static Authorization header."""
    return httpx.Client(base_url=BASE_URL, headers=HEADERS, transport=transport)


def raw_async_client(transport: httpx.MockTransport) -> httpx.AsyncClient:
    """The async baseline: a plain ``httpx.AsyncClient`` with a static Authorization header."""
    return httpx.AsyncClient(base_url=BASE_URL, headers=HEADERS, transport=transport)


def generated_client(transport: httpx.MockTransport) -> AuthenticatedClient:
    """The generated ``AuthenticatedClient`` with a fixed token, on ``transport``."""
    return AuthenticatedClient(
        base_url=BASE_URL,
        token=TOKEN,
        headers={"User-Agent": USER_AGENT},
        httpx_args={"transport": transport},
    )


def _check_parsed(parsed: object) -> None:
    if not isinstance(parsed, GetClassifiedResponse200) or parsed.classified_id != CLASSIFIED_ID:
        raise RuntimeError(f"the generated endpoint did not parse the mock classified: {parsed!r}")


def _figures(medians: dict[str, float], flavour: str) -> Iterator[Figure]:
    note = f"{flavour}, same MockTransport"
    yield Figure(
        row=f"call.{flavour}.authenticated_client",
        value=medians["client"],
        unit="s/call",
        baseline=medians[RAW_REQUEST],
        baseline_label=RAW_REQUEST,
        target=OVERHEAD_TARGET,
        note=note,
    )
    for function in ("detailed", "parsed"):
        yield Figure(
            row=f"call.{flavour}.get_classified.{function}",
            value=medians[function],
            unit="s/call",
            baseline=medians[RAW_JSON],
            baseline_label=RAW_JSON,
            note=note,
        )


SYNC_ROWS = (
    "call.sync.authenticated_client",
    "call.sync.get_classified.detailed",
    "call.sync.get_classified.parsed",
)
ASYNC_ROWS = tuple(row.replace(".sync.", ".async.") for row in SYNC_ROWS)


@benchmark("per-call overhead, sync", SYNC_ROWS)
def sync_calls(ctx: BenchContext) -> Iterator[Figure]:
    """``sync_detailed`` / ``sync`` and the client's own request against raw httpx."""
    transport = mock_transport()
    with raw_client(transport) as raw, generated_client(transport) as client:
        httpx_client = client.get_httpx_client()
        if httpx_client.get(CLASSIFIED_PATH).headers.get("content-type") != "application/json":
            raise RuntimeError("the mock transport did not answer the generated client")
        _check_parsed(get_classified.sync(CLASSIFIED_ID, client=client))
        contenders: dict[str, SyncCall] = {
            RAW_REQUEST: lambda: raw.get(CLASSIFIED_PATH),
            RAW_JSON: lambda: raw.get(CLASSIFIED_PATH).json(),
            "client": lambda: httpx_client.get(CLASSIFIED_PATH),
            "detailed": lambda: get_classified.sync_detailed(CLASSIFIED_ID, client=client),
            "parsed": lambda: get_classified.sync(CLASSIFIED_ID, client=client),
        }
        medians = per_call(ctx, contenders)
    yield from _figures(medians, "sync")


@benchmark("per-call overhead, async", ASYNC_ROWS)
def async_calls(ctx: BenchContext) -> Iterator[Figure]:
    """``asyncio_detailed`` / ``asyncio`` and the client's own request against raw httpx."""
    transport = mock_transport()
    raw = raw_async_client(transport)
    client = generated_client(transport)
    httpx_client = client.get_async_httpx_client()

    async def raw_json() -> object:
        return (await raw.get(CLASSIFIED_PATH)).json()

    contenders: dict[str, AsyncCall] = {
        RAW_REQUEST: lambda: raw.get(CLASSIFIED_PATH),
        RAW_JSON: raw_json,
        "client": lambda: httpx_client.get(CLASSIFIED_PATH),
        "detailed": lambda: get_classified.asyncio_detailed(CLASSIFIED_ID, client=client),
        "parsed": lambda: get_classified.asyncio(CLASSIFIED_ID, client=client),
    }
    try:
        _check_parsed(asyncio.run(get_classified.asyncio(CLASSIFIED_ID, client=client)))
        medians = per_call_async(ctx, contenders)
    finally:
        asyncio.run(_close(raw, httpx_client))
    yield from _figures(medians, "async")


async def _close(*clients: httpx.AsyncClient) -> None:
    for each in clients:
        await each.aclose()
