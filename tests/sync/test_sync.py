"""Plan and apply a whole agency against the local sandbox: the issue's 200-listing scenario, and its edges."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from aviv_caas_auth import (
    CaasError,
    SyncProgress,
    ValidationError,
    WithdrawalRefusedError,
    apply_sync,
    apply_sync_async,
    plan_sync,
    plan_sync_async,
)
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import PollPolicy
from tests.sync.conftest import as_sent, feed, inventory, writes


def test_two_hundred_listings_create_then_nothing_then_exactly_what_changed(
    sandbox: Sandbox, client: Any, poll: PollPolicy
) -> None:
    listings = feed(200)
    plan = plan_sync(client, listings)
    assert plan.counts["create"] == 200
    assert plan.requests == 1  # an empty agency: one page
    report = apply_sync(client, plan, poll=poll)
    assert report.ok, report.failed[:1]
    assert report.counts["created"] == 200
    assert all(result.status is not None and result.status.status == "CREATED" for result in report.results)
    assert writes(sandbox) == {"createClassified": 200}

    again = plan_sync(client, listings)
    assert again.counts["unchanged"] == 200
    assert again.requests == 1  # 200 in one page of 250
    before = writes(sandbox)
    second = apply_sync(client, again, poll=poll)
    assert second.counts["unchanged"] == 200
    assert writes(sandbox) == before  # 0 write requests

    for n in range(7):  # change 7 listings...
        listings[n * 10]["data"]["prices"]["buy"]["price"]["amount"] += 1000
    removed = [listings.pop(), listings.pop(), listings.pop()]  # ...and remove 3
    third = plan_sync(client, listings, withdraw_missing=True)
    assert third.counts == {"create": 0, "update": 7, "unchanged": 190, "withdraw": 3, "kept": 0}
    assert {a.changes for a in third.of("update")} == {("/data/prices/buy/price/amount",)}
    assert {a.offerer_estate_id for a in third.of("withdraw")} == {
        r["data"]["metaData"]["source"]["offererEstateId"] for r in removed
    }
    report = apply_sync(client, third, poll=poll)
    assert report.ok
    assert report.counts["updated"] == 7
    assert report.counts["withdrawn"] == 3
    assert writes(sandbox) - before == {"updateClassified": 7, "deleteClassified": 3}
    assert inventory(sandbox) == as_sent(client, listings)


def test_without_withdraw_missing_the_missing_are_kept_and_nothing_is_sent_for_them(
    sandbox: Sandbox, client: Any, poll: PollPolicy
) -> None:
    apply_sync(client, plan_sync(client, feed(3)), poll=poll)
    plan = plan_sync(client, feed(2))
    assert plan.counts["kept"] == 1
    assert plan.counts["withdraw"] == 0
    assert "1 only on AVIV, kept" in plan.summary()
    report = apply_sync(client, plan, poll=poll)
    assert report.counts["kept"] == 1
    assert report.counts["unchanged"] == 2
    assert len(inventory(sandbox)) == 3


def test_the_guard_refuses_an_empty_feed_for_a_200_listing_agency_and_sends_nothing(
    sandbox: Sandbox, client: Any, poll: PollPolicy
) -> None:
    apply_sync(client, plan_sync(client, feed(200)), poll=poll, wait=False)
    before = writes(sandbox)
    plan = plan_sync(client, [], withdraw_missing=True)
    assert plan.counts["withdraw"] == 200
    for force in (False, True):  # an empty feed is refused even forced
        with pytest.raises(WithdrawalRefusedError, match="the feed is empty") as refused:
            apply_sync(client, plan, poll=poll, force=force)
        assert refused.value.withdrawals == 200
        assert refused.value.inventory == 200
        assert "Nothing was sent" in str(refused.value)
    assert writes(sandbox) == before
    assert len(inventory(sandbox)) == 200


def test_the_guard_refuses_a_truncated_feed_unless_forced(
    sandbox: Sandbox, client: Any, poll: PollPolicy
) -> None:
    listings = feed(40)
    apply_sync(client, plan_sync(client, listings), poll=poll, wait=False)
    plan = plan_sync(client, listings[:20], withdraw_missing=True)  # half of it vanished
    with pytest.raises(
        WithdrawalRefusedError, match=r"more than 25% of its inventory \(the guard allows 10\)"
    ):
        apply_sync(client, plan, poll=poll)
    assert writes(sandbox)["deleteClassified"] == 0
    report = apply_sync(client, plan, poll=poll, force=True)
    assert report.counts["withdrawn"] == 20
    assert len(inventory(sandbox)) == 20


def test_one_bad_listing_never_sinks_the_rest(sandbox: Sandbox, client: Any, poll: PollPolicy) -> None:
    listings = feed(5)
    listings[2]["data"]["location"]["floor"] = 3  # kept by the model, refused by AVIV's validation
    seen: list[SyncProgress[Any]] = []
    report = apply_sync(client, plan_sync(client, listings), poll=poll, progress=seen.append)
    assert report.counts["created"] == 4
    assert report.counts["failed"] == 1
    (failed,) = report.failed
    assert failed.offerer_estate_id == "REF-0002"
    assert isinstance(failed.error, ValidationError)
    assert sorted(p.done for p in seen) == [1, 2, 3, 4, 5]
    assert {p.total for p in seen} == {5}
    assert "4 created" in report.summary()
    assert "1 failed" in report.summary()


def test_an_update_sends_one_write_reading_the_etag(sandbox: Sandbox, client: Any, poll: PollPolicy) -> None:
    listings = feed(1)
    apply_sync(client, plan_sync(client, listings), poll=poll)
    listings[0]["data"]["prices"]["buy"]["price"]["amount"] = 1
    before = [e.operation_id for e in sandbox.exchanges() if e.kind == "api"]
    report = apply_sync(client, plan_sync(client, listings), poll=poll)
    assert report.counts["updated"] == 1
    calls = [e.operation_id for e in sandbox.exchanges() if e.kind == "api"][len(before) :]
    assert calls[:4] == ["getClassifieds", "GetClassified", "getClassifiedStatuses", "updateClassified"]
    assert "createClassified" not in calls


def test_async_plan_and_apply_agree_with_sync(sandbox: Sandbox, client: Any, poll: PollPolicy) -> None:
    async def run() -> Any:
        plan = await plan_sync_async(client, feed(12))
        return plan, await apply_sync_async(client, plan, poll=poll, concurrency=4)

    plan, report = asyncio.run(run())
    assert plan.counts["create"] == 12
    assert report.counts["created"] == 12
    assert plan_sync(client, feed(12)).counts["unchanged"] == 12


def test_a_plan_applies_only_with_a_client_of_its_version(
    sandbox: Sandbox, make_client: Any, api: str
) -> None:
    plan = plan_sync(make_client(), feed(1))
    other = make_client(api="v4" if api == "v3" else "v3")
    with pytest.raises(CaasError, match=f"this plan was made for {api}"):
        apply_sync(other, plan)
