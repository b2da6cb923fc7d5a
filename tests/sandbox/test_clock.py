"""One ManualClock for the client and the sandbox; the sandbox refuses what is not a clock, clearly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

import aviv_caas_auth
from aviv_caas_auth import MemoryTokenStore, StatusTimeoutError, create_client
from aviv_caas_auth.sandbox import ManualClock, Sandbox, SandboxConfig, SandboxError, SystemClock
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.workflows import publish

from .conftest import version_client


def test_the_sandbox_s_manual_clock_is_aviv_caas_auth_s() -> None:
    assert ManualClock is aviv_caas_auth.ManualClock


def test_one_manual_clock_drives_client_and_sandbox(caas_sandbox_factory) -> None:
    clock = (
        aviv_caas_auth.ManualClock()
    )  # the review's probe: Sandbox.start(clock=aviv_caas_auth.ManualClock())
    sandbox = caas_sandbox_factory(clock=clock)
    client = create_client(
        sandbox.credentials,
        environment="sandbox",
        user_agent="TestCRM/1.0",
        base_url=sandbox.base_url,
        token_url=sandbox.token_url,
        token_store=MemoryTokenStore(),
        clock=clock,
    )
    result = publish.sync(client, paris_apartment_for_sale(), poll=sandbox.poll_policy())
    assert result.status.status == "CREATED"
    assert datetime.fromtimestamp(clock.time(), UTC) >= result.status.status_date  # dated on that clock
    clock.advance(86400)  # a day later on both sides: the client knows its token expired
    publish.sync(client, paris_apartment_for_sale(), poll=sandbox.poll_policy())
    usage = sandbox.report().clients[0]
    assert (usage.token_requests, usage.compliant) == (2, True)
    assert not [e for e in sandbox.exchanges() if e.status == 401]  # no stale token was ever sent


def test_the_admin_endpoint_moves_a_manual_clock(caas_sandbox) -> None:
    before = caas_sandbox.clock.monotonic()
    answer = httpx.post(caas_sandbox.admin_url + "/clock", json={"advance": 30})
    assert answer.status_code == 200
    assert caas_sandbox.clock.monotonic() == before + 30
    assert answer.json()["wall"] == datetime.fromtimestamp(caas_sandbox.clock.time(), UTC).isoformat()


@pytest.mark.parametrize("clock", [aviv_caas_auth.SystemClock(), object()], ids=["no-advance", "not-a-clock"])
def test_what_cannot_drive_a_sandbox_is_refused_clearly(clock: object) -> None:
    with pytest.raises(
        SandboxError, match=r"needs monotonic\(\), time\(\) and advance\(seconds\);.*ManualClock"
    ):
        Sandbox(clock=clock)  # type: ignore[arg-type]


def test_the_default_clock_is_real_time_that_advance_moves() -> None:
    clock = SystemClock()
    start = clock.monotonic()
    clock.advance(3600)
    assert clock.monotonic() - start >= 3600
    assert abs(clock.time() - 3600 - datetime.now(UTC).timestamp()) < 60
    with pytest.raises(ValueError, match="cannot go backwards"):
        clock.advance(-1)


@pytest.mark.parametrize("api", ["v3", "v4"])
def test_the_fixture_s_poll_policy_lets_the_workflows_finish(caas_sandbox, api: str) -> None:
    # The review's probe: publish.sync on the frozen fixture stalled for its whole timeout.
    client = version_client(caas_sandbox, api)
    result = publish.sync(client, paris_apartment_for_sale(), timeout=20, poll=caas_sandbox.poll_policy())
    assert (result.action, result.status.status) == ("created", "CREATED")
    assert caas_sandbox.clock.monotonic() > 1_000  # its waits moved the frozen clock, nothing slept


def test_a_stuck_status_times_out_in_sandbox_time(caas_sandbox_factory) -> None:
    sandbox = caas_sandbox_factory(SandboxConfig(status_step=10_000))
    client = version_client(sandbox, "v3")
    start = sandbox.clock.monotonic()
    with pytest.raises(StatusTimeoutError) as raised:
        publish.sync(client, paris_apartment_for_sale(), timeout=300, poll=sandbox.poll_policy(first=5))
    assert raised.value.last_status.status == "RECEIVED"
    assert 300 <= sandbox.clock.monotonic() - start < 310  # 300 s of sandbox time, at once


def test_the_poll_policy_waits_asynchronously_too() -> None:
    with Sandbox.start(clock=ManualClock()) as sandbox:
        policy = sandbox.poll_policy(first=2)
        before = sandbox.clock.monotonic()
        asyncio.run(policy.async_sleep(12.5))
        policy.sleep(0.5)
        assert sandbox.clock.monotonic() == before + 13
        assert (policy.clock, policy.first) == (sandbox.clock, 2)
