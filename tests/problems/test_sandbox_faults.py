"""Fault rows against the project's local sandbox (its fault knobs), through create_client, sync and async.

Every row runs for each API version (v3, v4): the client is ``create_client(api=...)``, the call
its own package's endpoint, and the typed outcome, retries, traceparent and token counts must be
the same.

The sandbox is AVIV-shaped end to end (firewall, token checks, problems, traceparent on every
answer); its knobs make the next N matching requests fail. Counts come from the sandbox's own
records (exchanges, fault hits, the token-reuse report) and from the injected sleeper, whose
waits move the sandbox's clock (so an HTTP-date Retry-After is read on the same clock).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from aviv_caas_auth import (
    ApiTimeoutError,
    CaasCredentials,
    CaasError,
    MemoryTokenStore,
    RetryPolicy,
    ServerError,
    TokenRateLimitedError,
    TokenRejectedError,
    TokenServerError,
    TokenTimeoutError,
    create_client,
    unwrap,
)
from aviv_caas_auth.apis import PACKAGES
from aviv_caas_auth.problems.errors import UnexpectedServerError
from aviv_caas_auth.sandbox import Fault, FaultKnobs, Sandbox
from aviv_caas_auth.workflows.endpoints import endpoints_of
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.problems.cases import CALLS

MODES = ("sync", "async")
SLOW = 1.0  # seconds the sandbox holds a "slow" answer
TIMEOUT = 0.3  # the client's timeout in the slow rows


@dataclass(frozen=True)
class SandboxRow:
    id: str
    knob: Callable[[FaultKnobs], Fault]
    call: str
    expected: type
    hits: int  # how often the knob fired (= attempts that reached it)
    waits: tuple[float, ...] = ()  # lower bounds; their number is exact
    max_waits: tuple[float, ...] | None = None
    api_statuses: tuple[int, ...] | None = None  # what the sandbox answered the API calls, in order
    tokens_issued: int | None = 1  # None: racy (a slow token answer may still be issued later)
    timeout: float | None = None


ROWS: tuple[SandboxRow, ...] = (
    SandboxRow("sandbox-429-seconds-then-200", lambda f: f.rate_limit("/classifieds", "GET", retry_after=2),
               "get_classifieds", GetClassifiedsResponse200, hits=1, waits=(2.0,), api_statuses=(429, 200)),
    SandboxRow("sandbox-429-http-date-then-200",
               lambda f: f.rate_limit("/classifieds", "GET", retry_after=30, http_date=True),
               "get_classifieds", GetClassifiedsResponse200, hits=1, waits=(29.0,), max_waits=(30.0,),
               api_statuses=(429, 200)),
    SandboxRow("sandbox-503-then-200-retried-once", lambda f: f.server_error("/classifieds", "GET", status=503),
               "get_classifieds", GetClassifiedsResponse200, hits=1, waits=(0,), api_statuses=(503, 200)),
    SandboxRow("sandbox-post-503-not-retried", lambda f: f.server_error("/classifieds", "POST", status=503),
               "create_classified", ServerError, hits=1, api_statuses=(503,)),
    SandboxRow("sandbox-gateway-html-until-exhausted",
               lambda f: f.gateway_html("/classifieds", "GET", count=None),
               "get_classifieds", UnexpectedServerError, hits=3, waits=(0, 0), api_statuses=(502, 502, 502)),
    SandboxRow("sandbox-slow-post-not-retried", lambda f: f.slow(SLOW, "/classifieds", "POST"),
               "create_classified", ApiTimeoutError, hits=1, timeout=TIMEOUT),
    SandboxRow("sandbox-slow-get-retried", lambda f: f.slow(SLOW, "/classifieds", "GET", count=None),
               "get_classifieds", ApiTimeoutError, hits=3, waits=(0, 0), timeout=TIMEOUT),
    SandboxRow("sandbox-401-storm", lambda f: f.unauthorized("/classifieds", count=None),
               "get_classifieds", TokenRejectedError, hits=2, api_statuses=(401, 401), tokens_issued=2),
    SandboxRow("sandbox-401-once-refreshed", lambda f: f.unauthorized("/classifieds"),
               "get_classifieds", GetClassifiedsResponse200, hits=1, api_statuses=(401, 200), tokens_issued=2),
    SandboxRow("sandbox-token-429-not-retried", lambda f: f.rate_limit("/oauth/token", retry_after=5),
               "get_classifieds", TokenRateLimitedError, hits=1, api_statuses=(), tokens_issued=0),
    SandboxRow("sandbox-token-503-not-retried", lambda f: f.server_error("/oauth/token", status=503),
               "get_classifieds", TokenServerError, hits=1, api_statuses=(), tokens_issued=0),
    SandboxRow("sandbox-token-gateway-html", lambda f: f.gateway_html("/oauth/token"),
               "get_classifieds", TokenServerError, hits=1, api_statuses=(), tokens_issued=0),
    SandboxRow("sandbox-token-slow-not-retried", lambda f: f.slow(SLOW, "/oauth/token"),
               "get_classifieds", TokenTimeoutError, hits=1, timeout=TIMEOUT, tokens_issued=None),
)  # fmt: skip


def version_call(client: Any, name: str) -> tuple[Any, dict[str, Any]]:
    """The endpoint ``name`` of the client's own package, and its arguments (a body as that version's model)."""
    ops = endpoints_of(client)
    arguments = CALLS[name].arguments()
    if "body" in arguments:
        document = arguments["body"].to_dict()
        document["portals"] = ["SL"]  # a portal both versions have
        arguments["body"] = ops.body_model(name).from_dict(document)
    return ops.module(name), arguments


def expected_type(client: Any, expected: type) -> type:
    """``expected``, or the success model of that name in the client's own package."""
    if issubclass(expected, BaseException):
        return expected
    return getattr(importlib.import_module(f"{endpoints_of(client).package}.models"), expected.__name__)


