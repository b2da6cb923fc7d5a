"""Waiting in real time for a sandbox whose clock stands still fails at once (issue 19, item 11).

The README's workflow lines pasted into the local-sandbox Quickstart (``Sandbox.start(clock=
ManualClock())``, no ``poll=``) waited 300 s, then failed every item with StatusTimeoutError: the
sandbox's statuses move only when its ManualClock is advanced, and real sleeps do not advance it.
Now the first wait raises FrozenSandboxClockError saying what to pass, after one status poll (sync
and async, wait_for_status, publish, publish_many). A sandbox on real time, or a policy whose waits
move the sandbox's clock, are unaffected.

Decision (why fail rather than advance by itself): a ManualClock promises to move only when told;
a sandbox moving it whenever a client polls would make a test's outcome depend on how often it
polls in real time, and hide the missing ``poll=``; failing at once keeps the frozen clock
deterministic and the fix is one keyword.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from aviv_caas_auth import ConfigurationError, ManualClock, create_client
from aviv_caas_auth.apis import PACKAGES
from aviv_caas_auth.clock import FROZEN_CLOCK_HEADER
from aviv_caas_auth.sandbox import Sandbox, SandboxConfig
from aviv_caas_auth.workflows import (
    FrozenSandboxClockError,
    PollPolicy,
    publish,
    publish_many,
    wait_for_status,
)
from scripts.paths import REPO_ROOT

from .conftest import classified

# A timeout the test would reach if the wait were silent (StatusTimeoutError), instead of the error.
SHORT = 5.0


@pytest.fixture(params=list(PACKAGES))
def frozen(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, Any]]:
    """A sandbox on a ManualClock (the Quickstart's) and a client of one version, with no poll policy."""
    api = str(request.param)
    with Sandbox.start(clock=ManualClock()) as sandbox:
        client = create_client(
            sandbox.credentials,
            api=api,  # type: ignore[arg-type]
            environment="sandbox",
            user_agent="MyCRM/2.4.1",
            base_url=sandbox.base_url_for("sandbox", api=api),
            token_url=sandbox.token_url,
        )
        yield sandbox, client


def status_polls(sandbox: Sandbox) -> int:
    return sum(e.operation_id == "getClassifiedStatuses" for e in sandbox.exchanges())


def assert_says_what_to_pass(error: FrozenSandboxClockError) -> None:
    assert isinstance(error, ConfigurationError)
    assert "poll=sandbox.poll_policy()" in str(error)
    assert "ManualClock" in str(error)


def test_publish_fails_at_once_sync(frozen: tuple[Sandbox, Any]) -> None:
    sandbox, client = frozen
    with pytest.raises(FrozenSandboxClockError) as raised:
        publish.sync(client, classified("ref-frozen-1"), timeout=SHORT)
    assert_says_what_to_pass(raised.value)
    assert "final status (latest: RECEIVED" in str(raised.value)
    assert status_polls(sandbox) == 1  # one poll, then no wait at all


def test_publish_fails_at_once_async(frozen: tuple[Sandbox, Any]) -> None:
    sandbox, client = frozen
    with pytest.raises(FrozenSandboxClockError) as raised:
        asyncio.run(publish.asyncio(client, classified("ref-frozen-2"), timeout=SHORT))
    assert_says_what_to_pass(raised.value)
    assert status_polls(sandbox) == 1


def test_wait_for_status_fails_at_once_sync_and_async(frozen: tuple[Sandbox, Any]) -> None:
    sandbox, client = frozen
    created = publish.sync(client, classified("ref-frozen-3"), wait=False)
    with pytest.raises(FrozenSandboxClockError):
        wait_for_status.sync(client, created.classified_id, timeout=SHORT)
    with pytest.raises(FrozenSandboxClockError):
        asyncio.run(wait_for_status.asyncio(client, created.classified_id, timeout=SHORT))
    assert status_polls(sandbox) == 2


def test_publish_many_fails_each_item_at_once(frozen: tuple[Sandbox, Any]) -> None:
    sandbox, client = frozen
    outcomes = publish_many.sync(
        client, [classified(f"ref-frozen-many-{n}") for n in range(3)], timeout=SHORT
    )
    assert [type(outcome) for outcome in outcomes] == [FrozenSandboxClockError] * 3
    assert status_polls(sandbox) == 3
    items = [classified(f"ref-frozen-many-async-{n}") for n in range(3)]
    outcomes = asyncio.run(publish_many.asyncio(client, items, timeout=SHORT))
    assert [type(outcome) for outcome in outcomes] == [FrozenSandboxClockError] * 3
    assert status_polls(sandbox) == 6


def test_the_sandbox_s_own_policy_still_waits_on_its_clock(frozen: tuple[Sandbox, Any]) -> None:
    sandbox, client = frozen
    result = publish.sync(client, classified("ref-frozen-4"), poll=sandbox.poll_policy())
    assert result.status is not None
    assert result.status.status == "CREATED"
    async_result = asyncio.run(
        publish.asyncio(client, classified("ref-frozen-5"), poll=sandbox.poll_policy())
    )
    assert async_result.status is not None
    assert async_result.status.status == "CREATED"


def test_any_policy_whose_waits_move_the_clock_is_accepted(frozen: tuple[Sandbox, Any]) -> None:
    """Only real sleeps are refused: a policy that advances the sandbox's clock itself is fine."""
    sandbox, client = frozen
    moved: list[float] = []

    def advance(seconds: float) -> None:
        moved.append(seconds)
        sandbox.clock.advance(seconds)

    result = publish.sync(client, classified("ref-frozen-6"), poll=PollPolicy(sleep=advance))
    assert result.status is not None
    assert result.status.status == "CREATED"
    assert moved


def test_a_sandbox_on_real_time_says_nothing_and_is_waited_for() -> None:
    with Sandbox.start(SandboxConfig(status_step=0.05)) as sandbox:
        client = create_client(
            sandbox.credentials,
            environment="sandbox",
            user_agent="MyCRM/2.4.1",
            base_url=sandbox.base_url,
            token_url=sandbox.token_url,
        )
        result = publish.sync(client, classified("ref-real-time"), poll=PollPolicy(first=0.05))
        assert result.status is not None
        assert result.status.status == "CREATED"
        assert all(FROZEN_CLOCK_HEADER.lower() not in dict(e.headers) for e in sandbox.exchanges())


def test_only_a_frozen_sandbox_announces_its_clock(frozen: tuple[Sandbox, Any]) -> None:
    sandbox, client = frozen
    publish.sync(client, classified("ref-frozen-7"), wait=False)
    api_answers = [dict(e.headers) for e in sandbox.exchanges() if e.kind == "api"]
    assert api_answers
    assert all(headers.get(FROZEN_CLOCK_HEADER.lower()) == "manual" for headers in api_answers)


def quickstart_with_the_workflow_lines() -> str:
    """The local-sandbox Quickstart (getting started), its publish written as the Workflows guide writes it."""
    text = (REPO_ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    section = text[text.index("## Quickstart against the local sandbox") :]
    code = re.findall(r"```python\n(.*?)```", section, re.DOTALL)[0]
    pasted = "result = publish.sync(client, paris_apartment_for_sale())"
    assert "poll=sandbox.poll_policy()" in code
    return re.sub(
        r"result = publish\.sync\(client, paris_apartment_for_sale\(\), poll=[^)]*\)\)", pasted, code
    )


def test_the_readme_scenario_fails_at_once_saying_what_to_pass() -> None:
    code = quickstart_with_the_workflow_lines()
    assert "poll=" not in code
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, check=False
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("aviv_caas_auth.workflows.errors.FrozenSandboxClockError: waiting for classified")
    assert "Pass poll=sandbox.poll_policy()" in last
