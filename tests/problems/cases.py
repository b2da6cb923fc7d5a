"""The fault-case table: one row per way an API answer can go wrong, and the typed error it must become.

Each row says which generated endpoint is called, what the loopback server answers (status,
Content-Type, headers, body) and which ApiError subclass ``unwrap`` must raise, exactly. Every row
runs on the bare generated client and through ``create_client`` (test_fault_cases.py). The rows
with retries, timeouts, refused connections and the token endpoint are in scenarios.py (scripted
servers) and test_sandbox_faults.py (the local sandbox's fault knobs). Every test marked
``fault_case`` is counted: the run ends with "fault cases: N run, N passed".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from uuid import UUID

from aviv_caas_auth.problems.errors import (
    ApiError,
    BadRequestError,
    CollidingContactsError,
    DuplicatedClassifiedError,
    DuplicatedMediaError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    UnexpectedBadRequestError,
    UnexpectedForbiddenError,
    UnexpectedRateLimitedError,
    UnexpectedResponseError,
    UnexpectedServerError,
    ValidationError,
)
from aviv_caas_client.api.classifieds import (
    create_classified,
    delete_classified,
    get_classified,
    get_classifieds,
    update_classified,
)
from aviv_caas_client.api.media import attach_media_to_classified
from aviv_caas_client.models import AvivClassified, Media
from tests.problems.conftest import CLASSIFIED_ID, OFFERER_ESTATE_ID, classified_json

DOCS = "https://caas-api-documentation.kugawana.eu/doc/prod/seloger/ingest-v3/index.html#section/Errors/"
PROBLEM = "application/json+problem"  # what AVIV declares
RFC_PROBLEM = "application/problem+json"  # what RFC 7807 registers
# The injected clock of every case: "now" for Retry-After HTTP-dates.
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class Call:
    """A generated endpoint, the request it makes, and its arguments."""

    method: str
    path: str
    module: Any
    arguments: Callable[[], dict[str, Any]]


CALLS: Mapping[str, Call] = {
    "get_classified": Call(
        "GET", f"/classifieds/{CLASSIFIED_ID}", get_classified, lambda: {"classified_id": UUID(CLASSIFIED_ID)}
    ),
    "get_classifieds": Call(
        "GET", "/classifieds", get_classifieds, lambda: {"offerer_estate_id": OFFERER_ESTATE_ID}
    ),
    "create_classified": Call(
        "POST",
        "/classifieds",
        create_classified,
        lambda: {"body": AvivClassified.from_dict(classified_json())},
    ),
    "update_classified": Call(
        "PUT",
        f"/classifieds/{CLASSIFIED_ID}",
        update_classified,
        lambda: {
            "classified_id": UUID(CLASSIFIED_ID),
            "body": AvivClassified.from_dict(classified_json()),
            "if_match": '"1"',
        },
    ),
    "delete_classified": Call(
        "DELETE",
        f"/classifieds/{CLASSIFIED_ID}",
        delete_classified,
        lambda: {"classified_id": UUID(CLASSIFIED_ID)},
    ),
    "attach_media": Call(
        "POST",
        f"/classifieds/{CLASSIFIED_ID}/media",
        attach_media_to_classified,
        lambda: {
            "classified_id": UUID(CLASSIFIED_ID),
            "body": Media(media_type="PICTURE", url="https://img.example.org/1.jpg"),
        },
    ),
}


def traceparent_for(name: str) -> str:
    """A distinct, well-formed W3C traceparent per case."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"00-{digest[:32]}-{digest[32:48]}-01"


def problem(status: int, title: str, detail: str, type_: str = "about:blank", **members: Any) -> bytes:
    """An RFC 7807 problem body as AVIV sends it."""
    document = {"type": type_, "title": title, "detail": detail, "status": status, **members}
    return json.dumps(document).encode()


