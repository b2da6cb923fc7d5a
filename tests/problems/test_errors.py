"""The typed errors themselves: classification rules, raw httpx answers, pickling, unwrap on success."""

from __future__ import annotations

import json
import pickle

import httpx
import pytest

from aviv_caas_auth import (
    ApiError,
    BadRequestError,
    CaasError,
    CollidingContactsError,
    DuplicatedClassifiedError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
    error_from_response,
    unwrap,
)
from aviv_caas_auth.problems.classify import problem_class
from aviv_caas_auth.problems.errors import FieldError, UnexpectedServerError
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classified
from tests.problems.cases import DOCS
from tests.problems.conftest import CLASSIFIED_ID, classified_json


@pytest.mark.parametrize(
    ("status", "type_", "title", "has_errors", "expected"),
    [
        (400, DOCS + "Validation-Error", "Bad request", True, ValidationError),
        (400, DOCS.upper() + "VALIDATION-ERROR", "Bad request", False, ValidationError),
        (400, "about:blank", "Bad request", True, ValidationError),
        (400, "about:blank", "Bad request", False, BadRequestError),
        (409, DOCS + "Duplicated-Classifieds-Error", "Conflict", False, DuplicatedClassifiedError),
        (400, "about:blank", "DUPLICATED CLASSIFIED", False, DuplicatedClassifiedError),
        (400, DOCS + "Colliding-Contacts-Information-Error", "Bad request", True, CollidingContactsError),
        (400, DOCS + "Some-Future-Error", "Bad request", False, BadRequestError),
        (404, "about:blank", "Not found", False, NotFoundError),
        (409, "about:blank", "Conflict", False, ApiError),
        (500, DOCS + "Validation-Error", "Internal", True, ServerError),
        (599, "about:blank", "Weird", False, ServerError),
    ],
)
def test_classification_uses_status_type_fragment_and_title(
    status: int, type_: str, title: str, has_errors: bool, expected: type[ApiError]
) -> None:
    assert problem_class(status, type_, title, has_errors=has_errors) is expected


def test_prose_never_decides_the_kind() -> None:
    answer = httpx.Response(
        400,
        json={
            "type": "about:blank",
            "title": "Bad request",
            "detail": "Duplicated classified: rate limited, 404",
            "status": 400,
        },
        request=httpx.Request("POST", "https://api.example.org/caas/v3/classifieds"),
    )

    assert type(error_from_response(answer)) is BadRequestError


def test_a_raw_httpx_answer_is_classified_too() -> None:
    request = httpx.Request(
        "GET",
        "https://api.example.org/caas/v3/classifieds",
        headers={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"},
    )
    answer = httpx.Response(429, headers={"Retry-After": "7"}, text="slow down", request=request)

    error = error_from_response(answer, clock=lambda: 0.0)

    assert isinstance(error, RateLimitedError)
    assert isinstance(error, UnexpectedResponseError)
    assert error.retry_after == 7.0
    # No traceparent in the answer: the one the request sent is the one AVIV can look up.
    assert error.traceparent == "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    assert error.url == "/caas/v3/classifieds"


def test_errors_pickle_with_their_attributes() -> None:
    error = ValidationError(
        status=400,
        title="Bad request",
        detail="Your request has not been validated",
        errors=[FieldError("/space", "must NOT have additional properties"), FieldError("data.x", "bad")],
        traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01",
    )
    unexpected = UnexpectedServerError(status=502, content_type="text/html", snippet="<html>", reason="nope")

    copy = pickle.loads(pickle.dumps(error))
    other = pickle.loads(pickle.dumps(unexpected))

    assert type(copy) is ValidationError
    assert str(copy) == str(error)
    assert copy.pointers == ("/space",)
    assert (other.status, other.content_type, other.snippet) == (502, "text/html", "<html>")
    assert isinstance(other, ServerError)
    assert isinstance(copy, CaasError)


def test_long_field_error_lists_are_shortened_in_the_message() -> None:
    errors = [FieldError(f"/f{n}", "bad") for n in range(8)]

    message = str(ValidationError(status=400, title="Bad request", errors=errors))

    assert "/f4: bad" in message
    assert "/f5" not in message
    assert "and 3 more" in message


def test_unwrap_returns_the_success_model(httpserver, client: AuthenticatedClient) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request(f"/classifieds/{CLASSIFIED_ID}").respond_with_data(
        json.dumps(classified_json(classifiedId=CLASSIFIED_ID)), content_type="application/json"
    )

    classified = unwrap(get_classified.sync_detailed(CLASSIFIED_ID, client=client))  # type: ignore[arg-type]

    assert str(classified.classified_id) == CLASSIFIED_ID
    assert classified.data.location.city == "Paris"


def test_a_huge_detail_is_shortened_in_the_message_but_kept_whole() -> None:
    detail = "x" * 10_000

    error = BadRequestError(status=400, title="Bad request", detail=detail)

    assert len(str(error)) < 700
    assert error.detail == detail
