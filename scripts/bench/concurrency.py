"""Cold-cache concurrency rows: many callers, no token yet, one loopback token endpoint that is slow.

Scenarios (issue 7): 200 threads sharing one sync client, 1000 coroutines sharing one async
client (both with an in-memory store), 8 processes sharing a FileTokenStore and 4 sharing a
RedisTokenStore (separate interpreters, sync clients: an asyncio caller's first request also
imports httpx's async stack, ~0.1 s of CPU, which would swamp the figure; the store tests mix
sync and async processes). Callers are released together and each makes one API call with a
``create_client`` client: the API is the in-process ``MockTransport``, the token endpoint a real
HTTP server on 127.0.0.1 in a process of its own (``services.token_endpoint``, as AVIV's is not in
the caller's process), answering after ``ctx.token_delay`` so that every caller arrives while the
first token request is in flight. Token requests reach it through a sync httpx mount, as they do
through ``create_client``'s default transport: the refresh runs the way it runs in production, in
the library's thread with sync I/O, for the coroutines too (an async-only mount would make the
event loop drive it, the fallback for async-only transports).

A caller process is cold in every sense: its first call runs while the others compete for the
same cores.

Each scenario reports, over ``ctx.concurrency_runs`` runs with fresh credentials and a fresh store:
the most token requests any run made (counted by the server; target exactly 1, baseline one caller
alone), and the median over runs of the time from the common start to a caller's first API
response: for the first caller answered (``min``), the p50 and p99, and the last (``max``: all
served). Baseline: one caller alone on a cold cache, same kind, same run. The coroutines' ``max``
row also notes how long the same calls take with the token already cached: the floor set by the
calls themselves, one event loop serving them one after another.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier as ProcessBarrier
from pathlib import Path
from typing import Any, Literal

import httpx

from aviv_caas_auth import (
    CaasCredentials,
    FileTokenStore,
    MemoryTokenStore,
    RedisTokenStore,
    TokenStore,
    create_client,
)
from aviv_caas_client import AuthenticatedClient
from scripts.bench.fixtures import BASE_URL, CLASSIFIED_PATH, USER_AGENT, mock_transport
from scripts.bench.registry import BenchContext, Figure, Target, benchmark
from scripts.bench.services import TokenEndpoint, redis_server, token_endpoint

EXACTLY_ONE = Target(1, exact=True)
WAIT = 120.0
"""Seconds any caller may take before a scenario is declared stuck."""


@dataclass(frozen=True)
class Caller:
    """What one caller saw: when its first API response came, and the Authorization it sent."""

    started: float
    answered: float
    authorization: str


@dataclass(frozen=True)
class Race:
    """One run of a scenario: token requests the server counted, and seconds to each first response."""

    token_requests: int
    first_response: list[float]
    warm: float | None = None
    """Seconds the same calls took right after, with the token cached (coroutines only)."""


def _credentials() -> CaasCredentials:
    """Credentials of their own for each run, so every run starts from a cold cache."""
    return CaasCredentials(f"bench-{uuid.uuid4().hex[:12]}", "bench-secret", "bench-agency")


def cold_client(
    endpoint_url: str, origin: str, credentials: CaasCredentials, store: TokenStore
) -> AuthenticatedClient:
    """A ``create_client`` client: API on the mock transport, token requests to the loopback endpoint.

    The endpoint is reached through a sync mount, as a default ``create_client`` reaches AVIV's:
    the refresh runs in the library's thread, for async callers too (see the module docstring).
    """
    return create_client(
        credentials,
        user_agent=USER_AGENT,
        base_url=BASE_URL,
        token_url=endpoint_url,
        token_store=store,
        httpx_args={"transport": mock_transport(), "mounts": {origin: httpx.HTTPTransport()}},
    )


def _answered(response: httpx.Response, started: float) -> Caller:
    answered = time.perf_counter()
    if response.status_code != 200:
        raise RuntimeError(f"the mock API answered {response.status_code}")
    return Caller(started, answered, response.request.headers["Authorization"])


def _race(
    endpoint: TokenEndpoint, credentials: CaasCredentials, callers: list[Caller], warm: float | None = None
) -> Race:
    """Check every caller sent a token the endpoint issued for ``credentials``; the race's figures."""
    requests, issued = endpoint.issued(credentials.client_id)
    if not issued or any(caller.authorization not in issued for caller in callers):
        raise RuntimeError("a caller sent a token the endpoint did not issue for its credentials")
    start = min(caller.started for caller in callers)
    return Race(requests, [c.answered - start for c in callers], warm)


