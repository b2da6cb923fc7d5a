"""Workflow rows (issue 13): listing 10,000 classifieds, and publish_many's throughput.

- ``iter.{sync,async}.classifieds_10000``: ``iter_classifieds`` over 10,000 classifieds (40 pages
  of 250, the project's realistic sample with distinct ids) on an in-process ``MockTransport``,
  per item, against raw httpx fetching the same pages and reading them with ``.json()``. The
  ratio is what typed items cost over plain dicts (parsing into models). Rounds alternate the two
  contenders; the ratio is the median of per-round ratios.
- ``publish_many.concurrency_{1,8,32}``: ``publish_many.asyncio`` of 64 new classifieds against
  the local sandbox with a fixed latency on every API call (``faults.slow``) and statuses that
  are final at once, so each publish is exactly two round trips (POST, then one status poll).
  The baseline is the ideal: ``ceil(64 / concurrency) * 2 * latency``; the ratio says how far
  the batch is from it (client and sandbox share this process and its cores).
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx

from aviv_caas_auth.sandbox import Sandbox, SandboxConfig
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.workflows import PublishResult, iter_classifieds, publish_many
from scripts.bench.calls import HEADERS, generated_client
from scripts.bench.fixtures import BASE_URL, sandbox_client
from scripts.bench.registry import BenchContext, Figure, Target, benchmark
from scripts.bench.timing import Timings

ITEMS, PAGE = 10_000, 250
RAW = "raw httpx + .json()"


def listing_transport(items: int) -> httpx.MockTransport:
    """``GET /classifieds`` with ``items`` classifieds in pages of ``PAGE`` (``nextToken``: the page)."""
    sample = paris_apartment_for_sale()
    pages: list[bytes] = []
    for start in range(0, items, PAGE):
        batch = [
            {**sample, "classifiedId": str(uuid.UUID(int=n + 1))}
            for n in range(start, min(start + PAGE, items))
        ]
        page: dict[str, Any] = {"items": batch}
        if start + PAGE < items:
            page["nextToken"] = str(len(pages) + 1)
        pages.append(json.dumps(page).encode())

    def handle(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("nextToken", "0"))
        return httpx.Response(200, content=pages[number], headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handle)


def raw_listing(client: httpx.Client, *, member: bool = False) -> int:
    """Every item the raw way: pages fetched, ``.json()`` read, items counted (``member``: one read each)."""
    count, token = 0, None
    while True:
        params = {"limit": PAGE, **({"nextToken": token} if token else {})}
        page = client.get("/classifieds", params=params).json()
        if member:
            count += sum(1 for item in page["items"] if item["data"]["metaData"]["source"]["offererEstateId"])
        else:
            count += len(page["items"])
        token = page.get("nextToken")
        if not token:
            return count


async def raw_listing_async(client: httpx.AsyncClient) -> int:
    """Async :func:`raw_listing`."""
    count, token = 0, None
    while True:
        params = {"limit": PAGE, **({"nextToken": token} if token else {})}
        page = (await client.get("/classifieds", params=params)).json()
        count += len(page["items"])
        token = page.get("nextToken")
        if not token:
            return count


def _rounds(ctx: BenchContext) -> int:
    return 2 if ctx.quick else 15


def _items(ctx: BenchContext) -> int:
    return 1_000 if ctx.quick else ITEMS


SYNC_TYPED, ASYNC_TYPED = "iter_classifieds.sync", "iter_classifieds.asyncio"
RAW_ASYNC = "raw httpx async + .json()"
TYPED_MEMBER, RAW_MEMBER = "iter_classifieds.sync + one member", "raw httpx + .json() + one member"
ITER_TARGET = Target(1.5, of="ratio")
ITER_ROWS = (
    "iter.sync.classifieds_10000",
    "iter.async.classifieds_10000",
    "iter.async_vs_sync.classifieds_10000",
    "iter.sync.classifieds_10000.one_member",
)


@benchmark("iter-classifieds", ITER_ROWS)
def iterate(ctx: BenchContext) -> Iterator[Figure]:
    """``iter_classifieds.sync`` / ``.asyncio`` over every page vs raw httpx + ``.json()``, per item.

    The six contenders run in the same rounds, in a rotated order, so that every ratio is paired,
    async against sync included. Like the raw loops, the typed ones count the items and keep none:
    a contender keeping 10,000 classifieds alive would also pay the garbage collector's passes over
    them, a cost of what the caller keeps, not of the listing. The ``one_member`` pair reads one
    nested member of each item (``item.data.meta_data.source.offerer_estate_id``), as a typed
    listing usually does.
    """
    items = _items(ctx)
    transport = listing_transport(items)
    client = generated_client(transport)
    raw = httpx.Client(base_url=BASE_URL, headers=HEADERS, transport=transport)
    raw_async = httpx.AsyncClient(base_url=BASE_URL, headers=HEADERS, transport=transport)

    def typed() -> int:
        return sum(1 for _ in iter_classifieds.sync(client, page_size=PAGE))

    def typed_member() -> int:
        listing = iter_classifieds.sync(client, page_size=PAGE)
        return sum(1 for item in listing if item.data.meta_data.source.offerer_estate_id)

    async def typed_async() -> int:
        count = 0
        async for _ in iter_classifieds.asyncio(client, page_size=PAGE):
            count += 1
        return count

    async def in_loop(run: Callable[[], int]) -> int:
        return run()

    contenders: dict[str, Callable[[], Awaitable[int]]] = {
        SYNC_TYPED: lambda: in_loop(typed),
        RAW: lambda: in_loop(lambda: raw_listing(raw)),
        ASYNC_TYPED: typed_async,
        RAW_ASYNC: lambda: raw_listing_async(raw_async),
        TYPED_MEMBER: lambda: in_loop(typed_member),
        RAW_MEMBER: lambda: in_loop(lambda: raw_listing(raw, member=True)),
    }

    async def measure() -> dict[str, list[float]]:
        samples: dict[str, list[float]] = {name: [] for name in contenders}
        try:
            for run in contenders.values():  # warm-up, and the counts are checked
                if await run() != items:
                    raise RuntimeError("a contender did not list every classified")
            names = list(contenders)
            for round_number in range(_rounds(ctx)):
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    started = time.perf_counter()
                    await contenders[name]()
                    samples[name].append((time.perf_counter() - started) / items)
        finally:
            await raw_async.aclose()
            await client.get_async_httpx_client().aclose()
        return samples

    try:
        timings = Timings(asyncio.run(measure()))
    finally:
        raw.close()
        client.get_httpx_client().close()
    what = f"{items:,} classifieds in pages of {PAGE}, MockTransport; time per item"
    yield timings.figure(ITER_ROWS[0], SYNC_TYPED, RAW, note=f"sync: {what}", target=ITER_TARGET)
    yield timings.figure(
        ITER_ROWS[1], ASYNC_TYPED, RAW_ASYNC, note=f"async: {what}", target=ITER_TARGET, baseline_label=RAW
    )
    yield timings.figure(
        ITER_ROWS[2],
        ASYNC_TYPED,
        SYNC_TYPED,
        note=f"async typed items vs sync ones: {what}",
        target=Target(1.0, of="ratio"),
    )
    yield timings.figure(
        ITER_ROWS[3],
        TYPED_MEMBER,
        RAW_MEMBER,
        note=f"sync, reading item.data.meta_data.source.offerer_estate_id of each: {what}",
    )


LATENCY = 0.02
CONCURRENCY = (1, 8, 32)
ROUND_TRIPS = 2  # POST /classifieds, then one GET .../statuses (statuses are final at once)


def _publish_rows() -> tuple[str, ...]:
    return tuple(f"publish_many.concurrency_{c}" for c in CONCURRENCY)


@benchmark("publish-many", _publish_rows())
def publish_many_throughput(ctx: BenchContext) -> Iterator[Figure]:
    """``publish_many.asyncio`` at concurrency 1/8/32 against a sandbox with a fixed latency, vs the ideal."""
    items = 16 if ctx.quick else 64
    runs = 1 if ctx.quick else 3
    with Sandbox.start(SandboxConfig(status_step=0.0)) as sandbox:
        client = sandbox_client(sandbox)
        sandbox.faults.slow(LATENCY, "/classifieds**", count=None)

        async def batch(concurrency: int) -> float:
            prefix = uuid.uuid4().hex[:8]
            bodies = []
            for n in range(items):
                body = paris_apartment_for_sale()
                body["data"]["metaData"]["source"]["offererEstateId"] = f"bench-{prefix}-{n}"
                bodies.append(body)
            started = time.perf_counter()
            outcomes = await publish_many.asyncio(client, bodies, concurrency=concurrency)
            elapsed = time.perf_counter() - started
            if not all(isinstance(o, PublishResult) and o.action == "created" for o in outcomes):
                raise RuntimeError(f"publish_many did not create every classified: {outcomes[:3]}")
            return elapsed

        async def measure() -> dict[int, list[float]]:
            try:
                await batch(4)  # the token, the connections, the imports
                timings: dict[int, list[float]] = {c: [] for c in CONCURRENCY}
                for _ in range(runs):
                    for concurrency in CONCURRENCY:
                        timings[concurrency].append(await batch(concurrency))
                return timings
            finally:
                await client.get_async_httpx_client().aclose()

        timings = asyncio.run(measure())
        if sandbox.report().clients and not sandbox.report().compliant:
            raise RuntimeError("the bench client did not reuse its token")
    for concurrency in CONCURRENCY:
        ideal = math.ceil(items / concurrency) * ROUND_TRIPS * LATENCY
        yield Figure(
            row=f"publish_many.concurrency_{concurrency}",
            value=statistics.median(timings[concurrency]),
            unit="s",
            baseline=ideal,
            baseline_label="ideal",
            note=(
                f"{items} new classifieds, {LATENCY * 1000:g} ms per API call, {ROUND_TRIPS} calls each; "
                f"median of {runs} run(s); {items / statistics.median(timings[concurrency]):.0f} items/s"
            ),
        )