@dataclass(frozen=True)
class FaultCase:
    """One row: the answer the server gives, and the typed error ``unwrap`` must raise."""

    id: str
    call: str
    status: int
    body: bytes
    expected: type[ApiError]
    content_type: str | None = PROBLEM
    headers: Mapping[str, str] = field(default_factory=dict)
    send_traceparent: bool = True
    expected_traceparent: str | None = None  # default: the header sent
    check: Callable[[ApiError], None] | None = None

    @property
    def traceparent(self) -> str | None:
        if self.expected_traceparent is not None:
            return self.expected_traceparent
        return traceparent_for(self.id) if self.send_traceparent else None

    @property
    def problem(self) -> dict[str, Any] | None:
        """The body as a problem document, when it is one."""
        if not issubclass(self.expected, UnexpectedResponseError):
            parsed: dict[str, Any] = json.loads(self.body)
            return parsed
        return None


def _pointers(*expected: str) -> Callable[[ApiError], None]:
    def check(error: ApiError) -> None:
        assert isinstance(error, ValidationError)
        assert error.pointers == expected

    return check


def _retry_after(seconds: float) -> Callable[[ApiError], None]:
    def check(error: ApiError) -> None:
        assert isinstance(error, RateLimitedError)
        assert error.retry_after == seconds
        assert f"retry after {seconds:g} s" in str(error)

    return check


def _all(*checks: Callable[[ApiError], None]) -> Callable[[ApiError], None]:
    def check(error: ApiError) -> None:
        for one in checks:
            one(error)

    return check


def _is(*classes: type[BaseException]) -> Callable[[ApiError], None]:
    def check(error: ApiError) -> None:
        for cls in classes:
            assert isinstance(error, cls), cls

    return check


def _offerer_estate_id(error: ApiError) -> None:
    assert isinstance(error, DuplicatedClassifiedError)
    assert error.offerer_estate_id == OFFERER_ESTATE_ID


def _snippet_has(text: str) -> Callable[[ApiError], None]:
    def check(error: ApiError) -> None:
        assert isinstance(error, UnexpectedResponseError)
        assert text in error.snippet
        assert text in str(error)

    return check


def _reason_starts(prefix: str) -> Callable[[ApiError], None]:
    def check(error: ApiError) -> None:
        assert isinstance(error, UnexpectedResponseError)
        assert error.reason.startswith(prefix), error.reason

    return check


def _error_source(value: str) -> Callable[[ApiError], None]:
    def check(error: ApiError) -> None:
        assert error.error_source == value

    return check


HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n" + b"<!-- padding -->\r\n" * 40
)
INSTANCE = "00-652039077ca790cc11d3a80cc29dbeb9-ca5243f0e6c43195-00"
RETRY_DATE = format_datetime(datetime.fromtimestamp(NOW + 30, tz=UTC), usegmt=True)

