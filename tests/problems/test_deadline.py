"""Issue 19, item 1: the transport's retry waits respect the caller's deadline (aviv_caas_auth.http.deadline).

A deadline set for the calls of a block (a context variable: this thread or task only) is read by
the retry loop: a retry whose wait would end past it is not taken, and the caller gets the last
answer (or the typed transport error) at once. Sync and async alike; waits are recorded, not slept.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from aviv_caas_auth import ApiConnectionError, ManualClock, RetryPolicy
from aviv_caas_auth.http import deadline
from aviv_caas_auth.http.deadline import Deadline
from aviv_caas_auth.http.transport import CaasTransport

URL = "https://api.aviv-group.com/caas/v3/classifieds"


class Server:
    """Answers 429 with ``Retry-After`` (or fails to connect); counts the attempts."""

    def __init__(self, retry_after: str = "2", *, refuse: bool = False) -> None:
        self.retry_after, self.refuse, self.attempts = retry_after, refuse, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.refuse:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(429, headers={"Retry-After": self.retry_after})


def transport(server: Server, clock: ManualClock, slept: list[float]) -> CaasTransport:
    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    policy = RetryPolicy(sleep=sleep, async_sleep=async_sleep, clock=clock, random=lambda: 0.0)
    return CaasTransport(httpx.MockTransport(server), retry=policy)


def send(caas: CaasTransport, *, is_async: bool) -> httpx.Response:
    request = httpx.Request("GET", URL)
    if is_async:
        return asyncio.run(caas.handle_async_request(request))
    return caas.handle_request(request)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_no_retry_wait_passes_the_deadline(is_async: bool) -> None:
    clock, slept, server = ManualClock(), [], Server("2")
    with deadline.within(Deadline.after(0.5, clock)):
        answer = send(transport(server, clock, slept), is_async=is_async)
    assert answer.status_code == 429  # the last answer, at once
    assert (server.attempts, slept) == (1, [])


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_retries_that_fit_are_taken_and_the_last_one_that_does_not_is_not(is_async: bool) -> None:
    clock, slept, server = ManualClock(), [], Server("2")
    with deadline.within(Deadline.after(5, clock)):
        answer = send(transport(server, clock, slept), is_async=is_async)
    assert answer.status_code == 429
    assert (server.attempts, slept) == (3, [2.0, 2.0])  # a third wait would end at 6 s > 5 s


def test_without_a_deadline_the_policy_alone_decides() -> None:
    clock, slept, server = ManualClock(), [], Server("2")
    send(transport(server, clock, slept), is_async=False)
    assert (server.attempts, slept) == (4, [2.0, 2.0, 2.0])


def test_a_connection_failure_is_raised_typed_instead_of_waiting_past_the_deadline() -> None:
    clock, slept, server = ManualClock(), [], Server(refuse=True)
    caas = transport(server, clock, slept)
    caas.retry = RetryPolicy(sleep=slept.append, clock=clock, random=lambda: 1.0, backoff=4.0)
    with deadline.within(Deadline.after(1.0, clock)), pytest.raises(ApiConnectionError):
        send(caas, is_async=False)
    assert (server.attempts, slept) == (1, [])


def test_deadlines_nest_and_the_earliest_wins() -> None:
    clock = ManualClock()
    assert deadline.allows(10**9)  # no deadline: every wait is allowed
    assert deadline.remaining() is None
    with deadline.within(Deadline.after(10, clock)):
        with deadline.within(Deadline.after(3, clock)):
            assert deadline.remaining() == 3
            assert deadline.allows(3)
            assert not deadline.allows(3.5)
        with deadline.within(Deadline.after(60, clock)):
            assert deadline.remaining() == 10  # an outer, earlier deadline still holds
        with deadline.within(None):
            assert deadline.remaining() == 10
    assert deadline.remaining() is None


def test_a_deadline_belongs_to_its_task() -> None:
    clock = ManualClock()

    async def other_task() -> float | None:
        return deadline.remaining()

    async def main() -> tuple[float | None, float | None]:
        outside = asyncio.create_task(other_task())  # created before the block: not under it
        with deadline.within(Deadline.after(7, clock)):
            inside = asyncio.create_task(other_task())  # created inside: inherits it (a copied context)
            return await outside, await inside

    assert asyncio.run(main()) == (None, 7)


def test_a_deadline_says_what_is_wrong_with_bad_seconds() -> None:
    for bad in ("5", float("nan"), True):
        with pytest.raises(ValueError, match="seconds"):
            Deadline.after(bad)  # type: ignore[arg-type]
