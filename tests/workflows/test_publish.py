"""publish: create, or update the classified with the same offererEstateId; never two of them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aviv_caas_auth import PreconditionFailedError, RateLimitedError, ServerError
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import (
    ClassifiedProcessingError,
    InvalidClassifiedError,
    PollPolicy,
    PublishResult,
    StatusTimeoutError,
    publish,
)
from aviv_caas_client import AuthenticatedClient
from tests.workflows.conftest import (
    Sleeps,
    api_calls,
    classified,
    endpoint,
    model,
    offerer_ids,
    set_status_step,
    tenant,
)


def price_of(client: AuthenticatedClient, result: PublishResult) -> float:
    read = endpoint(client, "get_classified").sync(result.classified_id, client=client)
    return read.data.prices.buy.price.amount  # type: ignore[union-attr]


def test_publish_creates_then_a_second_publish_updates_the_same_classified(
    client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy
) -> None:
    first = publish.sync(client, classified("CRM-1"), poll=poll)
    typed = model(client, "AvivClassified").from_dict(classified("CRM-1", price=799000))
    second = publish.sync(client, typed, poll=poll)

    assert first.action == "created"
    assert first.status is not None
    assert first.status.status == "CREATED"
    assert (second.action, second.classified_id) == ("updated", first.classified_id)
    assert second.status is not None
    assert second.status.status == "UPDATED"
    assert second.status.revision == 2
    assert offerer_ids(sandbox) == ["CRM-1"]
    assert price_of(client, second) == 799000
    # the update: POST (duplicate), lookup, GET with its ETag, latest status, PUT with If-Match
    assert api_calls(sandbox, "updateClassified") == ["updateClassified"]
    put = next(e for e in sandbox.exchanges() if e.operation_id == "updateClassified")
    assert put.status == 202
    assert sandbox.report().compliant


def test_publish_async(client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy) -> None:
    async def run() -> tuple[PublishResult, PublishResult]:
        try:
            first = await publish.asyncio(client, classified("CRM-A"), poll=poll)
            return first, await publish.asyncio(client, classified("CRM-A", price=1), poll=poll)
        finally:
            await client.get_async_httpx_client().aclose()

    first, second = asyncio.run(run())
    assert (first.action, second.action) == ("created", "updated")
    assert first.classified_id == second.classified_id
    assert second.status is not None
    assert second.status.status == "UPDATED"
    assert offerer_ids(sandbox) == ["CRM-A"]


def test_waiting_is_optional(client: AuthenticatedClient, sandbox: Sandbox) -> None:
    result = publish.sync(client, classified("CRM-2"), wait=False)
    assert (result.action, result.status, result.offerer_estate_id) == ("created", None, "CRM-2")
    assert api_calls(sandbox) == ["createClassified"]


def test_concurrent_publishes_of_one_offerer_estate_id_make_one_classified(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox, sleeps: Sleeps
) -> None:
    clients = [make_client() for _ in range(6)]  # six workers, each its own client
    barrier = threading.Barrier(len(clients))
    results: list[PublishResult] = []
    lock = threading.Lock()

    def worker(client: AuthenticatedClient, price: int) -> None:
        barrier.wait()
        # every other writer can beat this one once: 1 POST + up to 6 PUTs
        result = publish.sync(
            client, classified("CRM-RACE", price=price), wait=False, poll=sleeps.policy(), max_writes=7
        )
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker, args=(c, 100_000 + n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 6
    assert offerer_ids(sandbox) == ["CRM-RACE"]
    assert len({r.classified_id for r in results}) == 1
    assert sorted(r.action for r in results) == ["created"] + ["updated"] * 5


def test_concurrent_async_publishes_of_one_offerer_estate_id_make_one_classified(
    client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy
) -> None:
    async def run() -> list[PublishResult]:
        try:
            return list(
                await asyncio.gather(
                    *(
                        publish.asyncio(client, classified("CRM-GATHER", price=p), poll=poll, max_writes=6)
                        for p in range(1, 6)
                    )
                )
            )
        finally:
            await client.get_async_httpx_client().aclose()

    results = asyncio.run(run())
    assert offerer_ids(sandbox) == ["CRM-GATHER"]
    assert len({r.classified_id for r in results}) == 1
    assert sorted(r.action for r in results) == ["created"] + ["updated"] * 4


def bump_on_read(sandbox: Sandbox, times: int | None) -> Callable[[httpx.Response], None]:
    """A response hook that changes the classified behind the client's back after it read the ETag."""
    left = {"n": times}

    def hook(response: httpx.Response) -> None:
        if response.request.method != "GET" or "/statuses" in response.url.path:
            return
        if response.url.path.rstrip("/").split("/")[-1].count("-") != 4:  # GET /classifieds/{uuid}
            return
        if left["n"] is not None:
            if left["n"] == 0:
                return
            left["n"] -= 1
        store = sandbox.app.store  # every version shares the classifieds
        for record in store.classifieds(tenant(sandbox))[:1]:
            store.update_classified(tenant(sandbox), record.classified_id, None, "PUT", lambda body: body)

    return hook


def test_a_stale_etag_is_read_again_and_the_update_retried(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox, poll: PollPolicy
) -> None:
    client = make_client(httpx_args={"event_hooks": {"response": [bump_on_read(sandbox, 1)]}})
    publish.sync(client, classified("CRM-412"), wait=False)

    result = publish.sync(client, classified("CRM-412", price=5), poll=poll)

    assert result.action == "updated"
    assert result.status is not None
    assert result.status.revision == 3
    puts = [e.status for e in sandbox.exchanges() if e.operation_id == "updateClassified"]
    assert puts == [412, 202]
    assert price_of(client, result) == 5


