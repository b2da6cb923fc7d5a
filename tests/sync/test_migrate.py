"""v3 -> v4 as a sync: 50 classifieds created through v3, media attached through v3's media endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aviv_caas_auth import ConfigurationError, migrate_to_v4, plan_sync
from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.sandbox.samples import living_room_picture
from aviv_caas_auth.sync.migrate import v4_body
from aviv_caas_auth.workflows import PollPolicy, publish_many
from aviv_caas_client.api.media import attach_media_to_classified
from aviv_caas_client.models import Media
from tests.sync.conftest import feed, writes


@pytest.fixture
def api() -> str:
    return "v3"  # the clients are made per version below


def clients(sandbox: Sandbox, make_client: Callable[..., Any]) -> tuple[Any, Any]:
    """A v3 and a v4 client of the demo agency."""
    return tuple(
        make_client(api=api, base_url=sandbox.base_url_for("sandbox", api=api)) for api in ("v3", "v4")
    )  # type: ignore[return-value]


def picture(n: int, order: int) -> dict[str, Any]:
    media = living_room_picture()
    media["url"] = f"https://media.example.com/{n}/{order}.jpg"
    media["displayOrder"] = order
    return media


def agency_on_v3(client_v3: Any, poll: PollPolicy, count: int) -> list[Any]:
    """``count`` classifieds created through v3, the first ``count - 1`` with two pictures (display order 2, 1)."""
    results = publish_many.sync(client_v3, feed(count, prefix="V3"), poll=poll, wait=False)
    for n, result in enumerate(results[:-1]):
        for order in (2, 1):
            unwrap(
                attach_media_to_classified.sync_detailed(
                    result.classified_id, client=client_v3, body=Media.from_dict(picture(n, order))
                )
            )
    return results


def test_fifty_v3_classifieds_dry_run_then_migrate_then_unchanged(
    sandbox: Sandbox, make_client: Callable[..., Any], poll: PollPolicy
) -> None:
    client_v3, client_v4 = clients(sandbox, make_client)
    agency_on_v3(client_v3, poll, 50)
    before = writes(sandbox)
    dry = migrate_to_v4(client_v3, client_v4, dry_run=True, poll=poll)
    assert dry.report is None
    assert dry.plan.counts == {"create": 0, "update": 50, "unchanged": 0, "withdraw": 0, "kept": 0}
    assert {action.changes for action in dry.plan.actions} == {("/media",)}
    assert writes(sandbox) == before  # a dry run sends nothing

    done = migrate_to_v4(client_v3, client_v4, poll=poll)
    assert done.report is not None
    assert done.report.ok
    assert done.report.counts["updated"] == 50
    assert writes(sandbox) - before == {"updateClassified": 50}
    by_key = {item["data"]["metaData"]["source"]["offererEstateId"]: item for item in _v4_items(sandbox)}
    assert by_key["V3-0000"]["media"] == [  # inline, in display order, without v3's displayOrder
        {k: v for k, v in picture(0, order).items() if k != "displayOrder"} for order in (1, 2)
    ]
    assert by_key["V3-0049"]["media"] == []  # no media: still its v4 update
    statuses = {result.offerer_estate_id: result.status for result in done.report.results}
    assert {status.status for status in statuses.values() if status is not None} == {"UPDATED"}
    assert {
        len(status.media_statuses)
        for key, status in statuses.items()
        if status is not None and key != "V3-0049"
    } == {2}

    again = migrate_to_v4(client_v3, client_v4, poll=poll)
    assert again.plan.counts["unchanged"] == 50
    assert writes(sandbox) - before == {"updateClassified": 50}  # the second run sent nothing


def _v4_items(sandbox: Sandbox) -> list[dict[str, Any]]:
    c = sandbox.credentials
    view = sandbox.app.served["v4"].operations._view  # how v4 shows them
    return [
        view.classified(r.body)
        for r in sandbox.app.store.classifieds(("sandbox", c.client_id, c.intermediary_id))
    ]


def test_v4_media_are_kept_and_a_v3_only_portal_is_skipped(
    sandbox: Sandbox, make_client: Callable[..., Any], poll: PollPolicy
) -> None:
    client_v3, client_v4 = clients(sandbox, make_client)
    listings = feed(3, prefix="MIX")
    listings[2]["portals"] = ["SL", "LI"]  # Logic-Immo: v3 only
    publish_many.sync(client_v3, listings, poll=poll, wait=False)
    v4_listing = feed(2, prefix="MIX")[1]
    v4_listing["media"] = [{"url": "https://media.example.com/v4.jpg", "mediaType": "PICTURE"}]
    plan = plan_sync(client_v4, [v4_listing])
    from aviv_caas_auth import apply_sync

    apply_sync(client_v4, plan, poll=poll)  # MIX-0001 already migrated, with a v4 picture
    migration = migrate_to_v4(client_v3, client_v4, dry_run=True, poll=poll)
    assert [action.offerer_estate_id for action in migration.plan.of("update")] == ["MIX-0000"]
    assert [action.offerer_estate_id for action in migration.plan.of("unchanged")] == ["MIX-0001"]
    (skipped,) = migration.skipped
    assert skipped.offerer_estate_id == "MIX-0002"
    assert "LI" in str(skipped)
    resent = migrate_to_v4(client_v3, client_v4, dry_run=True, poll=poll, resend_unchanged=True)
    assert resent.plan.counts["update"] == 2


def test_migrate_takes_a_v3_then_a_v4_client(make_client: Callable[..., Any], sandbox: Sandbox) -> None:
    client_v3, client_v4 = clients(sandbox, make_client)
    with pytest.raises(ConfigurationError, match="migrate_to_v4 takes a v3 client as its first argument"):
        migrate_to_v4(client_v4, client_v3)  # type: ignore[arg-type]
    plan_sync(client_v3, [])  # the sandbox answered something (the teardown check wants it)


def test_the_v4_body_of_a_v3_classified() -> None:
    classified = {**feed(1)[0], "classifiedId": "5c597a63-6932-4b0c-a2a0-2fd935be1755"}
    media = [
        {**picture(0, 3), "mediaId": "m3"},
        {**picture(0, 1), "mediaId": "m1", "classifiedId": "x"},
        {"url": "https://media.example.com/no-order.jpg"},
    ]
    body = v4_body(classified, media, package="aviv_caas_client_v4")
    assert "classifiedId" not in body
    assert [item["url"] for item in body["media"]] == [
        picture(0, 1)["url"],
        picture(0, 3)["url"],
        "https://media.example.com/no-order.jpg",
    ]
    assert all(set(item) <= {"url", "mediaType", "category", "tags", "title"} for item in body["media"])
