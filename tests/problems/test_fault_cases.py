"""Every row of the fault-case table, through real HTTP, with the generated client, sync and async.

The generated ``*_detailed`` call must return (never raise), and ``unwrap`` must raise exactly the
row's typed error, carrying the status, the problem members and the traceparent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response as ServerResponse

from aviv_caas_auth import ApiError, UnexpectedResponseError, unwrap
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.models import ErrorResponse
from aviv_caas_client.types import Response, UnexpectedResponse
from tests.problems.cases import API_FAULT_CASES, CALLS, NOW, FaultCase

MODES = ("sync", "async")


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
