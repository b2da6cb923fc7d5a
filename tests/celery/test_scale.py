"""Issue 18's must-show: 40 agencies x 25 listings synced by 2 real Celery workers (prefork, 2 processes each).

Everything runs here, on loopback, started and stopped by the test: a redis-server (broker,
results, tokens, the shared rate budget), the local sandbox (in this process, limited to
``LIMIT`` API requests per second for the client id all the agencies share, statuses final at
once), and the workers and the run exactly as the README documents them (``celery -A
aviv_caas_auth.celery.example worker`` and ``python -m aviv_caas_auth.celery.example --all``),
configured by environment variables. The workers' shared budget is ``RATE`` per second, below
the sandbox's limit (as the README advises: it absorbs the network's jitter).

Asserted, as counts: every agency's inventory equals its feed with no duplicate classified;
exactly one token request per agency and audience across every worker process, and the
sandbox's token report compliant; 429s only from requests already in flight when a pause window
opened (a 429 pauses every worker for its Retry-After: no worker sends a new request in it); and, with one worker SIGKILLed mid-run, the messages it held delivered
again (visibility timeout), so that the run still completes with nothing lost.

Run them alone with ``pytest -m scale`` (about 35 s each on an idle 2-core machine, 2.5 min when busy).
"""

from __future__ import annotations

import inspect
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aviv_caas_auth import apply_sync
from aviv_caas_auth.sandbox import Sandbox, SandboxConfig
from aviv_caas_auth.sandbox.config import DEMO_CREDENTIALS
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from tests.budget.conftest import redis_server, redis_server_process, redis_url  # noqa: F401 - fixtures
from tests.celery.processes import Worker, run_command

pytestmark = [pytest.mark.scale, pytest.mark.timeout(400)]

AGENCIES, LISTINGS = 40, 25
LIMIT, RATE = 75, 60
"""The sandbox's limit per client id, and the workers' shared budget (requests per second)."""
WORKERS, PROCESSES = 2, 2
APPLY_CONCURRENCY: int = inspect.signature(apply_sync).parameters["concurrency"].default
IN_FLIGHT = WORKERS * PROCESSES * APPLY_CONCURRENCY
"""Requests the fleet can have on the wire at once (a pool process syncs one agency, that many listings at a time)."""
VISIBILITY_TIMEOUT = 8
"""Seconds before a message a lost worker held is delivered again (short here; hours in production)."""


def agency(n: int) -> str:
    return f"agency-{n:02d}"


def feed_of(n: int) -> list[dict[str, Any]]:
    listings = []
    for k in range(LISTINGS):
        body = paris_apartment_for_sale()
        body["data"]["metaData"]["source"]["offererEstateId"] = f"A{n:02d}-L{k:02d}"
        body["data"]["prices"]["buy"]["price"]["amount"] = 300_000 + 1000 * n + k
        listings.append(body)
    return listings


@dataclass
class Fleet:
    sandbox: Sandbox
    env: dict[str, str]
    logs: Path

    def worker(self, name: str, processes: int) -> Worker:
        return Worker(name, self.env, self.logs / f"{name}.log", concurrency=processes)

    def inventory(self, n: int) -> list[str]:
        """The offererEstateIds of agency ``n``'s live classifieds (duplicates kept, to be seen)."""
        tenant = ("sandbox", DEMO_CREDENTIALS.client_id, agency(n))
        return [record.offerer_estate_id for record in self.sandbox.app.store.classifieds(tenant)]

    def created(self) -> int:
        return sum(len(self.inventory(n)) for n in range(AGENCIES))


@pytest.fixture
def fleet(redis_url: str, tmp_path: Path) -> Iterator[Fleet]:  # noqa: F811
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for n in range(AGENCIES):
        (feeds / f"{agency(n)}.json").write_text(json.dumps(feed_of(n)), encoding="utf-8")
    base = redis_url.rsplit("/", 1)[0]
    config = SandboxConfig(rate_limit=LIMIT, status_step=0.0, max_exchanges=100_000)
    with Sandbox.start(config) as sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AVIV_", "CELERY"))}
        env.update(
            {
                "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
                "AVIV_CAAS_BROKER_URL": f"{base}/0",
                "AVIV_CAAS_RESULT_URL": f"{base}/1",
                "AVIV_CAAS_REDIS_URL": f"{base}/2",
                "AVIV_CAAS_SANDBOX_URL": sandbox.url,
                "AVIV_CAAS_FEED_DIR": str(feeds),
                "AVIV_CAAS_RATE": str(RATE),
                "AVIV_CAAS_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                "AVIV_CAAS_RUN_TIMEOUT": "300",
                "AVIV_CAAS_WAIT": "0",  # statuses are final at once here: half the requests, same results
            }
        )
        yield Fleet(sandbox, env, tmp_path)


