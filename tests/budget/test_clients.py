"""create_client(rate_budget=...) and publish_many(rate_budget=...) against the local sandbox.

Every API request attempt spends the budget (token requests don't), a 429 pauses it, a budget
that has no room fails the call typed before anything is sent, and a batch's budget replaces the
client's for the calls of that batch.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from aviv_caas_auth import ConfigurationError, RetryPolicy
from aviv_caas_auth.budget import MemoryRateBudget, RateBudgetTimeoutError, RateBudgetUnavailableError
from aviv_caas_auth.sandbox import Fault, Sandbox
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.workflows import publish_many
from aviv_caas_client.api.classifieds import get_classifieds
from tests.sandbox.conftest import version_client

from .recording import CountingBudget

NO_WAIT_RETRY = RetryPolicy(sleep=lambda _: None, backoff=0)


def api_requests(sandbox: Sandbox) -> int:
    return sum(1 for exchange in sandbox.exchanges() if exchange.kind == "api")


def test_each_api_request_spends_the_budget_under_the_client_id_and_token_requests_do_not(
    caas_sandbox: Sandbox,
) -> None:
    budget = CountingBudget()
    client = version_client(caas_sandbox, "v3", rate_budget=budget)
    for _ in range(3):
        assert get_classifieds.sync_detailed(client=client).status_code == 200
    assert budget.acquired == [caas_sandbox.credentials.client_id] * 3
    assert api_requests(caas_sandbox) == 3
    assert sum(1 for exchange in caas_sandbox.exchanges() if exchange.kind == "token") == 1


def test_async_calls_spend_it_too(caas_sandbox: Sandbox) -> None:
    budget = CountingBudget()
    client = version_client(caas_sandbox, "v4", rate_budget=budget)

    async def calls() -> None:
        from aviv_caas_client_v4.api.classifieds import get_classifieds as get_v4

        for _ in range(2):
            assert (await get_v4.asyncio_detailed(client=client)).status_code == 200

    asyncio.run(calls())
    asyncio.run(calls())
    assert budget.acquired == [caas_sandbox.credentials.client_id] * 4


def test_every_retry_attempt_spends_it_again(caas_sandbox: Sandbox) -> None:
    budget = CountingBudget()
    client = version_client(caas_sandbox, "v3", rate_budget=budget, retry=NO_WAIT_RETRY)
    caas_sandbox.faults.add(Fault("server_error", method="GET", path="/classifieds", status=503, count=2))
    assert get_classifieds.sync_detailed(client=client).status_code == 200
    assert len(budget.acquired) == 3 == api_requests(caas_sandbox)


@pytest.mark.parametrize("retry", [NO_WAIT_RETRY, None], ids=["retried", "not-retried"])
def test_a_429_pauses_the_budget_for_its_retry_after(
    caas_sandbox: Sandbox, retry: RetryPolicy | None
) -> None:
    budget = CountingBudget()
    client = version_client(caas_sandbox, "v3", rate_budget=budget, retry=retry)
    caas_sandbox.faults.add(Fault("rate_limit", method="GET", path="/classifieds", retry_after=7))
    get_classifieds.sync_detailed(client=client)
    assert budget.paused == [(caas_sandbox.credentials.client_id, 7.0)]


def test_a_429_pauses_it_in_async_calls(caas_sandbox: Sandbox) -> None:
    budget = CountingBudget()
    client = version_client(caas_sandbox, "v3", rate_budget=budget, retry=None)
    caas_sandbox.faults.add(Fault("rate_limit", method="GET", path="/classifieds", retry_after=3))
    assert asyncio.run(get_classifieds.asyncio_detailed(client=client)).status_code == 429
    assert budget.paused == [(caas_sandbox.credentials.client_id, 3.0)]


def test_no_room_in_time_fails_the_call_typed_and_sends_nothing(caas_sandbox: Sandbox) -> None:
    budget = MemoryRateBudget("1/minute", max_wait=1)
    client = version_client(caas_sandbox, "v3", rate_budget=budget)
    assert get_classifieds.sync_detailed(client=client).status_code == 200
    with pytest.raises(RateBudgetTimeoutError) as raised:
        get_classifieds.sync_detailed(client=client)
    assert raised.value.request_sent is False
    with pytest.raises(RateBudgetTimeoutError):
        asyncio.run(get_classifieds.asyncio_detailed(client=client))
    assert api_requests(caas_sandbox) == 1


def test_a_pause_from_a_429_holds_back_the_next_calls_of_every_client_sharing_the_budget(
    caas_sandbox: Sandbox,
) -> None:
    budget = MemoryRateBudget(100, max_wait=2)
    first = version_client(caas_sandbox, "v3", rate_budget=budget, retry=None)
    second = version_client(caas_sandbox, "v4", rate_budget=budget, retry=None)  # same client id
    caas_sandbox.faults.add(Fault("rate_limit", method="GET", path="/classifieds", retry_after=60))
    assert get_classifieds.sync_detailed(client=first).status_code == 429
    from aviv_caas_client_v4.api.classifieds import get_classifieds as get_v4

    with pytest.raises(RateBudgetTimeoutError, match="paused"):
        get_v4.sync_detailed(client=second)
    assert api_requests(caas_sandbox) == 1


class _PauseFails(CountingBudget):
    def pause(self, key: str, seconds: float | None) -> None:
        raise RateBudgetUnavailableError(
            "the shared rate budget's Redis (redis 127.0.0.1:1/0) cannot be used"
        )


def test_a_pause_that_fails_after_a_429_leaves_the_429_as_the_outcome(
    caas_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    client = version_client(caas_sandbox, "v3", rate_budget=_PauseFails(), retry=None)
    caas_sandbox.faults.add(Fault("rate_limit", method="GET", path="/classifieds"))
    with caplog.at_level(logging.WARNING, logger="aviv_caas_auth"):
        assert get_classifieds.sync_detailed(client=client).status_code == 429
    assert "could not pause the rate budget after a 429" in caplog.text


def test_a_rate_budget_of_the_wrong_type_is_refused(caas_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigurationError, match="rate_budget must be a rate budget"):
        version_client(caas_sandbox, "v3", rate_budget="20/second")
    client = version_client(caas_sandbox, "v3")
    with pytest.raises(ConfigurationError, match="rate_budget must be a rate budget"):
        publish_many.sync(client, [], rate_budget=20)  # type: ignore[call-overload]


def _listings(count: int) -> list[dict[str, object]]:
    listings = []
    for n in range(count):
        body = paris_apartment_for_sale()
        body["data"]["metaData"]["source"]["offererEstateId"] = f"CRM-BUDGET-{n:03d}"
        listings.append(body)
    return listings


def test_publish_many_spends_its_own_budget_instead_of_the_clients(caas_sandbox: Sandbox) -> None:
    own, batch = CountingBudget(), CountingBudget()
    client = version_client(caas_sandbox, "v3", rate_budget=own)
    outcomes = publish_many.sync(client, _listings(4), concurrency=2, wait=False, rate_budget=batch)
    assert [type(o).__name__ for o in outcomes] == ["PublishResult"] * 4
    assert own.acquired == []
    assert len(batch.acquired) == api_requests(caas_sandbox) == 4  # one POST each
    assert set(batch.acquired) == {caas_sandbox.credentials.client_id}
    get_classifieds.sync_detailed(client=client)  # outside the batch: the client's own again
    assert own.acquired == [caas_sandbox.credentials.client_id]


def test_async_publish_many_spends_its_budget(caas_sandbox: Sandbox) -> None:
    batch = CountingBudget()
    client = version_client(caas_sandbox, "v3")
    outcomes = asyncio.run(
        publish_many.asyncio(client, _listings(3), concurrency=3, wait=False, rate_budget=batch)
    )
    assert len(outcomes) == 3
    assert len(batch.acquired) == api_requests(caas_sandbox) == 3


def test_publish_many_items_without_room_end_with_the_typed_error(caas_sandbox: Sandbox) -> None:
    batch = MemoryRateBudget("1/minute", max_wait=0)
    client = version_client(caas_sandbox, "v3")
    outcomes = publish_many.sync(client, _listings(2), concurrency=1, wait=False, rate_budget=batch)
    assert [type(o).__name__ for o in outcomes] == ["PublishResult", "RateBudgetTimeoutError"]
    assert outcomes[1].request_sent is False  # type: ignore[union-attr]
    assert api_requests(caas_sandbox) == 1  # the first item's POST had room; nothing else was sent
