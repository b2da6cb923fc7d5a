"""Per-call overhead rows: the generated client and endpoint functions against raw httpx.

Every contender talks to the same ``httpx.MockTransport`` (see ``fixtures``), so the figures
are what each layer adds on top of httpx itself. Two baselines, both raw ``httpx.Client`` /
``httpx.AsyncClient`` with a static ``Authorization`` header:

- ``raw httpx request``: the request alone; baseline of the generated ``AuthenticatedClient``
  and of any other client (``against_raw_request`` / ``against_raw_request_async`` measure a
  new candidate against it, interleaved, and ``overhead_figure`` makes its row). Each such
  comparison also times a second, identical raw client against the first (an A/A control);
  its ratio, in the row's note, is how far from 1.000x noise alone moves a ratio in that run;
- ``raw httpx request + .json()``: what a caller of raw httpx does at least; baseline of the
  typed endpoint functions, which also parse the answer into models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classified
from aviv_caas_client.models import GetClassifiedResponse200
from scripts.bench.fixtures import BASE_URL, CLASSIFIED_ID, CLASSIFIED_PATH, TOKEN, USER_AGENT, mock_transport
from scripts.bench.registry import BenchContext, Figure, Target, benchmark
from scripts.bench.timing import AsyncCall, SyncCall, Timings, per_call, per_call_async

RAW_REQUEST = "raw httpx request"
RAW_CONTROL = "raw httpx request, 2nd client"
RAW_JSON = "raw httpx request + .json()"
OVERHEAD_TARGET = Target(1.03, of="ratio")
TYPED_CALL_TARGET = Target(1.2, of="ratio")
CANDIDATE = "candidate"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "User-Agent": USER_AGENT}


@dataclass(frozen=True)
class Comparison:
    """A candidate, the raw request and the A/A control, timed in the same interleaved rounds."""

    timings: Timings

    @property
    def control_ratio(self) -> float:
        """Paired ratio of the second raw client to the first: the noise floor of this comparison."""
        return self.timings.ratio(RAW_CONTROL, RAW_REQUEST)


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


def against_raw_request(ctx: BenchContext, transport: httpx.MockTransport, candidate: SyncCall) -> Comparison:
    """Time ``candidate``, the raw request and the A/A control on ``transport``, interleaved."""
    with raw_client(transport) as raw, raw_client(transport) as control:
        timings = per_call(
            ctx,
            {
                CANDIDATE: candidate,
                RAW_REQUEST: lambda: raw.get(CLASSIFIED_PATH),
                RAW_CONTROL: lambda: control.get(CLASSIFIED_PATH),
            },
        )
    return Comparison(timings)


def against_raw_request_async(
    ctx: BenchContext, transport: httpx.MockTransport, candidate: AsyncCall
) -> Comparison:
    """The async twin of :func:`against_raw_request` (one event loop for all three)."""
    raw, control = raw_async_client(transport), raw_async_client(transport)
    try:
        timings = per_call_async(
            ctx,
            {
                CANDIDATE: candidate,
                RAW_REQUEST: lambda: raw.get(CLASSIFIED_PATH),
                RAW_CONTROL: lambda: control.get(CLASSIFIED_PATH),
            },
        )
    finally:
        asyncio.run(_close(raw, control))
    return Comparison(timings)


def overhead_figure(row: str, comparison: Comparison, note: str) -> Figure:
    """A client's per-call figure against the raw request, with the issue's 1.03x target."""
    return comparison.timings.figure(
        row,
        CANDIDATE,
        RAW_REQUEST,
        target=OVERHEAD_TARGET,
        note=f"{note}; A/A control {comparison.control_ratio:.3f}x",
    )


def _check_parsed(parsed: object) -> None:
    if not isinstance(parsed, GetClassifiedResponse200) or parsed.classified_id != CLASSIFIED_ID:
        raise RuntimeError(f"the generated endpoint did not parse the mock classified: {parsed!r}")


def _to_dict(parsed: object) -> object:
    if not isinstance(parsed, GetClassifiedResponse200):
        raise RuntimeError(f"the generated endpoint did not parse the mock classified: {parsed!r}")
    return parsed.to_dict()


def _endpoint_figures(timings: Timings, flavour: str, functions: tuple[str, ...]) -> Iterator[Figure]:
    for function in functions:
        yield timings.figure(
            f"call.{flavour}.get_classified.{function}",
            function,
            RAW_JSON,
            note=f"{flavour}, same MockTransport, reads the classified (nested models on first access)",
            target=TYPED_CALL_TARGET,
        )


SYNC_FUNCTIONS = ("sync_detailed", "sync")
ASYNC_FUNCTIONS = ("asyncio_detailed", "asyncio")
EVERYTHING = "sync + to_dict"
SYNC_ROWS = (
    "call.sync.authenticated_client",
    *(f"call.sync.get_classified.{f}" for f in SYNC_FUNCTIONS),
    "call.sync.get_classified.sync_to_dict",
)
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
        comparison = against_raw_request(ctx, transport, lambda: httpx_client.get(CLASSIFIED_PATH))
        yield overhead_figure(SYNC_ROWS[0], comparison, "sync, same MockTransport, token fixed")
        contenders: dict[str, SyncCall] = {
            RAW_JSON: lambda: raw.get(CLASSIFIED_PATH).json(),
            "sync_detailed": lambda: get_classified.sync_detailed(CLASSIFIED_ID, client=client),
            "sync": lambda: get_classified.sync(CLASSIFIED_ID, client=client),
            EVERYTHING: lambda: _to_dict(get_classified.sync(CLASSIFIED_ID, client=client)),
        }
        timings = per_call(ctx, contenders)
    yield from _endpoint_figures(timings, "sync", SYNC_FUNCTIONS)
    yield timings.figure(
        SYNC_ROWS[-1],
        EVERYTHING,
        RAW_JSON,
        note="sync: reads every member (to_dict also writes them back): a typed call that uses everything",
    )


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
        comparison = against_raw_request_async(ctx, transport, lambda: httpx_client.get(CLASSIFIED_PATH))
        timings = per_call_async(ctx, contenders)
    finally:
        asyncio.run(_close(raw, httpx_client))
    yield overhead_figure(ASYNC_ROWS[0], comparison, "async, same MockTransport, token fixed")
    yield from _endpoint_figures(timings, "async", ASYNC_FUNCTIONS)


async def _close(*clients: httpx.AsyncClient) -> None:
    for each in clients:
        await each.aclose()
