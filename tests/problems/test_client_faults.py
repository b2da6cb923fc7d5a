"""Every row of the create_client fault table (tests/problems/scenarios.py), sync and async.

Through the whole stack a user gets from ``create_client``: auth flow, CaasTransport (traceparent,
retries, typed network errors), generated code, ``unwrap``. Each row must end in its typed
outcome, never a raw exception, with exact request and wait counts. On every row, whatever its
outcome, these hold too:

* a request that got a 401 for a token is never followed by one carrying that token;
* every attempt of the call carries a W3C traceparent with one trace id, each its own parent id;
* an error names its traceparent and no secret or token (message, repr, pickled copy).
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_auth import (
    ApiError,
    ApiTransportError,
    CaasCredentials,
    CaasError,
    ManualClock,
    MemoryTokenStore,
    RetryPolicy,
    create_client,
    unwrap,
)
from aviv_caas_client import AuthenticatedClient
from tests.problems.cases import CALLS
from tests.problems.scenarios import SCENARIOS, Scenario
from tests.problems.scripted_aviv import API_BASE, LateServer, ScriptedAviv, free_port, serving

UA = "TestCRM/1.0.0"
MODES = ("sync", "async")
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")


@dataclass
class Run:
    """What one row did: its outcome, the servers' records, and the waits asked for."""

    outcome: Any
    aviv: ScriptedAviv
    waits: list[float]
    credentials: CaasCredentials


def call(client: AuthenticatedClient, name: str, mode: str, **extra: Any) -> Any:
    """The typed model, or the CaasError raised; any other exception fails the test."""
    endpoint = CALLS[name]
    try:
        if mode == "sync":
            return unwrap(endpoint.module.sync_detailed(client=client, **endpoint.arguments(), **extra))

        async def run() -> Any:
            try:
                return unwrap(
                    await endpoint.module.asyncio_detailed(client=client, **endpoint.arguments(), **extra)
                )
            finally:
                await client.get_async_httpx_client().aclose()

        return asyncio.run(run())
    except CaasError as error:
        return error
    except Exception as error:  # noqa: BLE001 - the point: nothing else may escape
        pytest.fail(f"a raw {type(error).__module__}.{type(error).__name__} escaped: {error}")


@contextlib.contextmanager
def scripted_run(server: HTTPServer, scenario: Scenario, mode: str, **extra: Any) -> Iterator[Run]:
    aviv = ScriptedAviv(token=scenario.token, api=scenario.api)
    with contextlib.ExitStack() as stack:
        stack.enter_context(serving(server, aviv))
        late = LateServer(aviv)
        stack.callback(late.stop)
        urls = {"token": server.url_for("/oauth/token"), "api": server.url_for(API_BASE)}
        for route, down, path in (
            ("token", scenario.token_down, "/oauth/token"),
            ("api", scenario.api_down, API_BASE),
        ):
            if down == "refused":
                urls[route] = f"http://127.0.0.1:{free_port()}{path}"
            elif down == "late":
                urls[route] = late.url(path)
        clock = ManualClock()
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            clock.advance(seconds)
            if "late" in (scenario.token_down, scenario.api_down):
                late.start()  # the port starts listening during the first wait

        async def async_sleep(seconds: float) -> None:
            sleep(seconds)

        policy = (
            None
            if scenario.policy is None
            else RetryPolicy(
                **scenario.policy, sleep=sleep, async_sleep=async_sleep, clock=clock, random=lambda: 0.5
            )
        )
        credentials = CaasCredentials(
            f"crm-{uuid.uuid4().hex[:8]}", f"s3cr3t-{uuid.uuid4().hex}", "agency-42"
        )
        client = create_client(
            credentials,
            user_agent=UA,
            environment="sandbox",
            base_url=urls["api"],
            token_url=urls["token"],
            token_store=MemoryTokenStore(),
            retry=policy,
            timeout=scenario.timeout or 5.0,
        )
        outcome = call(client, scenario.call, mode, **extra)
        aviv.release.set()
        client.get_httpx_client().close()
        yield Run(outcome, aviv, waits, credentials)


