"""Every row of the fault-case table, through real HTTP, with the generated client, sync and async.

The generated ``*_detailed`` call must return (never raise), and ``unwrap`` must raise exactly the
row's typed error, carrying the status, the problem members and the traceparent.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response as ServerResponse

from aviv_caas_auth import (
    ApiError,
    CaasCredentials,
    MemoryTokenStore,
    TokenRejectedError,
    UnexpectedResponseError,
    create_client,
    unwrap,
)
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.models import ErrorResponse
from aviv_caas_client.types import Response, UnexpectedResponse
from tests.problems.cases import API_FAULT_CASES, CALLS, NOW, FaultCase

MODES = ("sync", "async")
TRACE = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01")


def serve(httpserver: HTTPServer, case: FaultCase) -> None:
    call = CALLS[case.call]
    answer = ServerResponse(case.body, status=case.status, headers=dict(case.headers))
    if case.content_type is None:
        del answer.headers["Content-Type"]
    else:
        answer.headers["Content-Type"] = case.content_type
    if case.send_traceparent:
        answer.headers["traceparent"] = case.traceparent or ""
    httpserver.expect_request(call.path, method=call.method).respond_with_response(answer)


def perform(client: AuthenticatedClient, case: FaultCase, mode: str) -> Response[Any]:
    call = CALLS[case.call]
    if mode == "sync":
        answer: Response[Any] = call.module.sync_detailed(client=client, **call.arguments())
        return answer

    async def run() -> Response[Any]:
        try:
            answer: Response[Any] = await call.module.asyncio_detailed(client=client, **call.arguments())
            return answer
        finally:
            await client.get_async_httpx_client().aclose()

    return asyncio.run(run())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.id, marks=pytest.mark.fault_case) for case in API_FAULT_CASES]
)
def test_fault_case_becomes_its_typed_error(
    httpserver: HTTPServer, client: AuthenticatedClient, case: FaultCase, mode: str
) -> None:
    serve(httpserver, case)

    answer = perform(client, case, mode)  # the generated code itself never raises
    with pytest.raises(ApiError) as raised:
        unwrap(answer, clock=lambda: NOW)

    error = raised.value
    assert type(error) is case.expected
    assert error.status == case.status == int(answer.status_code)
    assert error.traceparent == case.traceparent
    message = str(error)
    assert str(case.status) in message
    assert f"traceparent {case.traceparent or 'not sent'}" in message
    assert f"{CALLS[case.call].method} {CALLS[case.call].path}" in message
    expected_problem = case.problem
    if expected_problem is not None:
        assert isinstance(answer.parsed, ErrorResponse)
        assert error.problem is answer.parsed
        assert (error.title, error.detail, error.type) == (
            expected_problem["title"],
            expected_problem["detail"],
            expected_problem["type"],
        )
        assert error.instance == expected_problem.get("instance")
        assert [(e.name, e.reason) for e in error.errors] == [
            (e["name"], e["reason"]) for e in expected_problem.get("errors", [])
        ]
        assert expected_problem["title"] in message
        assert expected_problem["detail"] in message
    else:
        assert isinstance(error, UnexpectedResponseError)
        assert error.problem is None
        assert error.content_type == case.content_type
        expected_start = " ".join(case.body.decode().split())[:50]
        assert error.snippet.startswith(expected_start)
        assert len(error.snippet) <= 200
        assert isinstance(answer.parsed, UnexpectedResponse | ErrorResponse)
    if case.check is not None:
        case.check(error)
    assert len(httpserver.log) == 1


def test_the_table_covers_every_documented_problem_kind() -> None:
    expected_kinds = {case.expected.__name__ for case in API_FAULT_CASES}
    assert {
        "ValidationError",
        "BadRequestError",
        "DuplicatedClassifiedError",
        "DuplicatedMediaError",
        "CollidingContactsError",
        "UnauthorizedError",
        "ForbiddenError",
        "NotFoundError",
        "PreconditionFailedError",
        "RateLimitedError",
        "ServerError",
        "UnexpectedResponseError",
        "UnexpectedServerError",
    } <= expected_kinds
    assert len({case.id for case in API_FAULT_CASES}) == len(API_FAULT_CASES)


def test_unexpected_answer_is_returned_by_generated_code_not_raised(
    httpserver: HTTPServer, client: AuthenticatedClient
) -> None:
    from aviv_caas_client.api.classifieds import get_classifieds

    httpserver.expect_request("/classifieds").respond_with_data(
        "<html><body>Bad gateway</body></html>", status=502, content_type="text/html"
    )

    answer = get_classifieds.sync_detailed(client=client)

    assert isinstance(answer.parsed, UnexpectedResponse)
    assert answer.parsed.status_code == 502
    assert answer.parsed.content_type == "text/html"
    assert answer.parsed.reason.startswith("JSONDecodeError")
    assert answer.parsed.response.content == b"<html><body>Bad gateway</body></html>"
    assert answer.request is not None
    assert answer.request.method == "GET"


def test_unknown_status_code_is_kept_as_a_number(httpserver: HTTPServer, client: AuthenticatedClient) -> None:
    from aviv_caas_client.api.classifieds import get_classifieds

    httpserver.expect_request("/classifieds").respond_with_data(
        json.dumps({"type": "about:blank", "title": "Origin Down", "detail": "x", "status": 521}),
        status=521,
        content_type="application/json",
    )

    answer = get_classifieds.sync_detailed(client=client)

    assert answer.status_code == 521
    assert isinstance(answer.parsed, ErrorResponse)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.id, marks=pytest.mark.fault_case) for case in API_FAULT_CASES]
)
def test_fault_case_through_create_client(httpserver: HTTPServer, case: FaultCase, mode: str) -> None:
    """The same rows through create_client's whole stack (auth flow, CaasTransport), retries off.

    A 401 is the auth flow's: it refreshes once, and the second 401 is a TokenRejectedError,
    raised by the call itself, which is the UnauthorizedError the row expects.
    """
    serve(httpserver, case)
    token = {"access_token": "tok-" + "7" * 40, "expires_in": 86400, "token_type": "Bearer"}
    httpserver.expect_request("/oauth/token", method="POST").respond_with_json(token)
    client = create_client(
        CaasCredentials("crm-client", "s3cr3t-" + "9" * 24, "agency-42"),
        user_agent="TestCRM/1.0.0",
        environment="sandbox",
        base_url=httpserver.url_for("/"),
        token_url=httpserver.url_for("/oauth/token"),
        token_store=MemoryTokenStore(),
        retry=None,
    )

    with pytest.raises(ApiError) as raised:  # from the call (a 401) or from unwrap
        unwrap(perform(client, case, mode), clock=lambda: NOW)
    error = raised.value

    api_calls = [request for request, _ in httpserver.log if request.path != "/oauth/token"]
    if case.status == 401:
        assert type(error) is TokenRejectedError
        assert len(api_calls) == 2
    else:
        assert type(error) is case.expected
        assert len(api_calls) == 1
    assert isinstance(error, case.expected)
    assert error.status == case.status
    assert error.traceparent == case.traceparent
    assert f"traceparent {case.traceparent}" in str(error)
    assert f"{CALLS[case.call].method} {CALLS[case.call].path}" in str(error)
    assert token["access_token"] not in str(error)
    assert TRACE.fullmatch(api_calls[0].headers["traceparent"])  # every request carries one
    if case.check is not None and case.status != 401:
        case.check(error)