def race_threads(endpoint: TokenEndpoint, callers: int) -> Race:
    """``callers`` threads, released by one barrier, each calling the API once with one shared client."""
    credentials = _credentials()
    client = cold_client(endpoint.url, endpoint.origin, credentials, MemoryTokenStore())
    started: list[float] = []
    barrier = threading.Barrier(callers, action=lambda: started.append(time.perf_counter()), timeout=WAIT)
    with client:
        httpx_client = client.get_httpx_client()

        def call() -> Caller:
            barrier.wait()
            return _answered(httpx_client.get(CLASSIFIED_PATH), started[0])

        with ThreadPoolExecutor(max_workers=callers) as pool:
            futures = [pool.submit(call) for _ in range(callers)]
            results = [future.result(timeout=WAIT) for future in futures]
    return _race(endpoint, credentials, results)


def race_coroutines(endpoint: TokenEndpoint, callers: int) -> Race:
    """``callers`` coroutines on one event loop, each calling the API once with one shared async client.

    Then the same calls again, the token now cached: the race's ``warm`` time.
    """
    credentials = _credentials()
    client = cold_client(endpoint.url, endpoint.origin, credentials, MemoryTokenStore())

    async def run() -> tuple[list[Caller], float]:
        httpx_client = client.get_async_httpx_client()

        async def call(started: float) -> Caller:
            return _answered(await httpx_client.get(CLASSIFIED_PATH), started)

        try:
            started = time.perf_counter()
            cold = await asyncio.wait_for(asyncio.gather(*(call(started) for _ in range(callers))), WAIT)
            started = time.perf_counter()
            warm = await asyncio.wait_for(asyncio.gather(*(call(started) for _ in range(callers))), WAIT)
            return cold, max(caller.answered for caller in warm) - started
        finally:
            await httpx_client.aclose()

    cold, warm = asyncio.run(run())
    return _race(endpoint, credentials, cold, warm)


@dataclass(frozen=True)
class ProcessSpec:
    """What a caller process needs (sent to a spawned interpreter, so plain data only)."""

    client_id: str
    store: Literal["file", "redis"]
    location: str
    """The FileTokenStore directory, or the Redis URL."""
    namespace: str
    endpoint_url: str
    origin: str


def _make_store(spec: ProcessSpec) -> TokenStore:
    if spec.store == "file":
        return FileTokenStore(spec.location)
    return RedisTokenStore.from_url(spec.location, namespace=spec.namespace)


def process_caller(spec: ProcessSpec, barrier: ProcessBarrier, results: Any) -> None:
    """Body of a caller process: build store and client, wait for the others, call the API once."""
    try:
        credentials = CaasCredentials(spec.client_id, "bench-secret", "bench-agency")
        store = _make_store(spec)
        client = cold_client(spec.endpoint_url, spec.origin, credentials, store)
        barrier.wait(timeout=WAIT)
        started = time.perf_counter()  # system-wide on Linux: comparable between the processes
        with client.get_httpx_client() as httpx_client:
            results.put(_answered(httpx_client.get(CLASSIFIED_PATH), started))
    except BaseException as exc:
        results.put(f"{type(exc).__name__}: {exc}")
        raise


def race_processes(
    endpoint: TokenEndpoint, callers: int, store: Literal["file", "redis"], location: str
) -> Race:
    """``callers`` fresh interpreters (spawned) on one store, released together by a barrier."""
    context = multiprocessing.get_context("spawn")
    credentials = _credentials()
    barrier = context.Barrier(callers)
    results = context.Queue()
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    processes = [
        context.Process(
            target=process_caller,
            args=(
                ProcessSpec(
                    credentials.client_id,
                    store,
                    location,
                    namespace,
                    endpoint.url,
                    endpoint.origin,
                ),
                barrier,
                results,
            ),
            daemon=True,
        )
        for _ in range(callers)
    ]
    for process in processes:
        process.start()
    try:
        answers = [_next_answer(results, processes) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=WAIT)
            if process.is_alive():
                process.kill()
                process.join()
    return _race(endpoint, credentials, answers)


def _next_answer(results: Any, processes: list[Any]) -> Caller:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            answer = results.get(timeout=0.5)
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                raise RuntimeError("a caller process died before answering") from None
            continue
        if isinstance(answer, Caller):
            return answer
        raise RuntimeError(f"a caller process failed: {answer}")
    raise RuntimeError(f"caller processes gave no answer within {WAIT:g} s")


