"""RedisRateBudget against a real redis-server: one window and one pause for every budget object,
process and event loop on the same Redis; Redis down is a typed error, never a hang."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest
import redis

from aviv_caas_auth import ApiConnectionError, ConfigurationError
from aviv_caas_auth.budget import (
    RateBudget,
    RateBudgetTimeoutError,
    RateBudgetUnavailableError,
    RedisRateBudget,
)
from tests.deadline import finishes, in_forked_child

from .recording import Sleeps, options


def test_two_budgets_on_one_redis_share_the_window(redis_url: str) -> None:
    sleeps = Sleeps()
    first = RedisRateBudget(redis_url, rate="3/minute", **options(sleeps))
    second = RedisRateBudget.from_url(redis_url, rate="3/minute", **options(sleeps))
    first.acquire("crm-a")
    second.acquire("crm-a")
    first.acquire("crm-a")
    with pytest.raises(RateBudgetTimeoutError):
        second.acquire("crm-a", timeout=5)
    second.acquire("crm-b")  # per client id
    assert sleeps.count == 0


def test_a_pause_set_by_one_is_seen_by_all_and_only_lengthened(redis_url: str) -> None:
    first = RedisRateBudget(redis_url, rate=100)
    second = RedisRateBudget(redis_url, rate=100)
    first.pause("crm-a", 30)
    second.pause("crm-a", 2)  # shorter: the 30 s pause stands
    assert 25 < second.paused_for("crm-a") <= 30
    assert second.paused_for("crm-b") == 0
    with pytest.raises(RateBudgetTimeoutError, match="within 1 s"):
        second.acquire("crm-a", timeout=1)


def test_a_short_pause_is_waited_out_by_another_budget(redis_url: str) -> None:
    sleeps = Sleeps()
    RedisRateBudget(redis_url, rate=100).pause("crm-a", 0.05)
    RedisRateBudget(redis_url, rate=100, **options(sleeps)).acquire("crm-a")
    assert sleeps.count == 1


def test_the_keys_hold_no_client_id(redis_url: str) -> None:
    budget = RedisRateBudget(redis_url, rate=10, namespace="vendor-x")
    budget.acquire("crm-secretive-id")
    budget.pause("crm-secretive-id", 10)
    with redis.Redis.from_url(redis_url) as client:
        keys = sorted(key.decode() for key in client.keys("*"))
    assert len(keys) == 2  # the window and the pause: two keys per client id
    assert all(key.startswith("vendor-x:budget:") for key in keys)
    assert not any("crm-secretive-id" in key for key in keys)
    assert budget.pause_key("crm-secretive-id") in keys


def test_async_acquires_share_the_window_across_event_loops(redis_url: str) -> None:
    sleeps = Sleeps()
    budget = RedisRateBudget(redis_url, rate="3/minute", **options(sleeps))

    async def take(timeout: float | None = None) -> float:
        return await budget.aacquire("crm-a", timeout=timeout)

    asyncio.run(take())
    asyncio.run(take())  # a new event loop: a new connection of its own
    budget.acquire("crm-a")  # the sync side counts in the same window
    with pytest.raises(RateBudgetTimeoutError):
        asyncio.run(take(timeout=1))
    asyncio.run(budget.apause("crm-b", 30))
    assert budget.paused_for("crm-b") > 20
    assert sleeps.count == 0


def test_an_async_wait_is_cancellable(redis_url: str) -> None:
    budget = RedisRateBudget(redis_url, rate=10, max_wait=600)
    budget.pause("crm-a", 300)

    async def cancelled() -> str:
        task = asyncio.ensure_future(budget.aacquire("crm-a"))
        await asyncio.sleep(0.1)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"
        return "acquired"

    assert finishes(lambda: asyncio.run(cancelled())) == "cancelled"


def test_a_forked_child_opens_its_own_connection_and_shares_the_budget(redis_url: str) -> None:
    budget = RedisRateBudget(redis_url, rate="4/minute")
    budget.acquire("crm-a")  # the parent's connection pool exists now
    parent_pool = id(budget._sync_parts().client.connection_pool)

    def child() -> list[object]:
        budget.acquire("crm-a", timeout=0)
        budget.acquire("crm-a", timeout=0)
        return [id(budget._sync_parts().client.connection_pool) != parent_pool]

    assert in_forked_child(child) == [True]
    budget.acquire("crm-a", timeout=0)  # the parent's connection still works after the fork
    with pytest.raises(RateBudgetTimeoutError):  # 1 + 2 (the child's) + 1: the window is full
        budget.acquire("crm-a", timeout=0)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_redis_down_is_a_typed_error_naming_redis(closed_port: int) -> None:
    budget = RedisRateBudget(f"redis://:hunter2-password@127.0.0.1:{closed_port}/0", rate=10)
    for call in (
        lambda: budget.acquire("crm-a"),
        lambda: asyncio.run(budget.aacquire("crm-a")),
        lambda: budget.pause("crm-a", 1),
        budget.check,
    ):
        with pytest.raises(RateBudgetUnavailableError) as raised:
            finishes(call)
        error = raised.value
        assert isinstance(error, ApiConnectionError)
        assert error.request_sent is False
        assert f"redis 127.0.0.1:{closed_port}/0" in str(error)
        assert "hunter2" not in str(error)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on loopback that accepts connections and never answers (a hung Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for sock in accepted:
        sock.close()
    server.close()


def test_a_redis_that_never_answers_is_a_typed_error_after_the_socket_timeout(silent_server: int) -> None:
    budget = RedisRateBudget(f"redis://127.0.0.1:{silent_server}/0", rate=10, socket_timeout=0.3)
    with pytest.raises(RateBudgetUnavailableError, match="Timeout"):
        finishes(lambda: budget.acquire("crm-a"))
    with pytest.raises(RateBudgetUnavailableError, match="Timeout"):
        finishes(lambda: asyncio.run(budget.aacquire("crm-a")))


def test_a_bad_url_or_namespace_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="invalid Redis URL"):
        RedisRateBudget("http://example.invalid", rate=10)
    with pytest.raises(ConfigurationError, match="namespace must be a non-empty word"):
        RedisRateBudget("redis://127.0.0.1:6379/0", rate=10, namespace="a b")


def test_it_is_a_rate_budget_and_says_where(redis_url: str) -> None:
    budget = RedisRateBudget(redis_url, rate="5/second")
    assert isinstance(budget, RateBudget)
    assert repr(budget).startswith("RedisRateBudget(redis 127.0.0.1:")
    assert "5 per 1 second" in repr(budget)
    budget.check()
    budget.close()
