"""Per-call overhead rows: the generated client and endpoint functions against raw httpx.

Every contender talks to the same ``httpx.MockTransport`` (see ``fixtures``), so the figures
are what each layer adds on top of httpx itself. Two baselines, both raw ``httpx.Client`` /
``httpx.AsyncClient`` with a static ``Authorization`` header:

- ``raw httpx request``: the request alone; baseline of the generated ``AuthenticatedClient``
  and of any other client (``against_raw_request`` / ``against_raw_request_async`` measure a
  new candidate against it, interleaved, and ``overhead_figure`` makes its row);
- ``raw httpx request + .json()``: what a caller of raw httpx does at least; baseline of the
  typed endpoint functions, which also parse the answer into models.
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
CANDIDATE = "candidate"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "User-Agent": USER_AGENT}
Figures = tuple[float, float]


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


def against_raw_request(ctx: BenchContext, transport: httpx.MockTransport, candidate: SyncCall) -> Figures:
    """Median seconds per call of ``candidate`` and of the raw request on ``transport``, interleaved."""
    with raw_client(transport) as raw:
        medians = per_call(ctx, {CANDIDATE: candidate, RAW_REQUEST: lambda: raw.get(CLASSIFIED_PATH)})
    return medians[CANDIDATE], medians[RAW_REQUEST]


def against_raw_request_async(
    ctx: BenchContext, transport: httpx.MockTransport, candidate: AsyncCall
) -> Figures:
    """The async twin of :func:`against_raw_request` (one event loop for both)."""
    raw = raw_async_client(transport)
    try:
        medians = per_call_async(ctx, {CANDIDATE: candidate, RAW_REQUEST: lambda: raw.get(CLASSIFIED_PATH)})
    finally:
        asyncio.run(raw.aclose())
    return medians[CANDIDATE], medians[RAW_REQUEST]


def overhead_figure(row: str, value: float, raw_request: float, note: str) -> Figure:
    """A client's per-call figure against the raw request, with the issue's 1.03x target."""
    return Figure(
        row=row,
        value=value,
        unit="s/call",
        baseline=raw_request,
        baseline_label=RAW_REQUEST,
        target=OVERHEAD_TARGET,
        note=note,
    )


def _check_parsed(parsed: object) -> None:
    if not isinstance(parsed, GetClassifiedResponse200) or parsed.classified_id != CLASSIFIED_ID:
        raise RuntimeError(f"the generated endpoint did not parse the mock classified: {parsed!r}")


def _endpoint_figures(
    medians: dict[str, float], flavour: str, functions: tuple[str, ...]
) -> Iterator[Figure]:
    for function in functions:
        yield Figure(
            row=f"call.{flavour}.get_classified.{function}",
            value=medians[function],
            unit="s/call",
            baseline=medians[RAW_JSON],
            baseline_label=RAW_JSON,
            note=f"{flavour}, same MockTransport, parses the classified",
        )


SYNC_FUNCTIONS = ("sync_detailed", "sync")
ASYNC_FUNCTIONS = ("asyncio_detailed", "asyncio")
SYNC_ROWS = ("call.sync.authenticated_client", *(f"call.sync.get_classified.{f}" for f in SYNC_FUNCTIONS))
ASYNC_ROWS = ("call.async.authenticated_client", *(f"call.async.get_classified.{f}" for f in ASYNC_FUNCTIONS))


@benchmark("calls-sync", SYNC_ROWS)
def sync_calls(ctx: BenchContext) -> Iterator[Figure]:
    """The generated client's request vs raw; ``sync_detailed`` / ``sync`` vs raw + ``.json()``."""
    transport = mock_transport()
    with raw_client(transport) as raw, generated_client(transport) as client:
        httpx_client = client.get_httpx_client()
        if httpx_client.get(CLASSIFIED_PATH).headers.get("content-type") != "application/json":
            raise RuntimeError("the mock transport did not answer the generated client")
        _check_parsed(get_classified.sync(CLASSIFIED_ID, client=client))
        value, raw_request = against_raw_request(ctx, transport, lambda: httpx_client.get(CLASSIFIED_PATH))
        yield overhead_figure(SYNC_ROWS[0], value, raw_request, "sync, same MockTransport, token fixed")
        contenders: dict[str, SyncCall] = {
            RAW_JSON: lambda: raw.get(CLASSIFIED_PATH).json(),
            "sync_detailed": lambda: get_classified.sync_detailed(CLASSIFIED_ID, client=client),
            "sync": lambda: get_classified.sync(CLASSIFIED_ID, client=client),
        }
        medians = per_call(ctx, contenders)
    yield from _endpoint_figures(medians, "sync", SYNC_FUNCTIONS)


@benchmark("calls-async", ASYNC_ROWS)
def async_calls(ctx: BenchContext) -> Iterator[Figure]:
    """The async twins of ``calls-sync``: client request, ``asyncio_detailed`` / ``asyncio``."""
    transport = mock_transport()
    raw = raw_async_client(transport)
    client = generated_client(transport)
    httpx_client = client.get_async_httpx_client()

    async def raw_json() -> object:
        return (await raw.get(CLASSIFIED_PATH)).json()

    contenders: dict[str, AsyncCall] = {
        RAW_JSON: raw_json,
        "asyncio_detailed": lambda: get_classified.asyncio_detailed(CLASSIFIED_ID, client=client),
        "asyncio": lambda: get_classified.asyncio(CLASSIFIED_ID, client=client),
    }
    try:
        _check_parsed(asyncio.run(get_classified.asyncio(CLASSIFIED_ID, client=client)))
        value, raw_request = against_raw_request_async(
            ctx, transport, lambda: httpx_client.get(CLASSIFIED_PATH)
        )
        medians = per_call_async(ctx, contenders)
    finally:
        asyncio.run(_close(raw, httpx_client))
    yield overhead_figure(ASYNC_ROWS[0], value, raw_request, "async, same MockTransport, token fixed")
    yield from _endpoint_figures(medians, "async", ASYNC_FUNCTIONS)


async def _close(*clients: httpx.AsyncClient) -> None:
    for each in clients:
        await each.aclose()
