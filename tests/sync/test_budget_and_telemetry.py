"""Issue 18, item 1: ``plan_sync``/``apply_sync`` spend a given rate budget, and count each listing's action.

The budget is a counting stand-in (every API request of the sync must spend it, none of the
client's own); the counters are recorded with OpenTelemetry's in-memory SDK.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from aviv_caas_auth import apply_sync, apply_sync_async, plan_sync, plan_sync_async, telemetry
from aviv_caas_auth.budget import RateBudgetTimeoutError
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import PollPolicy
from tests.budget.recording import CountingBudget
from tests.sync.conftest import feed, inventory
from tests.telemetry.conftest import Recorded, attrs, recorded  # noqa: F401 - fixture


def api_requests(sandbox: Sandbox) -> int:
    return sum(1 for exchange in sandbox.exchanges() if exchange.kind == "api")


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_every_request_of_a_plan_and_its_apply_spends_the_budget_given(
    sandbox: Sandbox, client: Any, poll: PollPolicy, is_async: bool
) -> None:
    budget = CountingBudget()
    listings = feed(6)
    if is_async:

        async def main() -> Any:
            try:
                plan = await plan_sync_async(client, listings, rate_budget=budget)
                return await apply_sync_async(client, plan, poll=poll, rate_budget=budget)
            finally:
                await client.get_async_httpx_client().aclose()

        report = asyncio.run(main())
    else:
        plan = plan_sync(client, listings, rate_budget=budget)
        report = apply_sync(client, plan, poll=poll, rate_budget=budget)

    assert report.counts["created"] == 6
    client_id = sandbox.credentials.client_id
    assert budget.acquired == [client_id] * api_requests(sandbox)  # every request, the list included
    assert len(inventory(sandbox)) == 6
    plan_sync(client, listings)  # without one, nothing is spent
    assert len(budget.acquired) == api_requests(sandbox) - 1


def test_a_budget_paused_past_the_timeout_fails_the_listings_unsent(
    sandbox: Sandbox, client: Any, poll: PollPolicy
) -> None:
    from aviv_caas_auth.budget import MemoryRateBudget

    plan = plan_sync(client, feed(3))
    budget = MemoryRateBudget(100, max_wait=60)
    budget.pause(sandbox.credentials.client_id, 30)  # another worker's 429: everyone waits 30 s
    before = api_requests(sandbox)

    report = apply_sync(client, plan, poll=poll, rate_budget=budget, timeout=5)

    assert report.counts["failed"] == 3
    assert all(isinstance(result.error, RateBudgetTimeoutError) for result in report.results)
    assert all(result.error.needed > 5 for result in report.results if result.error is not None)
    assert api_requests(sandbox) == before  # nothing sent during the pause
    again = plan_sync(client, feed(3))  # and re-planning later converges: still 3 to create
    assert again.counts["create"] == 3


def test_each_listing_is_counted_once_with_its_action_and_outcome(
    sandbox: Sandbox,
    client: Any,
    poll: PollPolicy,
    recorded: Recorded,  # noqa: F811
    api: str,
) -> None:
    listings = feed(4)
    apply_sync(client, plan_sync(client, listings[:2]), poll=poll)
    listings[1]["data"]["prices"]["buy"]["price"]["amount"] += 1
    listings[3]["data"]["location"]["floor"] = 3  # refused by AVIV's validation

    report = apply_sync(client, plan_sync(client, listings), poll=poll)

    assert report.counts == {
        "created": 1,
        "updated": 1,
        "withdrawn": 0,
        "unchanged": 1,
        "kept": 0,
        "failed": 1,
    }
    counted = recorded.counts(telemetry.SYNC_ACTIONS)

    def key(action: str, outcome: str) -> frozenset[tuple[str, Any]]:
        return attrs(
            {"aviv_caas.sync.action": action, "aviv_caas.sync.outcome": outcome, "aviv_caas.api": api}
        )

    assert counted == {
        key("create", "ok"): 3,  # two in the first apply, one in the second
        key("update", "ok"): 1,
        key("unchanged", "ok"): 1,
        key("create", "ValidationError"): 1,
    }