def finished(process: Any, within: float = 300) -> dict[str, Any]:
    try:
        out, err = process.communicate(timeout=within)
    except Exception:
        os.killpg(process.pid, 9)
        process.wait()
        raise
    assert process.returncode == 0, f"the run failed ({process.returncode}):\n{err[-3000:]}\n{out[-3000:]}"
    return dict(json.loads(out))


def pause_windows(refusals: list[Any]) -> list[int]:
    """The 429s per pause window: a 429 opens one for its Retry-After, unless one is open."""
    windows: list[int] = []
    open_until = float("-inf")
    for refusal in sorted(refusals, key=lambda r: r.at):
        if refusal.at >= open_until:
            windows.append(0)
            open_until = refusal.at + refusal.retry_after
        windows[-1] += 1
    return windows


def test_pause_windows_counts_the_429s_each_window_holds() -> None:
    class R:
        def __init__(self, at: float, retry_after: int = 1) -> None:
            self.at, self.retry_after = at, retry_after

    assert pause_windows([]) == []
    assert pause_windows([R(10.0), R(10.004), R(10.9), R(11.0), R(13.5, 2), R(15.4)]) == [3, 1, 2]


def check_converged(fleet: Fleet, report: dict[str, Any]) -> None:
    assert report["agencies"] == AGENCIES
    assert report["ok"] == AGENCIES, report["failedAgencies"]
    assert {r["intermediaryId"] for r in report["reports"]} == {agency(n) for n in range(AGENCIES)}
    for n in range(AGENCIES):  # every agency's inventory is its feed, and no classified twice
        listed = fleet.inventory(n)
        assert len(listed) == len(set(listed)), f"{agency(n)} has a duplicate classified"
        assert set(listed) == {f"A{n:02d}-L{k:02d}" for k in range(LISTINGS)}
        bodies = {
            r.offerer_estate_id: r.body
            for r in fleet.sandbox.app.store.classifieds(("sandbox", DEMO_CREDENTIALS.client_id, agency(n)))
        }
        assert {k: b["data"]["prices"]["buy"]["price"]["amount"] for k, b in bodies.items()} == {
            f"A{n:02d}-L{k:02d}": 300_000 + 1000 * n + k for k in range(LISTINGS)
        }
    token_report = fleet.sandbox.report(api="v3")
    usages = {usage.intermediary_id: usage.token_requests for usage in token_report.clients}
    assert usages == {agency(n): 1 for n in range(AGENCIES)}  # one token per agency, across every worker
    assert token_report.compliant, token_report.summary()
    refusals = fleet.sandbox.rate_limit_refusals()
    refused = fleet.sandbox.rate_limits()["clients"][DEMO_CREDENTIALS.client_id]["refused"]
    assert len(refusals) == refused
    # A 429 paused everyone: in its window the only other 429s are requests already on the wire when
    # it was answered (a loaded machine can stall the sandbox, then serve what queued in one burst).
    assert all(count <= IN_FLIGHT for count in pause_windows(refusals)), pause_windows(refusals)


def test_two_workers_sync_forty_agencies_within_the_shared_budget(fleet: Fleet) -> None:
    workers = [fleet.worker(f"w{n + 1}", PROCESSES) for n in range(WORKERS)]
    try:
        for worker in workers:
            worker.wait_ready()
        report = finished(run_command(fleet.env, "--all"))
    finally:
        for worker in workers:
            worker.stop()
    check_converged(fleet, report)
    assert report["counts"]["created"] == AGENCIES * LISTINGS
    assert sum(r["sent"]["created"] for r in report["reports"]) == AGENCIES * LISTINGS
    assert not any(r["redelivered"] for r in report["reports"])
    served = {log.read_text().count("succeeded in") for log in fleet.logs.glob("w*.log")}
    assert all(count > 0 for count in served)  # both workers took part


def test_a_worker_killed_mid_run_loses_nothing_its_messages_come_back(fleet: Fleet) -> None:
    killed, survivor = fleet.worker("w1", PROCESSES), fleet.worker("w2", PROCESSES)
    try:
        killed.wait_ready()
        survivor.wait_ready()
        run = run_command(fleet.env, "--all")
        deadline = time.monotonic() + 240
        while fleet.created() < AGENCIES * LISTINGS // 3:  # a third of the way: both workers busy
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.05)
        in_flight = AGENCIES * LISTINGS - fleet.created()
        killed.kill()  # SIGKILL: the worker and its pool processes, mid-task, holding unacked messages
        report = finished(run)
    finally:
        killed.stop()
        survivor.stop()
    assert in_flight > 0
    check_converged(fleet, report)
    assert any(r["redelivered"] for r in report["reports"])  # what the killed worker held came back
    for r in report["reports"]:  # every listing accounted for in its agency's last run
        counts = r["counts"]
        assert counts["created"] + counts["updated"] + counts["unchanged"] == LISTINGS, r
        assert counts["failed"] == 0, r
