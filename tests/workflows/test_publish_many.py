"""publish_many: one ordered outcome per input, bounded concurrency, one pause for the whole batch."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aviv_caas_auth import CaasError, ManualClock, RetryPolicy
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import InvalidClassifiedError, Progress, PublishResult, publish_many
from aviv_caas_auth.workflows.effects import Call, Gate, Runner
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classified
from tests.workflows.conftest import Sleeps, classified, offerer_ids, offline_client


def test_four_of_four_at_concurrency_two(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    seen: list[Progress] = []
    refs = [f"CRM-M{n}" for n in range(4)]

    outcomes = publish_many.sync(
        client, [classified(r) for r in refs], concurrency=2, poll=sleeps.policy(), progress=seen.append
    )

    assert all(isinstance(o, PublishResult) for o in outcomes)
    results = [o for o in outcomes if isinstance(o, PublishResult)]
    assert [r.offerer_estate_id for r in results] == refs  # input order
    assert [(r.action, r.status.status if r.status else None) for r in results] == [
        ("created", "CREATED")
    ] * 4
    assert sorted(offerer_ids(sandbox)) == refs
    assert sorted(p.done for p in seen) == [1, 2, 3, 4]
    assert sorted(p.index for p in seen) == [0, 1, 2, 3]
    assert all(p.total == 4 and p.outcome is outcomes[p.index] for p in seen)
    assert sandbox.report().compliant


def test_four_of_four_async(client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps) -> None:
    refs = [f"CRM-MA{n}" for n in range(4)]

    async def run() -> list[Any]:
        try:
            return await publish_many.asyncio(
                client, [classified(r) for r in refs], concurrency=2, poll=sleeps.policy()
            )
        finally:
            await client.get_async_httpx_client().aclose()

    outcomes = asyncio.run(run())
    assert [o.offerer_estate_id for o in outcomes if isinstance(o, PublishResult)] == refs
    assert sorted(offerer_ids(sandbox)) == refs


def in_flight_counter() -> tuple[dict[str, int], dict[str, list[Callable[[Any], None]]]]:
    counts = {"now": 0, "most": 0}
    lock = threading.Lock()

    def request(_request: httpx.Request) -> None:
        with lock:
            counts["now"] += 1
            counts["most"] = max(counts["most"], counts["now"])

    def response(_response: httpx.Response) -> None:
        with lock:
            counts["now"] -= 1

    return counts, {"request": [request], "response": [response]}


def test_concurrency_is_bounded(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox, sleeps: Sleeps
) -> None:
    counts, hooks = in_flight_counter()
    client = make_client(httpx_args={"event_hooks": hooks})
    sandbox.faults.slow(0.05, "/classifieds", method="POST", count=None)  # creates overlap

    outcomes = publish_many.sync(
        client, [classified(f"CRM-C{n}") for n in range(9)], concurrency=3, wait=False
    )

    assert len(outcomes) == 9
    assert 2 <= counts["most"] <= 3


def test_items_with_one_offerer_estate_id_run_one_after_the_other_in_input_order(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    bodies = [classified("CRM-SAME", price=1), classified("CRM-OTHER"), classified("CRM-SAME", price=2)]

    outcomes = publish_many.sync(client, bodies, concurrency=8, poll=sleeps.policy())

    first, other, last = outcomes
    assert isinstance(first, PublishResult)
    assert isinstance(last, PublishResult)
    assert isinstance(other, PublishResult)
    assert (first.action, last.action) == ("created", "updated")
    assert first.classified_id == last.classified_id
    assert sorted(offerer_ids(sandbox)) == ["CRM-OTHER", "CRM-SAME"]
    read = get_classified.sync(last.classified_id, client=client)
    assert read.data.prices.buy.price.amount == 2  # type: ignore[union-attr]
    assert [e.status for e in sandbox.exchanges() if e.operation_id == "updateClassified"] == [202]  # no 412


def test_one_bad_item_is_its_own_outcome(
    client: AuthenticatedClient, sandbox: Sandbox, sleeps: Sleeps
) -> None:
    sandbox.processing.fail("POST", offerer_estate_id="CRM-B2")
    bodies: list[Any] = [
        classified("CRM-B0"),
        {"portals": ["SL"]},
        classified("CRM-B2"),
        classified("CRM-B3"),
    ]

    outcomes = publish_many.sync(client, bodies, concurrency=2, poll=sleeps.policy())

    assert isinstance(outcomes[0], PublishResult)
    assert isinstance(outcomes[1], InvalidClassifiedError)
    assert isinstance(outcomes[2], CaasError)
    assert "CREATING_FAILED" in str(outcomes[2])
    assert isinstance(outcomes[3], PublishResult)
    assert sorted(offerer_ids(sandbox)) == ["CRM-B0", "CRM-B2", "CRM-B3"]


def test_a_429_the_transport_retries_pauses_the_batch(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox, sleeps: Sleeps
) -> None:
    retried: list[float] = []
    client = make_client(retry=RetryPolicy(sleep=retried.append))
    sandbox.faults.rate_limit("/classifieds/*/statuses", method="GET", count=1, retry_after=11)

    outcomes = publish_many.sync(
        client, [classified(f"CRM-R{n}") for n in range(4)], concurrency=1, poll=sleeps.policy()
    )

    assert all(isinstance(o, PublishResult) for o in outcomes)
    assert retried == [11]  # the transport retried the GET after its Retry-After...
    # ...and the batch's next call waited at the shared gate until 11 s after the 429 (the poll
    # interval, then the rest of the Retry-After)
    assert sleeps.waits[:2] == [0.5, 10.5]


def test_a_closed_gate_holds_every_call_behind_it() -> None:
    sleeps = Sleeps(None, ManualClock())
    policy = sleeps.policy()
    gate = Gate(policy.clock, 1.0)
    gate.close_for(4)
    runner = Runner(offline_client(), poll=policy, gate=gate)
    calls: list[str] = []

    def flow() -> Any:
        calls.append("before")
        try:
            yield Call("get_classifieds")
        except httpx.HTTPError:
            calls.append("called")  # no host: the call itself fails, after the gate opened
        return "done"

    assert runner.run(flow()) == "done"
    assert sleeps.waits == [4]
    assert calls == ["before", "called"]
    gate.close_for(None)
    assert gate.remaining() == 1.0


def test_a_failing_progress_callback_is_logged_and_the_batch_goes_on(
    client: AuthenticatedClient, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_progress: Progress) -> None:
        raise RuntimeError("dashboard down")

    with caplog.at_level(logging.ERROR, logger="aviv_caas_auth"):
        outcomes = publish_many.sync(
            client, [classified("CRM-P1"), classified("CRM-P2")], wait=False, progress=broken
        )

    assert all(isinstance(o, PublishResult) for o in outcomes)
    assert sum("progress callback failed" in r.getMessage() for r in caplog.records) == 2


def test_an_empty_batch_and_bad_options() -> None:
    assert publish_many.sync(offline_client(), []) == []
    with pytest.raises(ValueError, match="concurrency must be a whole number >= 1"):
        publish_many.sync(offline_client(), [], concurrency=0)
    with pytest.raises(ValueError, match="max_writes"):
        publish_many.sync(offline_client(), [], max_writes=0)
