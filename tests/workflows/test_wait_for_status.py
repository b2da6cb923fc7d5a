"""wait_for_status: the state machine, backoff, 429s and timeouts, against the sandbox and scripted servers."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any
from uuid import UUID

import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_auth import ManualClock, NotFoundError, RetryPolicy
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import (
    ClassifiedProcessingError,
    PollPolicy,
    StatusTimeoutError,
    publish,
    wait_for_status,
)
from aviv_caas_auth.workflows.wait_for_status import latest_status, state_of
from aviv_caas_client import AuthenticatedClient
from tests.workflows.conftest import Sleeps, api_calls, classified, offline_client

CLASSIFIED_ID = "5c597a63-6932-4b0c-a2a0-2fd935be1755"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("CREATED", "done"),
        ("UPDATED", "done"),
        ("DELETED", "done"),
        ("RECEIVING_FAILED", "failed"),
        ("CREATING_FAILED", "failed"),
        ("PUBLISHING_FAILED", "failed"),  # one AVIV may add: still a failure
        ("RECEIVING", "pending"),
        ("RECEIVED", "pending"),
        ("CREATING", "pending"),
        ("MODERATING", "pending"),  # unknown: keep waiting
    ],
)
def test_state_machine(status: str, state: str) -> None:
    assert state_of(status) == state


def test_polls_with_backoff_until_created(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    sandbox.app.store._step = 2.0  # CREATING after 2 s, CREATED after 4 s
    result = publish.sync(client, classified("CRM-W"), wait=False)

    status = wait_for_status.sync(client, result.classified_id, poll=sleeps.policy(first=1.0, factor=2.0))

    assert status.status == "CREATED"
    assert str(status.classified_id) == str(result.classified_id)
    assert sleeps.waits == [1.0, 2.0, 4.0]  # polls at 0, 1, 3, 7 s
    assert len(api_calls(sandbox, "getClassifiedStatuses")) == 4


def test_async_twin(client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps) -> None:
    result = publish.sync(client, classified("CRM-WA"), wait=False)

    async def run() -> Any:
        try:
            return await wait_for_status.asyncio(client, str(result.classified_id), poll=sleeps.policy())
        finally:
            await client.get_async_httpx_client().aclose()

    assert asyncio.run(run()).status == "CREATED"


def test_intervals_are_capped_and_jittered() -> None:
    draws = itertools.cycle([0.0, 1.0])
    policy = PollPolicy(first=1, factor=3, max_interval=5, jitter=0.2, random=lambda: next(draws))
    assert list(itertools.islice(policy.intervals(), 4)) == pytest.approx([0.8, 3.6, 4.0, 6.0])


def test_after_revision_skips_the_outcome_of_an_older_write(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    result = publish.sync(client, classified("CRM-REV"), poll=sleeps.policy())
    assert result.status is not None
    assert result.status.revision == 1
    sleeps.waits.clear()
    with pytest.raises(StatusTimeoutError) as raised:
        wait_for_status.sync(client, result.classified_id, timeout=3, after_revision=1, poll=sleeps.policy())
    assert raised.value.last_status is None  # CREATED of revision 1 is not what was waited for
    assert sum(sleeps.waits) == pytest.approx(3)


def test_a_failed_status_raises_the_typed_error(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    sandbox.processing.fail("POST", stage="receiving", message="Body refused downstream")
    result = publish.sync(client, classified("CRM-RF"), wait=False)
    with pytest.raises(ClassifiedProcessingError) as raised:
        wait_for_status.sync(client, result.classified_id, poll=sleeps.policy())
    assert raised.value.status.sub_status == "RECEIVING_FAILED_POST"
    assert "Body refused downstream" in str(raised.value)


def test_a_429_waits_at_least_its_retry_after(make_client: Any, sandbox: Sandbox, sleeps: Sleeps) -> None:
    # The transport does not retry 429 here, so the workflow meets it.
    client = make_client(retry=RetryPolicy(statuses={502, 503, 504}))
    result = publish.sync(client, classified("CRM-429W"), wait=False)
    sandbox.faults.rate_limit("/classifieds/*/statuses", method="GET", count=1, retry_after=9)

    status = wait_for_status.sync(client, result.classified_id, poll=sleeps.policy())

    assert status.status == "CREATED"
    assert sleeps.waits[0] == 9
    statuses = [e.status for e in sandbox.exchanges() if e.operation_id == "getClassifiedStatuses"]
    assert statuses[:2] == [429, 200]


def test_server_errors_are_polled_through_then_reported_on_timeout(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    result = publish.sync(client, classified("CRM-5XX"), wait=False)
    sandbox.faults.server_error("/classifieds/*/statuses", method="GET", count=None, status=500)
    with pytest.raises(StatusTimeoutError) as raised:
        wait_for_status.sync(client, result.classified_id, timeout=2, poll=sleeps.policy())
    assert "500" in str(raised.value.last_error)
    assert "the last poll failed: ServerError" in str(raised.value)


def test_an_unknown_classified_is_a_not_found_error(client: AuthenticatedClient, sandbox: Sandbox) -> None:
    with pytest.raises(NotFoundError):
        wait_for_status.sync(client, UUID(int=7))
    assert api_calls(sandbox) == ["getClassifiedStatuses"]


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), True, "5"])
def test_a_bad_timeout_is_refused_before_any_request(timeout: Any) -> None:
    with pytest.raises(ValueError, match="timeout must be a number of seconds > 0"):
        wait_for_status.sync(offline_client(), CLASSIFIED_ID, timeout=timeout)


def status_item(status: str, date: str, revision: int = 1) -> dict[str, Any]:
    return {
        "statusId": f"s-{status}-{date}",
        "classifiedId": CLASSIFIED_ID,
        "customerId": "agency",
        "creationDate": date,
        "statusDate": date,
        "revision": revision,
        "portals": ["SL"],
        "status": status,
        "message": status.lower(),
    }


def test_the_latest_by_date_wins_when_a_server_lists_them_all(httpserver: HTTPServer) -> None:
    # A server that ignores filter=latest and lists every status, unordered.
    httpserver.expect_request(f"/classifieds/{CLASSIFIED_ID}/statuses").respond_with_json(
        {
            "items": [
                status_item("CREATED", "2025-01-01T10:00:02Z"),
                status_item("RECEIVED", "2025-01-01T10:00:00Z"),
                status_item("CREATING", "2025-01-01T10:00:01Z"),
            ]
        }
    )
    client = AuthenticatedClient(base_url=httpserver.url_for("/"), token="t")
    status = wait_for_status.sync(
        client, CLASSIFIED_ID, poll=PollPolicy(clock=ManualClock(), sleep=lambda _s: None)
    )
    assert status.status == "CREATED"
    assert httpserver.log[0][0].args["filter"] == "latest"


def test_latest_status_of_nothing_is_none() -> None:
    assert latest_status([]) is None