def outcome_of(client: Any, name: str, mode: str) -> Any:
    module, arguments = version_call(client, name)
    try:
        if mode == "sync":
            return unwrap(module.sync_detailed(client=client, **arguments))

        async def run() -> Any:
            try:
                return unwrap(await module.asyncio_detailed(client=client, **arguments))
            finally:
                await client.get_async_httpx_client().aclose()

        return asyncio.run(run())
    except CaasError as error:
        return error
    except Exception as error:  # noqa: BLE001 - nothing else may escape
        pytest.fail(f"a raw {type(error).__module__}.{type(error).__name__} escaped: {error}")


@pytest.mark.parametrize("api", list(PACKAGES))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("row", [pytest.param(row, id=row.id, marks=pytest.mark.fault_case) for row in ROWS])
def test_sandbox_fault_ends_in_its_typed_outcome(
    caas_sandbox: Sandbox, row: SandboxRow, mode: str, api: Any
) -> None:
    sandbox = caas_sandbox
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        sandbox.clock.advance(seconds)

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    # the policy reads the sandbox's own ManualClock, which the sleeper moves
    policy = RetryPolicy(attempts=3, sleep=sleep, async_sleep=async_sleep, clock=sandbox.clock)
    credentials = CaasCredentials(
        sandbox.credentials.client_id, sandbox.credentials.client_secret, sandbox.credentials.intermediary_id
    )
    client = create_client(
        credentials,
        api=api,
        user_agent="TestCRM/1.0.0",
        environment="sandbox",
        base_url=sandbox.base_url_for("sandbox", api=api),
        token_url=sandbox.token_url,
        token_store=MemoryTokenStore(),
        retry=policy,
        timeout=row.timeout or 5.0,
    )
    fault = row.knob(sandbox.faults)

    outcome = outcome_of(client, row.call, mode)

    assert type(outcome) is expected_type(client, row.expected), outcome
    assert fault.hits == row.hits
    assert len(waits) == len(row.waits), waits
    assert all(wait >= least for wait, least in zip(waits, row.waits, strict=True)), waits
    if row.max_waits is not None:
        assert all(wait <= most for wait, most in zip(waits, row.max_waits, strict=True)), waits
    if row.api_statuses is not None:
        assert tuple(e.status for e in sandbox.exchanges() if e.kind == "api") == row.api_statuses
    usage = sandbox.report().client(credentials.client_id, credentials.intermediary_id)
    if row.tokens_issued is not None:
        assert usage.tokens_issued == row.tokens_issued
    assert sandbox.report().compliant  # retries never cost an extra token
    if isinstance(outcome, BaseException):
        traceparent = outcome.traceparent  # type: ignore[attr-defined]
        assert traceparent
        assert traceparent in str(outcome)
        tokens = [
            json.loads(e.body)["access_token"]
            for e in sandbox.exchanges()
            if e.kind == "token" and e.status == 200
        ]
        said = "\n".join([str(outcome), repr(outcome), str(pickle.loads(pickle.dumps(outcome)))])
        for secret in (credentials.client_secret, *tokens):
            assert secret not in said
    assert sandbox.internal_errors() == []
