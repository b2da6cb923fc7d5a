"""MemoryRateBudget: the limits window per client id, pauses, bounded waits, fork, event loops."""

from __future__ import annotations

import asyncio

import pytest

from aviv_caas_auth import ApiTimeoutError, ConfigurationError
from aviv_caas_auth.budget import MemoryRateBudget, RateBudget, RateBudgetTimeoutError
from tests.deadline import finishes, in_forked_child

from .recording import Sleeps, options


def test_requests_within_the_rate_pass_without_waiting_and_the_next_waits_for_the_window() -> None:
    sleeps = Sleeps()
    budget = MemoryRateBudget(3, **options(sleeps))
    for _ in range(3):
        budget.acquire("crm-a")
    assert sleeps.count == 0
    budget.acquire("crm-b")  # another client id has its own window
    assert sleeps.count == 0
    budget.acquire("crm-a")  # the fourth in the window: waits until the first one leaves it
    assert sleeps.count >= 1


def test_a_full_window_and_a_short_timeout_fail_at_once_typed_and_unsent() -> None:
    sleeps = Sleeps()
    budget = MemoryRateBudget("2/minute", **options(sleeps))
    budget.acquire("crm-a")
    budget.acquire("crm-a")
    with pytest.raises(RateBudgetTimeoutError) as raised:
        budget.acquire("crm-a", timeout=5)
    assert sleeps.count == 0  # it knew the wait would be too long: it did not sleep first
    error = raised.value
    assert isinstance(error, ApiTimeoutError)
    assert error.request_sent is False
    assert error.key == "crm-a"
    assert error.needed > 5
    assert "no room in the rate budget of client crm-a within 5 s" in str(error)
    assert "was not sent" in str(error)


def test_max_wait_bounds_every_wait_and_a_timeout_can_only_shorten_it() -> None:
    budget = MemoryRateBudget("1/minute", max_wait=0.5)
    budget.acquire("crm-a")
    with pytest.raises(RateBudgetTimeoutError, match=r"within 0\.5 s"):
        budget.acquire("crm-a", timeout=120)


def test_a_pause_stops_everyone_for_that_client_only_and_is_never_shortened() -> None:
    sleeps = Sleeps()
    budget = MemoryRateBudget(100, **options(sleeps))
    budget.pause("crm-a", 30)
    budget.pause("crm-a", 1)  # a shorter Retry-After later does not end the longer pause
    assert budget.paused_for("crm-a") > 20
    with pytest.raises(RateBudgetTimeoutError):
        budget.acquire("crm-a", timeout=2)
    budget.acquire("crm-b")
    assert sleeps.count == 0


def test_a_pause_without_retry_after_lasts_the_default() -> None:
    budget = MemoryRateBudget(100, default_pause=40)
    budget.pause("crm-a", None)
    assert 30 < budget.paused_for("crm-a") <= 40


def test_a_short_pause_is_waited_out() -> None:
    sleeps = Sleeps()
    budget = MemoryRateBudget(100, **options(sleeps, jitter_margin=0))
    budget.pause("crm-a", 0.05)
    budget.acquire("crm-a")
    assert sleeps.count == 1


def test_async_acquire_shares_the_window_with_sync_callers_across_event_loops() -> None:
    sleeps = Sleeps()
    budget = MemoryRateBudget("3/minute", **options(sleeps))
    budget.acquire("crm-a")
    asyncio.run(budget.aacquire("crm-a"))
    asyncio.run(budget.aacquire("crm-a"))  # a second asyncio.run(): a new loop, the same budget
    with pytest.raises(RateBudgetTimeoutError):
        asyncio.run(budget.aacquire("crm-a", timeout=1))
    assert sleeps.count == 0


def test_an_async_wait_is_cancellable() -> None:
    budget = MemoryRateBudget(10, max_wait=600)
    budget.pause("crm-a", 300)

    async def cancelled() -> str:
        task = asyncio.ensure_future(budget.aacquire("crm-a"))
        await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"
        return "acquired"

    assert finishes(lambda: asyncio.run(cancelled())) == "cancelled"


def test_a_forked_child_has_a_fresh_budget_of_its_own() -> None:
    budget = MemoryRateBudget("2/minute")
    budget.acquire("crm-a")
    budget.acquire("crm-a")
    budget.pause("crm-b", 300)

    def child() -> list[float]:
        return [budget.acquire("crm-a", timeout=0), budget.paused_for("crm-b")]

    assert in_forked_child(child) == [pytest.approx(0, abs=1), 0]
    with pytest.raises(RateBudgetTimeoutError):  # the parent's window is still full
        budget.acquire("crm-a", timeout=0)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("rate", "20 per fortnight", "'20/second' or '1000 per 10 minutes'"),
        ("rate", 0, ">= 1 request"),
        ("rate", 2.5, "a number of requests per second"),
        ("max_wait", -1, "max_wait must be a number of seconds >= 0"),
        ("default_pause", "1", "default_pause must be a number of seconds >= 0"),
        ("jitter_margin", float("nan"), "jitter_margin must be a number of seconds >= 0"),
    ],
)
def test_bad_settings_are_refused_saying_what_to_pass(option: str, value: object, message: str) -> None:
    settings: dict[str, object] = {"rate": 10, option: value}
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        MemoryRateBudget(**settings)  # type: ignore[arg-type]


def test_the_key_must_be_a_client_id() -> None:
    with pytest.raises(ConfigurationError, match="an AVIV client id"):
        MemoryRateBudget(10).acquire("")


def test_it_is_a_rate_budget() -> None:
    assert isinstance(MemoryRateBudget(10), RateBudget)
    assert repr(MemoryRateBudget("5/second")) == "MemoryRateBudget(5 per 1 second, max_wait=60)"