def test_conflicts_are_retried_a_bounded_number_of_times(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox
) -> None:
    client = make_client(httpx_args={"event_hooks": {"response": [bump_on_read(sandbox, None)]}})
    publish.sync(client, classified("CRM-412-FOREVER"), wait=False)

    with pytest.raises(PreconditionFailedError):
        publish.sync(client, classified("CRM-412-FOREVER", price=5), wait=False, max_writes=3)

    creates = api_calls(sandbox, "createClassified")
    puts = api_calls(sandbox, "updateClassified")
    assert (len(creates), len(puts)) == (2, 2)  # the second publish: 1 POST + 2 PUTs = 3 writes


def test_a_rate_limited_create_waits_for_retry_after_then_creates(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps, poll: PollPolicy
) -> None:
    sandbox.faults.rate_limit("/classifieds", method="POST", count=1, retry_after=7)

    result = publish.sync(client, classified("CRM-429"), poll=poll)

    assert result.action == "created"
    assert sleeps.waits[0] == 7  # the gate waited the Retry-After before the second POST
    assert [e.status for e in sandbox.exchanges() if e.operation_id == "createClassified"] == [429, 202]


def test_a_retry_after_beyond_the_timeout_raises_the_rate_limit(
    client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy
) -> None:
    sandbox.faults.rate_limit("/classifieds", method="POST", count=1, retry_after=600)
    with pytest.raises(RateLimitedError) as raised:
        publish.sync(client, classified("CRM-429-LONG"), poll=poll, timeout=60)
    assert raised.value.retry_after == 600
    assert offerer_ids(sandbox) == []


def test_a_create_that_may_have_reached_aviv_is_sent_again_and_never_duplicates(
    client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy
) -> None:
    sandbox.faults.server_error("/classifieds", method="POST", count=2, status=503)

    result = publish.sync(client, classified("CRM-503"), poll=poll)

    assert result.action == "created"
    assert [e.status for e in sandbox.exchanges() if e.operation_id == "createClassified"] == [503, 503, 202]
    assert offerer_ids(sandbox) == ["CRM-503"]


def test_server_errors_end_after_max_writes_with_the_typed_error(
    client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy
) -> None:
    sandbox.faults.server_error("/classifieds", method="POST", count=None, status=500)
    with pytest.raises(ServerError):
        publish.sync(client, classified("CRM-500"), poll=poll, max_writes=2)
    assert len(api_calls(sandbox, "createClassified")) == 2


def test_a_processing_failure_is_a_typed_error_with_avivs_status_and_message(
    client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy
) -> None:
    sandbox.processing.fail("POST", message="The price is not plausible")

    with pytest.raises(ClassifiedProcessingError) as raised:
        publish.sync(client, classified("CRM-FAIL"), poll=poll)

    error = raised.value
    assert error.status.status == "CREATING_FAILED"
    assert error.message == "The price is not plausible"
    assert "CREATING_FAILED" in str(error)
    assert str(error.classified_id) in str(error)


def test_a_receiving_failure_of_an_update_is_a_typed_error(
    client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy
) -> None:
    publish.sync(client, classified("CRM-FAIL-PUT"), poll=poll)
    sandbox.processing.fail("PUT", stage="receiving", offerer_estate_id="CRM-FAIL-PUT")

    with pytest.raises(ClassifiedProcessingError) as raised:
        publish.sync(client, classified("CRM-FAIL-PUT", price=1), poll=poll)

    assert raised.value.status.status == "RECEIVING_FAILED"
    assert raised.value.status.sub_status == "RECEIVING_FAILED_PUT"


def test_a_deleted_classified_is_published_anew(
    client: AuthenticatedClient, sandbox: Sandbox, poll: PollPolicy
) -> None:
    first = publish.sync(client, classified("CRM-DEL"), poll=poll)
    assert (
        endpoint(client, "delete_classified").sync_detailed(first.classified_id, client=client).status_code
        == 202
    )

    again = publish.sync(client, classified("CRM-DEL"), poll=poll)

    assert again.action == "created"
    assert again.classified_id != first.classified_id
    assert offerer_ids(sandbox) == ["CRM-DEL"]


def test_waiting_too_long_raises_the_typed_timeout(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    set_status_step(sandbox, 10_000)  # statuses crawl
    with pytest.raises(StatusTimeoutError) as raised:
        publish.sync(client, classified("CRM-SLOW"), poll=sleeps.policy(), timeout=5)
    assert raised.value.last_status is not None
    assert raised.value.last_status.status == "RECEIVED"
    assert sum(sleeps.waits) == pytest.approx(5)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"portals": ["SL"]}, "not a valid AvivClassified"),
        ("not a classified", "publish takes a AvivClassified"),
    ],
)
def test_what_cannot_be_a_classified_is_refused_before_any_request(
    client: AuthenticatedClient, sandbox: Sandbox, body: Any, message: str
) -> None:
    with pytest.raises(InvalidClassifiedError, match=message):
        publish.sync(client, body)
    assert api_calls(sandbox) == []
    assert publish.sync(client, classified("CRM-OK"), wait=False).action == "created"


def test_a_classified_without_offerer_estate_id_is_refused(
    client: AuthenticatedClient, sandbox: Sandbox
) -> None:
    typed = model(client, "AvivClassified").from_dict(classified("CRM-X"))
    typed.data.meta_data.source.offerer_estate_id = ""
    with pytest.raises(InvalidClassifiedError, match="offererEstateId"):
        publish.sync(client, typed)
    assert api_calls(sandbox) == []
    assert publish.sync(client, classified("CRM-OK"), wait=False).action == "created"
