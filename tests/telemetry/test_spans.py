"""Spans and counters through opentelemetry-api, recorded with the SDK's in-memory exporters."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap

import pytest

from aviv_caas_auth import (
    ApiConnectionError,
    CaasCredentials,
    RetryPolicy,
    TokenConnectionError,
    TokenEndpointError,
    create_client,
    telemetry,
)
from aviv_caas_auth.sandbox import Fault, Sandbox
from aviv_caas_client.api.classifieds import get_classifieds
from tests.sandbox.conftest import version_client

from .conftest import Recorded, attrs

NO_WAIT_RETRY = RetryPolicy(sleep=lambda _: None, backoff=0)


def _traceparent_parts(value: str) -> tuple[str, str]:
    _, trace_id, span_id, _ = value.split("-")
    return trace_id, span_id


def test_an_api_call_is_a_client_span_whose_context_is_the_traceparent_sent(
    caas_sandbox: Sandbox, recorded: Recorded
) -> None:
    client = version_client(caas_sandbox, "v3")
    response = get_classifieds.sync_detailed(client=client, limit=5)
    assert response.status_code == 200
    (span,) = recorded.spans("GET")
    assert span.kind.name == "CLIENT"
    attributes = dict(span.attributes or {})
    assert attributes["http.request.method"] == "GET"
    assert attributes["http.response.status_code"] == 200
    assert attributes["url.full"] == f"{caas_sandbox.base_url}/classifieds?limit=5"
    assert attributes["server.address"] == "127.0.0.1"
    assert attributes["server.port"] == caas_sandbox.port
    assert attributes["aviv_caas.client_id"] == caas_sandbox.credentials.client_id
    assert "http.request.resend_count" not in attributes
    sent = response.headers["traceparent"]  # the sandbox answers in the trace it was sent
    assert _traceparent_parts(sent)[0] == f"{span.context.trace_id:032x}"
    (exchange,) = [e for e in caas_sandbox.exchanges() if e.kind == "api"]
    assert exchange.status == 200


def test_the_api_span_is_a_child_of_the_callers_span(caas_sandbox: Sandbox, recorded: Recorded) -> None:
    client = version_client(caas_sandbox, "v3")
    tracer = recorded.tracer_provider.get_tracer("my-crm")
    with tracer.start_as_current_span("sync agency 42") as parent:
        get_classifieds.sync_detailed(client=client)
        asyncio.run(get_classifieds.asyncio_detailed(client=client))
    spans = recorded.spans("GET")
    assert len(spans) == 2
    for span in spans:
        assert span.parent is not None
        assert span.parent.span_id == parent.get_span_context().span_id
        assert span.context.trace_id == parent.get_span_context().trace_id


def test_each_attempt_is_a_span_and_each_retry_and_429_is_counted(
    caas_sandbox: Sandbox, recorded: Recorded
) -> None:
    client = version_client(caas_sandbox, "v3", retry=NO_WAIT_RETRY)
    caas_sandbox.faults.add(Fault("rate_limit", method="GET", path="/classifieds"))
    caas_sandbox.faults.add(Fault("server_error", method="GET", path="/classifieds", status=503))
    with recorded.tracer_provider.get_tracer("my-crm").start_as_current_span("list") as parent:
        assert get_classifieds.sync_detailed(client=client).status_code == 200
    spans = recorded.spans("GET")
    statuses = [dict(s.attributes or {}).get("http.response.status_code") for s in spans]
    assert statuses == [429, 503, 200]
    assert [dict(s.attributes or {}).get("http.request.resend_count") for s in spans] == [None, 1, 2]
    assert [s.status.status_code.name for s in spans] == ["ERROR", "ERROR", "UNSET"]
    assert {s.parent.span_id for s in spans if s.parent} == {parent.get_span_context().span_id}  # siblings
    client_id = caas_sandbox.credentials.client_id
    base = {"aviv_caas.client_id": client_id, "http.request.method": "GET"}
    assert recorded.counts(telemetry.RATE_LIMITED) == {attrs(base): 1}
    assert recorded.counts(telemetry.RETRIES) == {
        attrs({**base, "aviv_caas.retry.cause": "429"}): 1,
        attrs({**base, "aviv_caas.retry.cause": "503"}): 1,
    }


def test_a_network_failure_ends_the_attempts_span_with_the_error(
    caas_sandbox: Sandbox, recorded: Recorded, unused_port: int
) -> None:
    client = create_client(
        caas_sandbox.credentials,
        user_agent="TestCRM/1.0",
        environment="sandbox",
        base_url=f"http://127.0.0.1:{unused_port}/sandbox/caas/v3",  # nothing listens there
        token_url=caas_sandbox.token_url,
        retry=None,
    )
    with pytest.raises(ApiConnectionError):
        get_classifieds.sync_detailed(client=client)
    (span,) = recorded.spans("GET")
    assert dict(span.attributes or {})["error.type"] == "ConnectError"
    assert span.status.status_code.name == "ERROR"


def test_a_token_request_that_gets_no_answer_is_a_failed_span(recorded: Recorded, unused_port: int) -> None:
    client = create_client(
        CaasCredentials("crm-a", "secret-of-crm-a", "agency-1"),
        user_agent="TestCRM/1.0",
        base_url=f"http://127.0.0.1:{unused_port}/caas/v3",
        token_url=f"http://127.0.0.1:{unused_port}/oauth/token",
        retry=None,
    )
    with pytest.raises(TokenConnectionError):
        get_classifieds.sync_detailed(client=client)
    (span,) = recorded.spans("aviv_caas token")
    assert dict(span.attributes or {})["error.type"] == "TokenConnectionError"
    assert span.status.status_code.name == "ERROR"


def test_token_requests_are_spans_and_counted_by_outcome(caas_sandbox: Sandbox, recorded: Recorded) -> None:
    client = version_client(caas_sandbox, "v3")
    for _ in range(3):
        get_classifieds.sync_detailed(client=client)  # one token for all three
    (span,) = recorded.spans("aviv_caas token")
    attributes = dict(span.attributes or {})
    assert attributes["aviv_caas.audience"] == caas_sandbox.audience
    assert attributes["http.response.status_code"] == 200
    (token_exchange,) = [e for e in caas_sandbox.exchanges() if e.kind == "token"]
    trace_id, _span_id = _traceparent_parts(token_exchange.header("traceparent") or "")
    assert trace_id == f"{span.context.trace_id:032x}"
    audience = caas_sandbox.audience
    client_id = caas_sandbox.credentials.client_id
    assert recorded.counts(telemetry.TOKEN_REQUESTS) == {
        attrs(
            {
                "aviv_caas.audience": audience,
                "aviv_caas.client_id": client_id,
                "http.response.status_code": 200,
            }
        ): 1
    }


def test_a_refused_token_request_is_counted_with_its_status(
    caas_sandbox: Sandbox, recorded: Recorded
) -> None:
    creds = caas_sandbox.credentials
    client = create_client(
        CaasCredentials(creds.client_id, "not-the-secret-at-all", creds.intermediary_id),
        user_agent="TestCRM/1.0",
        environment="sandbox",
        base_url=caas_sandbox.base_url,
        token_url=caas_sandbox.token_url,
    )
    with pytest.raises(TokenEndpointError):
        get_classifieds.sync_detailed(client=client)
    (count,) = recorded.counts(telemetry.TOKEN_REQUESTS).items()
    assert dict(count[0])["error.type"] == "401"
    assert count[1] == 1


def test_sync_actions_are_counted_through_the_hook(recorded: Recorded) -> None:
    telemetry.record_sync_action("create", "ok", api="v4")
    telemetry.record_sync_action("create", "ok", api="v4")
    telemetry.record_sync_action("withdraw", "NotFoundError")
    assert recorded.counts(telemetry.SYNC_ACTIONS) == {
        attrs({"aviv_caas.api": "v4", "aviv_caas.sync.action": "create", "aviv_caas.sync.outcome": "ok"}): 2,
        attrs({"aviv_caas.sync.action": "withdraw", "aviv_caas.sync.outcome": "NotFoundError"}): 1,
    }


def test_no_span_or_counter_holds_a_secret_or_a_token(caas_sandbox: Sandbox, recorded: Recorded) -> None:
    client = version_client(caas_sandbox, "v3", retry=NO_WAIT_RETRY)
    caas_sandbox.faults.add(Fault("rate_limit", method="GET", path="/classifieds"))
    get_classifieds.sync_detailed(client=client)
    from aviv_caas_auth import token_provider_of

    token = token_provider_of(client).get_token().value
    texts = [json.dumps(dict(s.attributes or {})) + s.name for s in recorded.spans()]
    texts.append(recorded.reader.get_metrics_data().to_json())
    for text in texts:
        assert caas_sandbox.credentials.client_secret not in text
        assert token not in text


def test_without_a_provider_nothing_is_recorded_and_the_traceparent_is_the_librarys(
    caas_sandbox: Sandbox,
) -> None:
    telemetry.configure()  # the global providers: none installed in this process
    assert telemetry.tracer() is None
    client = version_client(caas_sandbox, "v3")
    assert get_classifieds.sync_detailed(client=client).status_code == 200


FRESH = """
import json, sys
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_client.api.classifieds import get_classifieds
from tests.sandbox.conftest import version_client
with Sandbox.start() as sandbox:
    client = version_client(sandbox, "v3")
    for _ in range(3):
        get_classifieds.sync_detailed(client=client)
    print(json.dumps(sorted(m for m in sys.modules if m.startswith("opentelemetry"))))
"""


def test_calls_never_import_opentelemetry() -> None:
    # An application that does not use OpenTelemetry pays nothing for it, installed or not.
    done = subprocess.run(
        [sys.executable, "-c", FRESH], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


GLOBAL = textwrap.dedent(
    """
    import json
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from aviv_caas_auth import telemetry
    from aviv_caas_auth.sandbox import Sandbox
    from aviv_caas_client.api.classifieds import get_classifieds
    from tests.sandbox.conftest import version_client

    with Sandbox.start() as sandbox:
        client = version_client(sandbox, "v3")
        get_classifieds.sync_detailed(client=client)  # opentelemetry imported, no SDK yet: no span
        before = telemetry.tracer() is None
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)  # installed after the client was made: still used
        get_classifieds.sync_detailed(client=client)
        print(json.dumps([before, sorted(s.name for s in exporter.get_finished_spans())]))
    """
)


def test_the_global_sdk_an_application_installs_is_used() -> None:
    done = subprocess.run(
        [sys.executable, "-c", GLOBAL], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True, ["GET"]]