def _percentile(values: list[float], percent: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _scenario_figures(
    ctx: BenchContext,
    prefix: str,
    callers: int,
    what: str,
    run: Callable[[int], Race],
    targets: dict[str, Target] | None = None,
) -> Iterator[Figure]:
    """Run the scenario and one caller alone, ``ctx.concurrency_runs`` times each, alternating.

    One caller runs alone first and is discarded: it pays this process's first-use costs (lazy
    imports of the async stack, the first connection), which would otherwise land on one run.
    ``targets`` maps a row's last part (``first_response_min``...) to the goal shown beside it.
    """
    run(1)
    crowd: list[Race] = []
    alone: list[Race] = []
    for _ in range(ctx.concurrency_runs):
        alone.append(run(1))
        crowd.append(run(callers))
    single = statistics.median(race.first_response[0] for race in alone)
    yield Figure(
        row=f"{prefix}.token_requests",
        value=max(race.token_requests for race in crowd),
        unit="requests",
        baseline=max(race.token_requests for race in alone),
        baseline_label="one caller alone",
        target=EXACTLY_ONE,
        note=f"{what}, cold cache; most in {len(crowd)} run(s), counted by the token endpoint",
    )
    statistic: dict[str, Callable[[list[float]], float]] = {
        "min": min,
        "p50": lambda values: _percentile(values, 50),
        "p99": lambda values: _percentile(values, 99),
        "max": max,
    }
    for name, of in statistic.items():
        row = f"first_response_{name}"
        note = f"{what}: time to first API response ({name}), token endpoint {ctx.token_delay * 1000:g} ms"
        warm = [race.warm for race in crowd if race.warm is not None]
        if name == "max" and warm:
            note += f"; the same calls with the token cached: {statistics.median(warm) * 1000:.0f} ms"
        yield Figure(
            row=f"{prefix}.{row}",
            value=statistics.median(of(race.first_response) for race in crowd),
            unit="s",
            baseline=single,
            baseline_label="one caller alone",
            target=(targets or {}).get(row),
            note=note,
        )


def _rows(prefix: str) -> tuple[str, ...]:
    return (
        f"{prefix}.token_requests",
        *(f"{prefix}.first_response_{name}" for name in ("min", "p50", "p99", "max")),
    )


COROUTINE_TARGETS = {
    "first_response_min": Target(1.5, of="ratio"),  # issue 21: the first caller within 1.5x one alone
    "first_response_max": Target(2.0, of="ratio"),  # and all of them within 2x
}


THREADS, COROUTINES, FILE_PROCESSES, REDIS_PROCESSES = 200, 1000, 8, 4


@benchmark("cold-threads", _rows(f"cold.threads_{THREADS}"))
def cold_threads(ctx: BenchContext) -> Iterator[Figure]:
    """200 threads, one sync client, memory store."""
    with token_endpoint(ctx.token_delay) as endpoint:
        yield from _scenario_figures(
            ctx,
            f"cold.threads_{THREADS}",
            THREADS,
            f"{THREADS} threads, one client, memory store",
            lambda callers: race_threads(endpoint, callers),
        )


@benchmark("cold-coroutines", _rows(f"cold.coroutines_{COROUTINES}"))
def cold_coroutines(ctx: BenchContext) -> Iterator[Figure]:
    """1000 coroutines, one async client, memory store."""
    with token_endpoint(ctx.token_delay) as endpoint:
        yield from _scenario_figures(
            ctx,
            f"cold.coroutines_{COROUTINES}",
            COROUTINES,
            f"{COROUTINES} coroutines, one client, memory store",
            lambda callers: race_coroutines(endpoint, callers),
            COROUTINE_TARGETS,
        )


@benchmark("cold-processes-file", _rows(f"cold.file_processes_{FILE_PROCESSES}"))
def cold_processes_file(ctx: BenchContext) -> Iterator[Figure]:
    """8 processes sharing a FileTokenStore (a fresh directory per run)."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-tokens-") as scratch,
        token_endpoint(ctx.token_delay) as endpoint,
    ):
        yield from _scenario_figures(
            ctx,
            f"cold.file_processes_{FILE_PROCESSES}",
            FILE_PROCESSES,
            f"{FILE_PROCESSES} processes, FileTokenStore",
            lambda callers: race_processes(
                endpoint, callers, "file", str(Path(scratch) / uuid.uuid4().hex / "tokens")
            ),
        )


@benchmark("cold-processes-redis", _rows(f"cold.redis_processes_{REDIS_PROCESSES}"))
def cold_processes_redis(ctx: BenchContext) -> Iterator[Figure]:
    """4 processes sharing a RedisTokenStore on a throwaway loopback redis-server."""
    with redis_server() as url, token_endpoint(ctx.token_delay) as endpoint:
        yield from _scenario_figures(
            ctx,
            f"cold.redis_processes_{REDIS_PROCESSES}",
            REDIS_PROCESSES,
            f"{REDIS_PROCESSES} processes, RedisTokenStore",
            lambda callers: race_processes(endpoint, callers, "redis", url),
        )
