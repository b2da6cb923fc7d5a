"""Scale rows (issue 18): agencies synced by 1, 2 and 4 worker processes against a rate-limited sandbox.

The sandbox answers every request after 20 ms (``faults.slow(0.02, count=None)``) and refuses
(429, ``Retry-After``) beyond ``R`` API requests per second for the client id all the agencies
share. Each worker process runs the Celery task's body (:func:`aviv_caas_auth.celery.body.sync_agency`,
with its per-process Redis token store and budget, a retry honouring its countdown, 4 listings in
flight per process) on agencies taken from a shared queue, all released together once every process
is ready. A saturated budget tops out at about 0.91 x R: a request that waited leaves
``jitter_margin`` (0.1 s) after its slot frees, so that arrival jitter does not make 429s.

- ``scale.budget.throughput_<N>proc``: API requests the sandbox accepted per second, as a ratio
  to ``R``, with the shared ``RedisRateBudget`` at ``R`` (goal >= 0.9 once the limit binds); the
  note gives the 429s it still met.
- ``scale.no_budget.throughput_<N>proc``: the same without a shared budget (each process backs
  off on its own 429s); the note gives its 429s, what the budget saves.

Plain processes, not Celery workers: the rows measure the shared budget; Celery's dispatch (and
its worker start-up, seconds) adds nothing to the rate question and would blur short runs. The
test suite runs the same body under real Celery workers (``tests/celery``).
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Iterator
from typing import Any

from aviv_caas_auth.credentials import CaasCredentials
from aviv_caas_auth.sandbox import Sandbox, SandboxConfig
from aviv_caas_auth.sandbox.config import DEMO_CREDENTIALS
from scripts.bench.fixtures import USER_AGENT
from scripts.bench.registry import BenchContext, Figure, Target, benchmark
from scripts.bench.services import redis_server

RATE = 20
"""``R``: the sandbox's limit per client id and the budget's rate (requests per second)."""
LATENCY = 0.02
CONCURRENCY = 4
"""Listings in flight per process: 4 x 20 ms is far above R, and the sandbox (in this process) has fewer
threads competing for the GIL, which would delay when it counts a request (jitter the budget cannot see)."""
PROCESSES = (1, 2, 4)
ROWS = tuple(f"scale.{kind}.throughput_{n}proc" for kind in ("budget", "no_budget") for n in PROCESSES)


def bench_feed(intermediary_id: str, feed_ref: str | None) -> list[dict[str, Any]]:
    """``int(feed_ref)`` listings for the agency (the workers' feed loader, by dotted path)."""
    from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale

    listings = []
    for n in range(int(feed_ref or 1)):
        body = paris_apartment_for_sale()
        body["data"]["metaData"]["source"]["offererEstateId"] = f"{intermediary_id}-{n:03d}"
        listings.append(body)
    return listings


def bench_credentials(intermediary_id: str) -> CaasCredentials:
    """The sandbox's demo client, acting for the agency (the workers' credentials provider)."""
    return DEMO_CREDENTIALS.for_intermediary(intermediary_id)


def _worker(settings: dict[str, Any], jobs: Any, ready: Any, go: Any, errors: Any) -> None:
    """One worker process: its resources, then agencies from ``jobs`` until none is left."""
    from aviv_caas_auth.celery import PerProcess, RetryLater, SyncSettings, sync_agency

    resources = PerProcess(SyncSettings(**settings)).get()
    if resources.budget is not None:
        resources.budget.check()
    ready.release()
    go.wait()
    while True:
        try:
            agency, feed_ref = jobs.get_nowait()
        except queue.Empty:
            return
        for attempt in range(20):
            try:
                report = sync_agency(resources, agency, feed_ref, attempt=attempt, redelivered=False)
            except RetryLater as later:
                time.sleep(later.countdown)
                continue
            if not report["ok"]:
                errors.put(f"{agency}: {report['error'] or report['failed'][:1]}")
            break


def _run(redis_url: str, processes: int, budget: bool, agencies: int, listings: int) -> tuple[float, int]:
    """One run: (accepted API requests per second, 429s)."""
    config = SandboxConfig(rate_limit=RATE, status_step=0.0, max_exchanges=100_000)
    with Sandbox.start(config) as sandbox:
        sandbox.faults.slow(LATENCY, count=None)
        settings = {
            "feed_loader": "scripts.bench.scale:bench_feed",
            "redis_url": redis_url,
            "rate": RATE if budget else None,
            "user_agent": USER_AGENT,
            "environment": "sandbox",
            "credentials": "scripts.bench.scale:bench_credentials",
            "client_options": {"base_url": sandbox.base_url, "token_url": sandbox.token_url},
            "apply_options": {"wait": False, "concurrency": CONCURRENCY},
        }
        import aviv_caas_auth.celery
        import aviv_caas_auth.sync  # noqa: F401 - imported before the fork: no import inside the measure

        context = multiprocessing.get_context("fork")  # the library is fork-safe; the sandbox stays here
        jobs, errors = context.Queue(), context.Queue()
        for n in range(agencies):
            jobs.put((f"bench-{processes}-{int(budget)}-{n:02d}", str(listings)))
        ready, go = context.Semaphore(0), context.Event()
        workers = [
            context.Process(target=_worker, args=(settings, jobs, ready, go, errors))
            for _ in range(processes)
        ]
        for worker in workers:
            worker.start()
        try:
            for _ in workers:
                if not ready.acquire(timeout=120):
                    raise RuntimeError("a worker process did not get ready")
            started = time.perf_counter()
            go.set()
            for worker in workers:
                worker.join(timeout=600)
            elapsed = time.perf_counter() - started
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.kill()
                    worker.join()
        failures = []
        while not errors.empty():
            failures.append(errors.get())
        if failures:
            raise RuntimeError(f"agencies failed: {failures[:3]}")
        counts = sandbox.rate_limits()["clients"].get(
            DEMO_CREDENTIALS.client_id, {"accepted": 0, "refused": 0}
        )
        expected = agencies * (listings + 1)
        if counts["accepted"] != expected:
            raise RuntimeError(f"the sandbox accepted {counts['accepted']} requests, not {expected}")
        return counts["accepted"] / elapsed, counts["refused"]


@benchmark("scale", ROWS)
def scale_rows(ctx: BenchContext) -> Iterator[Figure]:
    """Throughput as a share of the rate limit, with and without the shared budget, 1 to 4 processes."""
    agencies, listings = (4, 4) if ctx.quick else (8, 49)  # full: 400 requests, 20 s at R
    with redis_server() as redis_url:
        for kind, budget in (("budget", True), ("no_budget", False)):
            for n in PROCESSES:
                per_second, refused = _run(redis_url, n, budget, agencies, listings)
                yield Figure(
                    f"scale.{kind}.throughput_{n}proc",
                    per_second,
                    "requests/s",
                    baseline=RATE,
                    baseline_label=f"R = {RATE}/s (sandbox limit)",
                    target=Target(0.9, of="ratio", at_least=True) if budget else None,
                    note=(
                        f"{refused} 429s; {n} process(es), {agencies} agencies x {listings} listings, "
                        f"{LATENCY * 1000:g} ms latency, "
                        + ("shared RedisRateBudget at R" if budget else "no shared budget")
                    ),
                )
