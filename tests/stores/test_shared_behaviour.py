"""What the memory store does, the shared stores do across processes: windows, waiting, 401 invalidation.

Each test runs on the file store and on Redis. A new store instance on the same directory or Redis
stands for another process: it gets its own in-process slot, so only the store connects them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aviv_caas_auth import (
    AccessToken,
    CaasCredentials,
    Clock,
    FileTokenStore,
    ManualClock,
    RedisTokenStore,
    RefreshPolicy,
    TokenKey,
    TokenServerError,
    TokenStore,
    endpoints_for,
)
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.auth.fake_aviv import FakeAviv, json_response
from tests.auth.helpers import client_for, fork_during_refresh, provider_for
from tests.stores.processes import run_worker, worker_spec

DAY = 86400.0
PROACTIVE = DAY / 24
MANDATORY = DAY / 288


class Backend:
    """Makes stores on one shared backing (a directory, or a Redis database)."""

    def __init__(self, kind: str, location: str) -> None:
        self.kind, self.location = kind, location

    def store(self, clock: Clock | None = None) -> TokenStore:
        if self.kind == "file":
            return FileTokenStore(self.location)
        return RedisTokenStore.from_url(self.location, clock=clock)

    def spec(self, credentials: CaasCredentials, token_url: str) -> dict[str, Any]:
        where = {"path": self.location} if self.kind == "file" else {"url": self.location}
        return worker_spec(credentials, token_url, store=self.kind, **where)


@pytest.fixture(params=["file", "redis"])
def backend(request: pytest.FixtureRequest, token_dir: Path) -> Backend:
    if request.param == "file":
        return Backend("file", str(token_dir))
    return Backend("redis", request.getfixturevalue("redis_url"))


def _key(aviv: FakeAviv, credentials: CaasCredentials) -> TokenKey:
    return TokenKey.of(credentials, endpoints_for("sandbox", token_url=aviv.token_url))


def test_windows_are_kept_across_processes(
    backend: Backend, aviv: FakeAviv, credentials: CaasCredentials, clock: ManualClock, policy: RefreshPolicy
) -> None:
    def process() -> Callable[[], Any]:
        store = backend.store(clock)
        return provider_for(
            aviv, credentials, token_store=store, clock=clock, refresh_policy=policy
        ).get_token

    a = process()
    first = a()
    clock.advance(DAY - PROACTIVE - 1)
    b = process()
    assert b() == first  # a second process adopts the stored token without a request
    assert aviv.token_count == 1
    clock.advance(2)  # both are in the proactive window now
    second = a()
    assert second != first
    assert aviv.token_count == 2
    assert b() == second  # b takes the newer stored token instead of fetching its own
    assert aviv.token_count == 2
    clock.advance(DAY - MANDATORY + 1)  # the mandatory window of the second token
    third = b()
    assert third not in (first, second)
    assert aviv.token_count == 3
    assert a() == third
    assert aviv.token_count == 3


def test_in_the_mandatory_window_another_process_waits_for_the_refresh(
    backend: Backend, aviv: FakeAviv, credentials: CaasCredentials, clock: ManualClock, policy: RefreshPolicy
) -> None:
    a = provider_for(aviv, credentials, token_store=backend.store(clock), clock=clock, refresh_policy=policy)
    b = provider_for(aviv, credentials, token_store=backend.store(clock), clock=clock, refresh_policy=policy)
    first = a.get_token()
    assert b.get_token() == first
    clock.advance(DAY - MANDATORY + 1)
    aviv.token_gate = threading.Event()
    aviv.token_entered.clear()
    results: dict[str, object] = {}
    refresher = threading.Thread(target=lambda: results.update(a=a.get_token()))
    refresher.start()
    assert aviv.token_entered.wait(timeout=30)  # a holds the store's lock, its request is in flight
    waiter = threading.Thread(target=lambda: results.update(b=b.get_token()))
    waiter.start()
    waiter.join(timeout=0.5)
    assert waiter.is_alive()  # b waits on the store's lock instead of using the old token or fetching
    aviv.token_gate.set()
    refresher.join(timeout=30)
    waiter.join(timeout=30)
    assert results["a"] != first
    assert results["b"] == results["a"]  # b re-read the token a wrote
    assert aviv.token_count == 2


@pytest.mark.parametrize("child", ["sync", "async"])
def test_a_child_forked_during_a_refresh_takes_the_token_its_parent_stores(
    backend: Backend, aviv: FakeAviv, credentials: CaasCredentials, child: str
) -> None:
    """Celery prefork, gunicorn --preload: the child waits on the store's lock, not on its parent's refresh."""
    provider = provider_for(aviv, credentials, token_store=backend.store())
    value = fork_during_refresh(aviv, provider, parent="sync", child=child)
    assert value == aviv.issued[0]  # the child re-read the token its parent wrote
    assert aviv.token_count == 1


def test_a_401_reaches_the_shared_store(
    backend: Backend, aviv: FakeAviv, credentials: CaasCredentials, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    a = client_for(aviv, credentials, token_store=backend.store())
    b = client_for(aviv, credentials, token_store=backend.store())
    get_classifieds.sync(client=a)
    get_classifieds.sync(client=b)
    assert aviv.token_count == 1  # b adopted a's token
    rejected = aviv.issued[0]
    aviv.rejected.add(rejected)  # e.g. revoked on AVIV's side

    assert isinstance(get_classifieds.sync(client=a), GetClassifiedsResponse200)  # 401, refresh, replay
    assert aviv.token_count == 2
    renewed = aviv.issued[1]
    stored = backend.store().load(_key(aviv, credentials))
    assert stored is not None
    assert stored.value == renewed

    # b still had the rejected token in memory: its 401 takes a's new token from the store, no request.
    assert isinstance(get_classifieds.sync(client=b), GetClassifiedsResponse200)
    assert aviv.token_count == 2
    assert aviv.api_authorizations[-2:] == [f"Bearer {rejected}", f"Bearer {renewed}"]
    # A new process gets the new token, not the rejected one.
    token, _ = run_worker(backend.spec(credentials, aviv.token_url))
    assert token == renewed
    assert aviv.token_count == 2
    for secret in (credentials.client_secret, *aviv.issued):  # nothing leaked into the logs on the way
        assert secret not in caplog.text


def test_a_rejected_token_leaves_the_store_even_when_no_new_one_comes(
    backend: Backend, aviv: FakeAviv, credentials: CaasCredentials
) -> None:
    a = client_for(aviv, credentials, token_store=backend.store())
    get_classifieds.sync(client=a)
    rejected = aviv.issued[0]
    aviv.rejected.add(rejected)
    aviv.token_overrides.append(json_response(503, {"message": "unavailable"}))
    with pytest.raises(TokenServerError):
        get_classifieds.sync(client=a)
    assert aviv.token_count == 2
    assert backend.store().load(_key(aviv, credentials)) is None
    token, _ = run_worker(backend.spec(credentials, aviv.token_url))  # another process: does not get it
    assert token != rejected
    assert token == aviv.issued[-1]
    assert aviv.token_count == 3


@pytest.mark.parametrize("ahead", [10 * 365 * DAY, 3 * DAY + 3600], ids=["10-years", "3-days-and-an-hour"])
def test_a_stored_token_expiring_beyond_its_lifetime_is_not_trusted(
    backend: Backend,
    aviv: FakeAviv,
    credentials: CaasCredentials,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    ahead: float,
) -> None:
    """A record written under a clock far ahead (or forged) would be trusted until that date."""
    store = backend.store(clock)
    key = _key(aviv, credentials)
    store.save(key, AccessToken("tok-planted", DAY, clock.time() + ahead))
    caplog.set_level(logging.WARNING, logger="aviv_caas_auth")
    token = provider_for(aviv, credentials, token_store=store, clock=clock).get_token()
    assert token.value == aviv.issued[0]
    assert aviv.token_count == 1
    assert "expires further away than its lifetime" in caplog.text
    assert backend.store(clock).load(key) == token  # replaced
