"""Sync rows (issue 17): planning a 10,000-listing agency against the local sandbox, no latency.

- ``sync.plan_10000.api_calls``: the list requests ``plan_sync`` made, against the bound
  ``ceil(10,000 / page size) + 1`` (the ratio must stay <= 1).
- ``sync.plan_10000.time``: ``plan_sync`` of the agency's own feed (every listing unchanged),
  against ``iter_classifieds`` listing the same inventory on the same sandbox: the ratio is what
  reading the feed, normalising and comparing cost on top of reading AVIV.

The inventory is put into the sandbox's store directly (10,000 POSTs would measure the sandbox).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

from aviv_caas_auth import plan_sync
from aviv_caas_auth.sandbox import Sandbox, SandboxConfig
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.workflows import iter_classifieds
from scripts.bench.fixtures import sandbox_client
from scripts.bench.registry import BenchContext, Figure, Target, benchmark

ITEMS, PAGE = 10_000, 250


def _listings(count: int) -> list[dict[str, Any]]:
    listings = []
    for n in range(count):
        body = paris_apartment_for_sale()
        body["data"]["metaData"]["source"]["offererEstateId"] = f"bench-{n:05d}"
        listings.append(body)
    return listings


def _list_calls(sandbox: Sandbox) -> int:
    return sum(1 for e in sandbox.exchanges() if e.operation_id == "getClassifieds")


@benchmark("sync-plan", ("sync.plan_10000.api_calls", "sync.plan_10000.time"))
def plan_rows(ctx: BenchContext) -> Iterator[Figure]:
    """``plan_sync`` of a 10,000-listing agency: requests against the bound, time against a plain listing."""
    items = 1_000 if ctx.quick else ITEMS
    rounds = 1 if ctx.quick else 3
    with Sandbox.start(SandboxConfig(status_step=0.0)) as sandbox:
        client = sandbox_client(sandbox)
        listings = _listings(items)
        sent = client_model_documents(client, listings)
        tenant = ("sandbox", sandbox.credentials.client_id, sandbox.credentials.intermediary_id)
        for body in sent:
            sandbox.app.store.create_classified(tenant, body)
        bound = math.ceil(items / PAGE) + 1
        plans, listing = [], []
        calls = 0
        for _ in range(rounds):
            before = _list_calls(sandbox)
            started = time.perf_counter()
            plan = plan_sync(client, listings, page_size=PAGE)
            plans.append(time.perf_counter() - started)
            calls = _list_calls(sandbox) - before
            if plan.counts["unchanged"] != items:
                raise RuntimeError(f"the plan of an unchanged agency is not all unchanged: {plan.summary()}")
            started = time.perf_counter()
            if sum(1 for _ in iter_classifieds.sync(client, page_size=PAGE)) != items:
                raise RuntimeError("iter_classifieds did not list the whole inventory")
            listing.append(time.perf_counter() - started)
        client.get_httpx_client().close()
    yield Figure(
        "sync.plan_10000.api_calls",
        calls,
        "requests",
        baseline=bound,
        baseline_label=f"ceil({items:,} / {PAGE}) + 1",
        target=Target(1.0, of="ratio"),
        note=f"{items:,} listings, pages of {PAGE}, sandbox without latency",
    )
    yield Figure(
        "sync.plan_10000.time",
        min(plans),
        "s",
        baseline=min(listing),
        baseline_label="iter_classifieds of the same inventory",
        note=f"best of {rounds}: read the feed, list AVIV, normalise and compare {items:,} listings",
    )


def client_model_documents(client: Any, listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listings as the client's model sends them (what the sandbox would have stored)."""
    from aviv_caas_auth.workflows.endpoints import endpoints_of

    model = endpoints_of(client).body_model("create_classified")
    return [model.from_dict(listing).to_dict() for listing in listings]