def assert_invariants(run: Run) -> None:
    seen = run.aviv.api_requests
    for index, answered in enumerate(seen):
        if answered.status == 401:
            assert all(later.token != answered.token for later in seen[index + 1 :]), (
                "rejected token replayed"
            )
    traces = [TRACEPARENT.fullmatch(request.traceparent or "") for request in seen]
    assert all(traces), [request.traceparent for request in seen]
    assert len({match.group(1) for match in traces if match}) <= 1  # one trace id per call
    parents = [match.group(2) for match in traces if match]
    assert len(set(parents)) == len(parents)  # each attempt its own span
    error = run.outcome
    if isinstance(error, BaseException):
        assert isinstance(error, CaasError)
        traceparent = getattr(error, "traceparent", None)
        assert traceparent, f"{type(error).__name__} without a traceparent: {error}"
        assert traceparent in str(error)
        if isinstance(error, ApiError | ApiTransportError) and traces and traces[0]:
            assert traceparent.split("-")[1] == traces[0].group(1)  # the call's trace
        said = "\n".join([str(error), repr(error), str(pickle.loads(pickle.dumps(error)))])
        for secret in (run.credentials.client_secret, *run.aviv.issued):
            assert secret not in said


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "scenario", [pytest.param(row, id=row.id, marks=pytest.mark.fault_case) for row in SCENARIOS]
)
def test_row_ends_in_its_typed_outcome(loopback: HTTPServer, scenario: Scenario, mode: str) -> None:
    with scripted_run(loopback, scenario, mode) as run:
        assert type(run.outcome) is scenario.expected, run.outcome
        assert len(run.aviv.api_requests) == scenario.api_requests
        assert len(run.aviv.token_requests) == scenario.token_requests
        assert len(run.waits) == len(scenario.waits), run.waits
        assert all(wait >= least for wait, least in zip(run.waits, scenario.waits, strict=True)), run.waits
        if scenario.max_waits is not None:
            assert all(wait <= most for wait, most in zip(run.waits, scenario.max_waits, strict=True))
        assert_invariants(run)
        if scenario.check is not None:
            scenario.check(run.outcome)


def test_the_table_covers_the_issue() -> None:
    kinds = {row.expected.__name__ for row in SCENARIOS}
    assert {
        "ApiTimeoutError",
        "ApiConnectionError",
        "TokenTimeoutError",
        "TokenConnectionError",
        "TokenServerError",
        "TokenRateLimitedError",
        "MalformedTokenResponseError",
        "TokenRejectedError",
        "RateLimitedError",
        "ServerError",
        "UnexpectedServerError",
        "UnexpectedResponseError",
    } <= kinds
    assert sum(row.id.startswith("token-") for row in SCENARIOS) >= 8
    assert len({row.id for row in SCENARIOS}) == len(SCENARIOS)


ROWS = {row.id: row for row in SCENARIOS}


@pytest.mark.parametrize("mode", MODES)
def test_a_retry_never_replays_a_rejected_token(loopback: HTTPServer, mode: str) -> None:
    # 401 for token A -> the auth flow takes token B; B's request gets a 503 -> the transport
    # retries it, with B. Then the other order: A's 503 is retried with A (not rejected yet).
    with scripted_run(loopback, ROWS["api-401-then-503-then-200"], mode) as run:
        first, second = run.aviv.issued
        assert [(r.token, r.status) for r in run.aviv.api_requests] == [
            (first, 401),
            (second, 503),
            (second, 200),
        ]
    with scripted_run(loopback, ROWS["api-503-then-401-then-200"], mode) as run:
        first, second = run.aviv.issued
        assert [(r.token, r.status) for r in run.aviv.api_requests] == [
            (first, 503),
            (first, 401),
            (second, 200),
        ]


@pytest.mark.parametrize("mode", MODES)
def test_a_caller_traceparent_is_sent_unchanged_on_every_attempt(loopback: HTTPServer, mode: str) -> None:
    mine = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with scripted_run(loopback, ROWS["api-502-html-retried-until-exhausted"], mode, traceparent=mine) as run:
        assert [r.traceparent for r in run.aviv.api_requests] == [mine, mine, mine]
        assert run.outcome.traceparent.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")


@pytest.mark.parametrize("mode", MODES)
def test_each_call_gets_a_fresh_trace(loopback: HTTPServer, mode: str) -> None:
    traces = set()
    for _ in range(3):
        with scripted_run(loopback, ROWS["api-unknown-field"], mode) as run:
            (request,) = run.aviv.api_requests
            match = TRACEPARENT.fullmatch(request.traceparent or "")
            assert match is not None
            traces.add(match.group(1))
    assert len(traces) == 3