API_FAULT_CASES: tuple[FaultCase, ...] = (
    # --- every problem kind AVIV documents -----------------------------------------------
    FaultCase(
        "validation-error",
        "create_classified",
        400,
        problem(
            400,
            "Bad request",
            "Your request has not been validated",
            DOCS + "Validation-Error",
            instance=INSTANCE,
            errorSource="body",
            errors=[
                {
                    "name": "/data/estateSubTypes/trading",
                    "reason": "must be equal to one of the allowed values",
                },
                {"name": "/space", "reason": "must NOT have additional properties: space."},
            ],
        ),
        ValidationError,
        check=_all(_pointers("/data/estateSubTypes/trading", "/space"), _error_source("body")),
    ),
    FaultCase(
        "validation-error-about-blank-with-errors",
        "update_classified",
        400,
        problem(
            400,
            "Bad request",
            "Your request has not been validated",
            errorSource="requestParameter",
            errors=[{"name": "/limit", "reason": "must be integer"}],
        ),
        ValidationError,
        content_type=RFC_PROBLEM,
        check=_pointers("/limit"),
    ),
    FaultCase(
        "parsing-error",
        "create_classified",
        400,
        problem(400, "Bad request", "Validator could not parse body", instance=INSTANCE),
        BadRequestError,
    ),
    FaultCase(
        "bad-request",
        "create_classified",
        400,
        problem(400, "Bad request", "Body is not defined", instance=INSTANCE),
        BadRequestError,
    ),
    FaultCase(
        "duplicated-classified",
        "create_classified",
        400,
        problem(
            400,
            "Duplicated classified",
            "This offererEstateId: ref-1-example is already associated with an existing classified "
            f"identified by classifiedId: {CLASSIFIED_ID}. Classifieds must have unique offerEstateId.",
            DOCS + "Duplicated-Classifieds-Error",
            instance=INSTANCE,
        ),
        DuplicatedClassifiedError,
        check=_all(_offerer_estate_id, _is(BadRequestError)),
    ),
    FaultCase(
        "duplicated-classified-by-title",
        "create_classified",
        400,
        problem(400, "Duplicated classified", "This offererEstateId is already used."),
        DuplicatedClassifiedError,
        check=_offerer_estate_id,
    ),
    FaultCase(
        "duplicated-media",
        "attach_media",
        400,
        problem(
            400,
            "Duplicated media",
            "This url: urlMedia is already sent on the media identified by mediaId : "
            "9c597a63-6932-4b0c-a2a0-2fd935be176 for the classified identified by classifiedId: "
            f"{CLASSIFIED_ID}. Media must have unique url.",
            DOCS + "Duplicated-Media-Error",
            instance=INSTANCE,
        ),
        DuplicatedMediaError,
    ),
    FaultCase(
        "colliding-contacts",
        "create_classified",
        400,
        problem(
            400,
            "Bad request",
            "Colliding information",
            DOCS + "Colliding-Contacts-Information-Error",
            errorSource="body",
            errors=[
                {"name": "data.contact.*", "reason": "cannot be set with specific.gsl.contact.*"},
                {"name": "specific.gsl.contact.*", "reason": "cannot be set with data.contact.*"},
            ],
        ),
        CollidingContactsError,
        check=_all(_is(BadRequestError), _error_source("body")),
    ),
    FaultCase(
        "unauthorized",
        "get_classified",
        401,
        problem(
            401,
            "Unauthorized",
            "Invalid token. Please check your authentication token, it can either be not valid or expired.",
            instance=INSTANCE,
        ),
        UnauthorizedError,
        content_type="application/json",
    ),
    FaultCase(
        "forbidden-missing-scope",
        "delete_classified",
        403,
        problem(
            403,
            "Forbidden",
            "You don't have sufficient permissions to perform this action. Please check the scopes set "
            "in your authentication token.",
            instance=INSTANCE,
        ),
        ForbiddenError,
    ),
    FaultCase(
        "not-found",
        "get_classified",
        404,
        problem(
            404,
            "Not found",
            f"The resource you are trying to operate with doesn't exists: {CLASSIFIED_ID}.",
            instance=INSTANCE,
        ),
        NotFoundError,
    ),
    FaultCase(
        "precondition-failed",
        "update_classified",
        412,
        problem(
            412,
            "Precondition Failed",
            "The if-match header don't match with the revision of the classified you are trying to "
            "operate with.",
            instance=INSTANCE,
        ),
        PreconditionFailedError,
    ),
    FaultCase(
        "server-error",
        "get_classifieds",
        500,
        problem(
            500, "Internal Server Error", "An error has occurred, please contact the customer support team"
        ),
        ServerError,
    ),
    FaultCase(
        "service-unavailable-problem",
        "get_classified",
        503,
        problem(503, "Service Unavailable", "Try again later"),
        ServerError,
        content_type=RFC_PROBLEM,
    ),
    FaultCase(
        "rate-limited-retry-after-seconds",
        "get_classifieds",
        429,
        problem(429, "Too Many Requests", "Slow down"),
        RateLimitedError,
        headers={"Retry-After": "2"},
        check=_retry_after(2.0),
    ),
    FaultCase(
        "rate-limited-retry-after-http-date-gateway-json",
        "get_classified",
        429,
        b'{"message": "Too Many Requests"}',
        UnexpectedRateLimitedError,
        content_type="application/json",
        headers={"Retry-After": RETRY_DATE},
        check=_all(_retry_after(30.0), _is(RateLimitedError, UnexpectedResponseError)),
    ),
    FaultCase(
        "problem-unknown-error-source",
        "create_classified",
        400,
        problem(
            400,
            "Bad request",
            "Your request has not been validated",
            DOCS + "Validation-Error",
            errorSource="header",
            errors=[{"name": "/headers/if-match", "reason": "must match pattern"}],
        ),
        ValidationError,
        check=_error_source("header"),
    ),
    FaultCase(
        "traceparent-from-instance",
        "get_classified",
        404,
        problem(
            404, "Not found", "The resource you are trying to operate with doesn't exists.", instance=INSTANCE
        ),
        NotFoundError,
        send_traceparent=False,
        expected_traceparent=INSTANCE,
    ),
    FaultCase(
        "problem-extension-member",
        "delete_classified",
        404,
        problem(404, "Not found", "Gone", instance=INSTANCE, classifiedStatus="DELETED"),
        NotFoundError,
        check=lambda error: _extension(error, "classifiedStatus", "DELETED"),
    ),
    FaultCase(
        "status-520-problem",
        "get_classified",
        520,
        problem(520, "Unknown Error", "The origin returned an unknown error"),
        ServerError,
    ),
    # --- answers that are not problems: never a raw exception --------------------------
    FaultCase(
        "html-502",
        "get_classified",
        502,
        HTML_502,
        UnexpectedServerError,
        content_type="text/html",
        check=_all(_is(ServerError), _snippet_has("502 Bad Gateway"), _reason_starts("JSONDecodeError")),
    ),
    FaultCase(
        "status-520-html",
        "get_classifieds",
        520,
        b"<!DOCTYPE html><html><title>Web server is returning an unknown error</title></html>",
        UnexpectedServerError,
        content_type="text/html; charset=UTF-8",
        check=_snippet_has("unknown error"),
    ),
    FaultCase(
        "empty-body-200",
        "get_classified",
        200,
        b"",
        UnexpectedResponseError,
        content_type="application/json",
        check=_reason_starts("JSONDecodeError"),
    ),
    FaultCase(
        "empty-body-202-no-content-type",
        "create_classified",
        202,
        b"",
        UnexpectedResponseError,
        content_type=None,
    ),
    FaultCase(
        "empty-body-500",
        "delete_classified",
        500,
        b"",
        UnexpectedServerError,
        content_type=None,
    ),
    FaultCase(
        "garbage-json-200",
        "get_classifieds",
        200,
        b'{"items": [{"classifiedId": ',
        UnexpectedResponseError,
        content_type="application/json",
        check=_reason_starts("JSONDecodeError"),
    ),
    FaultCase(
        "wrong-shape-json-200",
        "get_classified",
        200,
        b'{"unexpected": true}',
        UnexpectedResponseError,
        content_type="application/json",
        check=_reason_starts("KeyError"),
    ),
    FaultCase(
        "json-array-instead-of-object-200",
        "get_classifieds",
        200,
        b"[1, 2, 3]",
        UnexpectedResponseError,
        content_type="application/json",
    ),
    FaultCase(
        "wrong-member-type-200",
        "get_classified",
        200,
        json.dumps(classified_json(classifiedId="not-a-uuid")).encode(),
        UnexpectedResponseError,
        content_type="application/json",
        check=_reason_starts("ValueError"),
    ),
    FaultCase(
        "json-non-problem-400",
        "create_classified",
        400,
        b'{"message": "Invalid request body"}',
        UnexpectedBadRequestError,
        content_type="application/json",
        check=_is(BadRequestError),
    ),
    FaultCase(
        "json-non-problem-403-gateway",
        "get_classified",
        403,
        b'{"message": "Forbidden"}',
        UnexpectedForbiddenError,
        content_type="application/json",
        check=_all(_is(ForbiddenError), _snippet_has('{"message": "Forbidden"}')),
    ),
    FaultCase(
        "json-non-problem-418",
        "get_classified",
        418,
        b'{"error": "teapot"}',
        UnexpectedResponseError,
        content_type="application/json",
    ),
    FaultCase(
        "problem-with-success-status",
        "create_classified",
        200,
        problem(200, "OK?", "A problem document with a success status"),
        UnexpectedResponseError,
        check=_reason_starts("a problem document"),
    ),
    FaultCase(
        "redirect-not-followed",
        "get_classified",
        302,
        b"",
        UnexpectedResponseError,
        content_type="text/html",
        headers={"Location": "https://login.example.org/"},
    ),
)


def _extension(error: ApiError, name: str, value: object) -> None:
    assert error.problem is not None
    assert error.problem.additional_properties[name] == value
