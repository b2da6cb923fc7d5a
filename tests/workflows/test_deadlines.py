"""Issue 19, item 1: a workflow's timeout bounds the transport's retry waits and the batch's shared pauses too.

Every wait is recorded on one manual clock (the transport's retry sleeps and the workflows'
pauses alike), so each test asserts which waits were taken and how many calls were made, never
seconds of wall time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from aviv_caas_auth import RateLimitedError, RetryPolicy
from aviv_caas_auth.budget import RateBudgetTimeoutError
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import (
    ListingTimeoutError,
    StatusTimeoutError,
    iter_classifieds,
    publish,
    publish_many,
    wait_for_status,
)
from aviv_caas_auth.workflows.effects import Runner
from aviv_caas_auth.workflows.wait_for_status import wait_flow
from aviv_caas_client import AuthenticatedClient
from tests.workflows.conftest import Sleeps, api_calls, classified


@pytest.fixture
def retries(sandbox: Sandbox, sleeps: Sleeps) -> Sleeps:
    """The transport's retry sleeps: recorded apart, on the same clocks as the workflows' pauses."""
    return Sleeps(sandbox, sleeps.clock)


@pytest.fixture
def client(make_client: Callable[..., AuthenticatedClient], retries: Sleeps) -> AuthenticatedClient:
    policy = RetryPolicy(
        sleep=retries.sleep, async_sleep=retries.async_sleep, clock=retries.clock, random=lambda: 0.0
    )
    return make_client(retry=policy)


def run(call: Callable[[], Any], is_async: bool, client: AuthenticatedClient) -> Any:
    if not is_async:
        return call()

    async def main() -> Any:
        try:
            return await call()
        finally:
            await client.get_async_httpx_client().aclose()

    return asyncio.run(main())


@pytest.mark.parametrize("retry_after", [2, 5])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_wait_for_status_raises_its_timeout_without_retry_waits_past_it(
    client: AuthenticatedClient,
    sandbox: Sandbox,
    sleeps: Sleeps,
    retries: Sleeps,
    retry_after: int,
    is_async: bool,
) -> None:
    # the probe: Retry-After 2 and timeout 0.5 took 6 s (15 s with Retry-After 5)
    result = publish.sync(client, classified("CRM-DL"), wait=False)
    sandbox.faults.rate_limit("/classifieds/*/statuses", method="GET", count=None, retry_after=retry_after)
    started = sleeps.clock.monotonic()
    module = wait_for_status.asyncio if is_async else wait_for_status.sync

    with pytest.raises(StatusTimeoutError) as raised:
        run(lambda: module(client, result.classified_id, timeout=0.5, poll=sleeps.policy()), is_async, client)

    assert isinstance(raised.value.last_error, RateLimitedError)
    assert retries.waits == []  # the transport did not wait 2 s for a 0.5 s timeout
    assert sleeps.clock.monotonic() - started <= 0.5
    assert len(api_calls(sandbox, "getClassifiedStatuses")) == 1


def test_a_retry_that_fits_the_timeout_is_still_taken(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps, retries: Sleeps
) -> None:
    result = publish.sync(client, classified("CRM-DL-FIT"), wait=False)
    sandbox.faults.rate_limit("/classifieds/*/statuses", method="GET", count=1, retry_after=2)
    status = wait_for_status.sync(client, result.classified_id, timeout=60, poll=sleeps.policy())
    assert status.status == "CREATED"
    assert retries.waits == [2]


def test_publish_does_not_retry_a_write_past_its_timeout(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps, retries: Sleeps
) -> None:
    publish.sync(client, classified("CRM-DL-PUT"), wait=False)
    sandbox.faults.rate_limit("/classifieds/*", method="PUT", count=None, retry_after=5)
    with pytest.raises(RateLimitedError):
        publish.sync(client, classified("CRM-DL-PUT", price=1), timeout=1, poll=sleeps.policy())
    assert retries.waits == []  # main slept 5 s three times in the transport first
    assert len(api_calls(sandbox, "updateClassified")) == 1


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_publish_many_never_sends_an_item_held_at_the_shared_gate_past_its_timeout(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps, is_async: bool
) -> None:
    # The first item's 429 closes the batch's gate for 100 s; the second item's timeout is 5 s.
    sandbox.faults.rate_limit("/classifieds", method="POST", count=1, retry_after=100)
    items = [classified("CRM-DL-A"), classified("CRM-DL-B")]
    module = publish_many.asyncio if is_async else publish_many.sync

    outcomes = run(
        lambda: module(client, items, concurrency=1, timeout=5, poll=sleeps.policy()), is_async, client
    )

    assert isinstance(outcomes[0], RateLimitedError)  # its Retry-After reaches past its timeout
    # The second item is not sent at its deadline while the batch pauses for the 429: a typed timeout,
    # unsent, saying how much of the pause was left (issue 18: it used to be POSTed at the deadline).
    assert isinstance(outcomes[1], RateBudgetTimeoutError)
    assert outcomes[1].request_sent is False
    assert outcomes[1].needed == pytest.approx(100)
    assert outcomes[1].key == sandbox.credentials.client_id
    assert api_calls(sandbox, "createClassified") == ["createClassified"]  # the first item's POST only
    assert sleeps.waits == []  # known at once: no wait for a pause that outlasts the deadline


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_wait_for_status_behind_a_closed_gate_raises_its_timeout_having_sent_nothing(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps, is_async: bool
) -> None:
    result = publish.sync(client, classified("CRM-DL-GATE"), wait=False)
    runner = Runner(client, poll=sleeps.policy())
    runner.gate.close_for(100)  # another call of the batch met a 429 asking for 100 s
    polls_before = len(api_calls(sandbox, "getClassifiedStatuses"))
    flow = wait_flow(result.classified_id, timeout=5, poll=runner.poll)

    drive = (lambda: asyncio.run(runner.arun(flow))) if is_async else (lambda: runner.run(flow))
    with pytest.raises(StatusTimeoutError) as raised:
        drive()

    assert isinstance(raised.value.last_error, RateBudgetTimeoutError)
    assert len(api_calls(sandbox, "getClassifiedStatuses")) == polls_before  # not one poll sent
    assert sum(sleeps.waits) <= 5  # its own pauses, up to its timeout


def test_a_call_the_gate_releases_before_the_deadline_waits_and_is_sent(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    result = publish.sync(client, classified("CRM-DL-OPEN"), wait=False)
    runner = Runner(client, poll=sleeps.policy())
    runner.gate.close_for(3)  # opens before the 60 s timeout
    polls_before = len(api_calls(sandbox, "getClassifiedStatuses"))

    status = runner.run(wait_flow(result.classified_id, timeout=60, poll=runner.poll))

    assert status.status == "CREATED"
    assert sleeps.waits[0] == pytest.approx(3)  # the gate's wait first, then the polls
    assert len(api_calls(sandbox, "getClassifiedStatuses")) > polls_before


def test_iter_classifieds_does_not_retry_a_page_past_its_timeout(
    client: AuthenticatedClient, sandbox: Sandbox, retries: Sleeps
) -> None:
    publish.sync(client, classified("CRM-DL-L"), wait=False)
    sandbox.faults.rate_limit("/classifieds", method="GET", count=None, retry_after=5)
    with pytest.raises(RateLimitedError):
        list(iter_classifieds.sync(client, timeout=1))
    assert retries.waits == []
    assert len(api_calls(sandbox, "getClassifieds")) == 1


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_iter_classifieds_stops_with_a_timeout_error_once_its_time_is_up(
    client: AuthenticatedClient, sandbox: Sandbox, is_async: bool
) -> None:
    for n in range(3):
        publish.sync(client, classified(f"CRM-DL-P{n}"), wait=False)
    sandbox.faults.slow(0.3, "/classifieds", method="GET", count=1)  # the first page outlasts the timeout
    read: list[Any] = []

    async def consume() -> None:
        async for item in iter_classifieds.asyncio(client, page_size=1, timeout=0.1):
            read.append(item)

    def consume_sync() -> None:
        for item in iter_classifieds.sync(client, page_size=1, timeout=0.1):
            read.append(item)

    with pytest.raises(ListingTimeoutError, match="1 page") as raised:
        run(consume if is_async else consume_sync, is_async, client)
    assert isinstance(raised.value, TimeoutError)
    assert len(read) == 1  # the first page's item, then the error where the second page would be asked for
    assert len(api_calls(sandbox, "getClassifieds")) == 1
