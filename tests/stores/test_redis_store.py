"""RedisTokenStore on a real redis-server on loopback: races, outages, timeouts, a dead lock holder."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio
from pytest_redis.executor import RedisExecutor

from aviv_caas_auth import (
    AccessToken,
    CaasCredentials,
    ConfigurationError,
    ManualClock,
    RedisTokenStore,
    TokenKey,
    endpoints_for,
)
from aviv_caas_auth.stores.record import encode
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import client_for, provider_for
from tests.stores.processes import finish, race, start_worker, worker_spec

DAY = 86400.0
UNREACHABLE = "is unreachable"
BACK = "is reachable again"


def _key(aviv: FakeAviv, credentials: CaasCredentials) -> TokenKey:
    return TokenKey.of(credentials, endpoints_for("sandbox", token_url=aviv.token_url))


def _count(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)


def test_four_processes_on_a_cold_redis_make_one_token_request(
    aviv: FakeAviv, credentials: CaasCredentials, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    spec = worker_spec(credentials, aviv.token_url, store="redis", url=redis_url)
    tokens = race(4, spec, tmp_path / "barrier")
    assert aviv.token_count == 1
    assert tokens == [aviv.issued[0]] * 4
    # The lock was released; only the token is left, under the namespaced, hashed key.
    assert redis_client.keys("*") == [f"aviv-caas:token:{_key(aviv, credentials).digest}".encode()]


def test_keys_and_values_hold_no_secret_and_no_client_id_and_expire_with_the_token(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    redis_url: str,
    redis_client: redis.Redis,
    clock: ManualClock,
) -> None:
    store = RedisTokenStore.from_url(redis_url, clock=clock)
    provider_for(aviv, credentials, token_store=store, clock=clock).get_token()
    key = _key(aviv, credentials)
    forbidden = (credentials.client_secret, credentials.client_id, credentials.secret_digest)
    names = redis_client.keys("*")
    assert names == [store.token_key(key).encode()]
    for name in names:
        value = redis_client.get(name)
        assert value is not None
        for text in forbidden:
            assert text.encode() not in name
            assert text.encode() not in value
        assert aviv.issued[0].encode() in value
    ttl = redis_client.pttl(store.token_key(key))
    assert DAY * 1000 - 60_000 < ttl <= DAY * 1000  # the remaining lifetime on the store's clock


def test_a_custom_namespace(
    aviv: FakeAviv, credentials: CaasCredentials, redis_url: str, redis_client: redis.Redis
) -> None:
    store = RedisTokenStore.from_url(redis_url, namespace="crm42")
    provider_for(aviv, credentials, token_store=store).get_token()
    assert redis_client.keys("*") == [f"crm42:token:{_key(aviv, credentials).digest}".encode()]


@pytest.mark.parametrize("value", [b"{corrupt", b'{"format": "aviv-caas/token/1"}', "another key"])
def test_a_broken_record_is_ignored_then_replaced(
    value: bytes | str,
    aviv: FakeAviv,
    credentials: CaasCredentials,
    redis_url: str,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RedisTokenStore.from_url(redis_url)
    key = _key(aviv, credentials)
    if value == "another key":
        other = _key(aviv, credentials.for_intermediary("elsewhere"))
        value = encode(other, AccessToken("tok-planted", DAY, 4_000_000_000.0))
    redis_client.set(store.token_key(key), value)
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")
    token = provider_for(aviv, credentials, token_store=store).get_token()
    assert token.value == aviv.issued[0]
    assert "ignoring the token record" in caplog.text
    assert RedisTokenStore.from_url(redis_url).load(key) == token


def test_redis_stopped_in_the_middle_of_a_run(
    redis_server: RedisExecutor,
    redis_url: str,
    aviv: FakeAviv,
    credentials: CaasCredentials,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="aviv_caas_auth")
    store = RedisTokenStore.from_url(redis_url)
    agency = {name: credentials.for_intermediary(name) for name in ("a", "b", "c", "d")}
    a = client_for(aviv, agency["a"], token_store=store)
    assert isinstance(get_classifieds.sync(client=a), GetClassifiedsResponse200)
    assert aviv.token_count == 1

    redis_server.stop()
    for _ in range(3):  # the token in memory keeps serving
        assert isinstance(get_classifieds.sync(client=a), GetClassifiedsResponse200)
    # Calls that need the store (load, lock, save; discard on a 401; sync and async) still succeed.
    b = client_for(aviv, agency["b"], token_store=store)
    assert isinstance(get_classifieds.sync(client=b), GetClassifiedsResponse200)
    c = client_for(aviv, agency["c"], token_store=store)
    assert isinstance(asyncio.run(get_classifieds.asyncio(client=c)), GetClassifiedsResponse200)
    aviv.rejected.add(aviv.issued[0])
    assert isinstance(get_classifieds.sync(client=a), GetClassifiedsResponse200)
    assert store.load(_key(aviv, agency["d"])) is None
    assert aviv.token_count == 4  # a, b, c, and a's replacement: one each, no more
    assert _count(caplog, UNREACHABLE) == 1  # one warning for the outage, not one per call
    assert "could not" not in caplog.text  # nothing escaped the store as an error

    redis_server.start()
    d = client_for(aviv, agency["d"], token_store=store)
    assert isinstance(get_classifieds.sync(client=d), GetClassifiedsResponse200)
    assert aviv.token_count == 5
    assert _count(caplog, BACK) == 1
    # Sharing works again: another process adopts d's token without a request.
    other = provider_for(aviv, agency["d"], token_store=RedisTokenStore.from_url(redis_url))
    assert other.get_token().value == aviv.issued[4]
    assert aviv.token_count == 5

    redis_server.stop()  # a second outage gets its own (single) warning
    e = client_for(aviv, credentials.for_intermediary("e"), token_store=store)
    for _ in range(2):
        assert isinstance(get_classifieds.sync(client=e), GetClassifiedsResponse200)
    assert _count(caplog, UNREACHABLE) == 2


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a Redis that times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def test_a_redis_that_times_out_costs_one_warning_and_no_failure(
    silent_server: int, aviv: FakeAviv, credentials: CaasCredentials, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")
    store = RedisTokenStore.from_url(f"redis://127.0.0.1:{silent_server}/0", socket_timeout=0.2)
    sync_provider = provider_for(aviv, credentials, token_store=store)
    async_provider = provider_for(aviv, credentials.for_intermediary("other"), token_store=store)
    assert sync_provider.get_token().value == aviv.issued[0]
    assert asyncio.run(async_provider.aget_token()).value == aviv.issued[1]
    assert aviv.token_count == 2
    assert _count(caplog, UNREACHABLE) == 1
    assert "TimeoutError" in caplog.text


def test_a_dead_lock_holder_s_lock_expires_and_another_process_fetches(
    aviv: FakeAviv, credentials: CaasCredentials, redis_url: str, redis_client: redis.Redis
) -> None:
    spec = worker_spec(
        credentials, aviv.token_url, store="redis", url=redis_url, options={"lock_ttl": 2, "lock_timeout": 60}
    )
    lock_key = RedisTokenStore.from_url(redis_url).lock_key(_key(aviv, credentials))
    aviv.token_gate = threading.Event()  # the holder's token request hangs in the server
    holder = start_worker(spec)
    try:
        assert aviv.token_entered.wait(timeout=60)
        assert redis_client.pttl(lock_key) > 0  # it holds the lock, with an expiry
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=60)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert redis_client.exists(lock_key)  # nobody released it
    aviv.token_gate.set()
    token, warnings = finish(start_worker(spec))  # waits for the expiry, then takes the lock
    assert token in aviv.issued
    assert aviv.token_count == 2  # the dead holder's request and this one: one extra, no hang
    assert "without" not in warnings  # it got the lock, it did not give up on it
    assert not redis_client.exists(lock_key)
    stored = RedisTokenStore.from_url(redis_url).load(_key(aviv, credentials))
    assert stored is not None
    assert stored.value == token


def test_a_lock_held_too_long_is_given_up_with_a_warning_not_a_hang(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    redis_url: str,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RedisTokenStore.from_url(redis_url, lock_timeout=0.3)
    key = _key(aviv, credentials)
    redis_client.set(store.lock_key(key), "a stuck process", px=600_000)
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")
    assert provider_for(aviv, credentials, token_store=store).get_token().value == aviv.issued[0]
    async_provider = provider_for(
        aviv, credentials, token_store=RedisTokenStore.from_url(redis_url, lock_timeout=0.3)
    )
    redis_client.delete(store.token_key(key))  # make the async one refresh too
    assert asyncio.run(async_provider.aget_token()).value == aviv.issued[1]
    assert caplog.text.count("refreshing without it") == 2
    assert redis_client.get(store.lock_key(key)) == b"a stuck process"  # not released by a non-owner


def test_async_clients_follow_their_event_loop(
    aviv: FakeAviv, credentials: CaasCredentials, redis_url: str
) -> None:
    store = RedisTokenStore.from_url(redis_url)
    first = asyncio.run(provider_for(aviv, credentials, token_store=store).aget_token())
    # A new event loop (a second asyncio.run) and a new "process" reading the same Redis.
    second = asyncio.run(
        provider_for(aviv, credentials, token_store=RedisTokenStore.from_url(redis_url)).aget_token()
    )
    assert first == second
    assert aviv.token_count == 1


def test_own_clients_sync_only_and_async_only(
    aviv: FakeAviv, credentials: CaasCredentials, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    sync_only = RedisTokenStore(client=redis.Redis.from_url(redis_url))
    token = asyncio.run(provider_for(aviv, credentials, token_store=sync_only).aget_token())  # via threads
    async_only = RedisTokenStore(async_client=redis.asyncio.Redis.from_url(redis_url))
    # Refreshes run in a thread with the sync client where there is one, else on the caller's loop.
    assert (sync_only.supports_sync, async_only.supports_sync) == (True, False)
    assert asyncio.run(provider_for(aviv, credentials, token_store=async_only).aget_token()) == token
    assert aviv.token_count == 1
    # Sync use of an async-only store: the call succeeds unshared, and the log says what to pass.
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")
    other = credentials.for_intermediary("sync-caller")
    assert provider_for(aviv, other, token_store=async_only).get_token().value == aviv.issued[1]
    assert "pass client=redis.Redis(...)" in caplog.text


def test_a_url_or_a_wrong_client_is_refused_with_the_way_to_do_it() -> None:
    with pytest.raises(ConfigurationError, match=r"RedisTokenStore.from_url\('redis://127.0.0.1:6379/0'\)"):
        RedisTokenStore("redis://127.0.0.1:6379/0")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="async_client="):
        RedisTokenStore(client=redis.asyncio.Redis())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="client="):
        RedisTokenStore(async_client=redis.Redis())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"redis\.Redis"):
        RedisTokenStore(client=42)  # type: ignore[arg-type]


def test_configuration_errors_and_no_password_in_messages(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ConfigurationError, match="needs a Redis client"):
        RedisTokenStore()
    with pytest.raises(ConfigurationError, match="invalid Redis URL"):
        RedisTokenStore.from_url("http://:hunter2@127.0.0.1:6379/0")
    with pytest.raises(ConfigurationError, match="lock_ttl must be > 0"):
        RedisTokenStore.from_url("redis://127.0.0.1:6379/0", lock_ttl=0)
    with pytest.raises(ConfigurationError, match="namespace"):
        RedisTokenStore.from_url("redis://127.0.0.1:6379/0", namespace="")
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = RedisTokenStore.from_url(f"redis://:hunter2@127.0.0.1:{port}/0")
    assert store.load(TokenKey("u", "c", "a", "i", "s")) is None
    assert repr(store) == f"RedisTokenStore(redis 127.0.0.1:{port}/0, namespace='aviv-caas')"
    assert UNREACHABLE in caplog.text
    assert "hunter2" not in caplog.text + repr(store)
