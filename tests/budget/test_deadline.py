"""Issue 19, item 1, with the shared rate budget: waiting for room in it respects the caller's deadline too.

A budget waits up to its ``max_wait`` (60 s by default) before each attempt. Within a workflow's
timeout it waits no longer than what is left of it: a wait that would pass the deadline is a
``RateBudgetTimeoutError`` at once (nothing sent), which the workflow then reads as a request that
could not go out (``wait_for_status`` polls on until its ``StatusTimeoutError``).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from aviv_caas_auth import ManualClock
from aviv_caas_auth.budget import MemoryRateBudget, RateBudgetTimeoutError
from aviv_caas_auth.http import deadline
from aviv_caas_auth.http.deadline import Deadline
from aviv_caas_auth.http.transport import CaasTransport
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.workflows import PollPolicy, StatusTimeoutError, publish, wait_for_status
from tests.sandbox.conftest import version_client

from .recording import CountingBudget, Sleeps, options


class TimeoutsBudget(CountingBudget):
    """Lets everything through; records the ``timeout`` each acquire was given."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float | None] = []

    def acquire(self, key: str, *, timeout: float | None = None) -> float:
        self.timeouts.append(timeout)
        return super().acquire(key, timeout=timeout)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_the_transport_gives_the_budget_what_is_left_of_the_deadline(is_async: bool) -> None:
    budget, clock = TimeoutsBudget(), ManualClock()
    caas = CaasTransport(
        httpx.MockTransport(lambda request: httpx.Response(200)), retry=None, budget=budget, client_id="crm"
    )

    def send() -> None:
        request = httpx.Request("GET", "https://api.aviv-group.com/caas/v3/classifieds")
        if is_async:
            asyncio.run(caas.handle_async_request(request))
        else:
            caas.handle_request(request)

    send()
    with deadline.within(Deadline.after(5, clock)):
        send()
        clock.advance(2)
        send()
    assert budget.timeouts == [None, 5, 3]  # none: the budget's own max_wait


def test_wait_for_status_never_waits_for_a_paused_budget_past_its_timeout(caas_sandbox: Sandbox) -> None:
    sleeps = Sleeps()
    budget = MemoryRateBudget(100, max_wait=60, **options(sleeps))
    client = version_client(caas_sandbox, "v3", rate_budget=budget)
    body = paris_apartment_for_sale()
    body["data"]["metaData"]["source"]["offererEstateId"] = "CRM-BUDGET-DEADLINE"
    result = publish.sync(client, body, wait=False)
    budget.pause(caas_sandbox.credentials.client_id, 30)  # a 429 elsewhere paused everyone for 30 s
    clock, polls = ManualClock(), []
    poll = PollPolicy(clock=clock, sleep=lambda s: (polls.append(s), clock.advance(s)), random=lambda: 0.5)

    with pytest.raises(StatusTimeoutError) as raised:
        wait_for_status.sync(client, result.classified_id, timeout=5, poll=poll)

    assert isinstance(raised.value.last_error, RateBudgetTimeoutError)
    assert sleeps.count == 0  # the budget never slept: 30 s (within its max_wait) would pass the deadline
    assert sum(polls) == pytest.approx(5)  # the workflow's own pauses, up to its timeout
