"""The fault-case table through ``create_client``: token endpoint and API, with retries, auth and timeouts.

Each row scripts what the token endpoint and the API answer (in order, the last answer repeating),
names the generated endpoint called, and states the outcome exactly: the typed model or the
CaasError subclass, how many token and API requests the servers saw, and how many waits the
retry policy asked the injected sleeper for (with lower bounds where a Retry-After set them).

Every row runs with :data:`POLICY` unless it says otherwise: 3 attempts, waits of half the full
jitter window (the injected random returns 0.5), 30 s per wait, 60 s in all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Literal

from aviv_caas_auth import (
    ApiConnectionError,
    ApiTimeoutError,
    MalformedTokenResponseError,
    RateLimitedError,
    ServerError,
    TokenConnectionError,
    TokenEndpointError,
    TokenRateLimitedError,
    TokenRejectedError,
    TokenServerError,
    TokenTimeoutError,
    UnexpectedResponseError,
)
from aviv_caas_auth.problems.errors import UnexpectedServerError
from aviv_caas_client.models import (
    CreateClassifiedResponse202,
    DeleteClassifiedResponse202,
    GetClassifiedResponse200,
    GetClassifiedsResponse200,
    UpdateClassifiedResponse202,
)
from aviv_caas_client.types import UnknownEnumValue
from tests.problems.cases import HTML_502, problem
from tests.problems.conftest import CLASSIFIED_ID, classified_json
from tests.problems.scripted_aviv import STALL, TOKEN, Answer, respond

WALL = 1_800_000_000.0  # the injected clock's wall time when a call starts (aviv_caas_auth.ManualClock)
POLICY: Mapping[str, Any] = {"attempts": 3, "backoff": 0.5, "max_wait": 30.0, "max_total": 60.0}
STALLED_TIMEOUT = 0.3  # seconds: the client's timeout in rows whose server stalls

Down = Literal["refused", "late"] | None


@dataclass(frozen=True)
class Scenario:
    """One row. ``expected`` is the outcome's exact type (a model, or the error raised)."""

    id: str
    call: str
    expected: type
    api: tuple[Answer, ...] = ()
    token: tuple[Answer, ...] = (TOKEN,)
    api_requests: int = 1
    token_requests: int = 1
    waits: tuple[float, ...] = ()  # lower bound of each requested wait, in order (their number is exact)
    max_waits: tuple[float, ...] | None = None  # upper bounds, where exact
    policy: Mapping[str, Any] | None = field(default_factory=lambda: dict(POLICY))  # None: retry=None
    api_down: Down = None  # "refused": nobody listens; "late": listening from the first wait on
    token_down: Down = None
    timeout: float | None = None
    check: Callable[[Any], None] | None = None


def _ok(model: str) -> Answer:
    bodies: dict[str, Any] = {
        "classified": classified_json(classifiedId=CLASSIFIED_ID),
        "list": {"items": [classified_json(classifiedId=CLASSIFIED_ID)]},
        "accepted": {"classifiedId": CLASSIFIED_ID},
    }
    status = 200 if model in ("classified", "list") else 202
    return respond(status, bodies[model])


def _problem(status: int, title: str, **headers: str) -> Answer:
    return respond(status, problem(status, title, "try again later"), "application/json+problem", headers)


UNAUTHORIZED = respond(
    401,
    problem(401, "Unauthorized", "Invalid token. Please check your authentication token."),
    "application/json",
)
GATEWAY_502 = respond(502, HTML_502, "text/html")


def _retry_after(seconds: float) -> Callable[[Any], None]:
    def check(error: Any) -> None:
        assert isinstance(error, RateLimitedError | TokenRateLimitedError)
        assert error.retry_after == seconds

    return check


def _attempts(count: int, *, sent: bool) -> Callable[[Any], None]:
    def check(error: Any) -> None:
        assert error.attempts == count
        assert error.request_sent is sent

    return check


def _unknown_enum(page: Any) -> None:
    assert page.portals == ["SL", "SLX"]
    assert isinstance(page.portals[1], UnknownEnumValue)


def _unknown_field(page: Any) -> None:
    assert page.additional_properties == {"energyPassport": {"grade": "A"}}


SCENARIOS: tuple[Scenario, ...] = (
    # --- the API: what is retried ------------------------------------------------------------
    Scenario("api-503-then-200-retried-once", "get_classified", GetClassifiedResponse200,
             api=(_problem(503, "Service Unavailable"), _ok("classified")), api_requests=2, waits=(0,)),
    Scenario("api-502-html-retried-until-exhausted", "get_classified", UnexpectedServerError,
             api=(GATEWAY_502,), api_requests=3, waits=(0, 0)),
    Scenario("api-504-then-202-delete", "delete_classified", DeleteClassifiedResponse202,
             api=(respond(504, "<html>Gateway Timeout</html>", "text/html"), _ok("accepted")),
             api_requests=2, waits=(0,)),
    Scenario("api-put-503-then-202", "update_classified", UpdateClassifiedResponse202,
             api=(_problem(503, "Service Unavailable"), _ok("accepted")), api_requests=2, waits=(0,)),
    Scenario("api-429-retry-after-seconds", "get_classifieds", GetClassifiedsResponse200,
             api=(_problem(429, "Too Many Requests", **{"Retry-After": "2"}), _ok("list")),
             api_requests=2, waits=(2.0,)),
    Scenario("api-429-retry-after-http-date", "get_classified", GetClassifiedResponse200,
             api=(_problem(429, "Too Many Requests", **{"Retry-After": formatdate(WALL + 30, usegmt=True)}),
                  _ok("classified")),
             api_requests=2, waits=(30.0,), max_waits=(30.0,)),
    Scenario("api-429-exhausted", "get_classifieds", RateLimitedError,
             api=(_problem(429, "Too Many Requests", **{"Retry-After": "1"}),), api_requests=3,
             waits=(1.0, 1.0), check=_retry_after(1.0)),
    Scenario("api-total-time-bound-stops-retrying", "get_classifieds", ServerError,
             api=(_problem(503, "Service Unavailable"),), api_requests=3, waits=(0.5, 1.0), max_waits=(0.5, 1.0),
             policy={**POLICY, "attempts": 10, "backoff": 1.0, "max_total": 2.0}),
    Scenario("api-get-read-timeout-retried", "get_classified", ApiTimeoutError, api=(STALL,),
             api_requests=3, waits=(0, 0), timeout=STALLED_TIMEOUT, check=_attempts(3, sent=True)),
    Scenario("api-get-connection-refused", "get_classifieds", ApiConnectionError, api_down="refused",
             api_requests=0, waits=(0, 0), check=_attempts(3, sent=False)),
    Scenario("api-post-refused-then-listening-retried", "create_classified", CreateClassifiedResponse202,
             api=(_ok("accepted"),), api_down="late", api_requests=1, waits=(0,)),
    # --- the API: what is not retried --------------------------------------------------------
    Scenario("api-post-503-not-retried", "create_classified", ServerError,
             api=(_problem(503, "Service Unavailable"), _ok("accepted"))),
    Scenario("api-post-429-not-retried", "create_classified", RateLimitedError,
             api=(_problem(429, "Too Many Requests", **{"Retry-After": "1"}), _ok("accepted")),
             check=_retry_after(1.0)),
    Scenario("api-post-read-timeout-not-retried", "create_classified", ApiTimeoutError, api=(STALL,),
             timeout=STALLED_TIMEOUT, check=_attempts(1, sent=True)),
    Scenario("api-500-not-retried", "get_classified", ServerError,
             api=(_problem(500, "Internal Server Error"), _ok("classified"))),
    Scenario("api-429-retry-after-beyond-max-wait", "get_classifieds", RateLimitedError,
             api=(_problem(429, "Too Many Requests", **{"Retry-After": "3600"}), _ok("list")),
             check=_retry_after(3600.0)),
    Scenario("api-503-with-retries-off", "get_classified", ServerError,
             api=(_problem(503, "Service Unavailable"), _ok("classified")), policy=None),
    # --- the API: unreadable and new things ---------------------------------------------------
    Scenario("api-empty-body-200", "get_classified", UnexpectedResponseError, api=(respond(200, b""),)),
    Scenario("api-garbage-json-200", "get_classifieds", UnexpectedResponseError,
             api=(respond(200, b'{"items": [{"classifiedId": '),)),
    Scenario("api-unknown-enum-value", "get_classified", GetClassifiedResponse200,
             api=(respond(200, classified_json(classifiedId=CLASSIFIED_ID, portals=["SL", "SLX"])),),
             check=_unknown_enum),
    Scenario("api-unknown-field", "get_classified", GetClassifiedResponse200,
             api=(respond(200, classified_json(classifiedId=CLASSIFIED_ID, energyPassport={"grade": "A"})),),
             check=_unknown_field),
    # --- 401: the auth flow refreshes once; the transport never retries a 401 --------------------
    Scenario("api-401-storm", "get_classifieds", TokenRejectedError, api=(UNAUTHORIZED,),
             api_requests=2, token_requests=2),
    Scenario("api-401-then-503-then-200", "get_classifieds", GetClassifiedsResponse200,
             api=(UNAUTHORIZED, _problem(503, "Service Unavailable"), _ok("list")),
             api_requests=3, token_requests=2, waits=(0,)),
    Scenario("api-503-then-401-then-200", "get_classifieds", GetClassifiedsResponse200,
             api=(_problem(503, "Service Unavailable"), UNAUTHORIZED, _ok("list")),
             api_requests=3, token_requests=2, waits=(0,)),
    # --- the token endpoint: a POST, retried only when it never left ----------------------------
    Scenario("token-500", "get_classifieds", TokenServerError,
             token=(respond(500, {"message": "Internal"}), TOKEN), api_requests=0),
    Scenario("token-502-html", "get_classifieds", TokenServerError,
             token=(respond(502, HTML_502, "text/html"), TOKEN), api_requests=0),
    Scenario("token-503-not-retried", "get_classifieds", TokenServerError,
             token=(respond(503, "<html>Service Unavailable</html>", "text/html"), TOKEN), api_requests=0),
    Scenario("token-429-not-retried", "get_classifieds", TokenRateLimitedError,
             token=(respond(429, {"error": "too_many_requests"}, headers={"Retry-After": "2"}), TOKEN),
             api_requests=0, check=_retry_after(2.0)),
    Scenario("token-401-invalid-client", "get_classifieds", TokenEndpointError,
             token=(respond(401, {"error": "access_denied", "error_description": "Unauthorized"}),),
             api_requests=0),
    Scenario("token-garbage-json", "get_classifieds", MalformedTokenResponseError,
             token=(respond(200, '{"access_token": "tok-'),), api_requests=0),
    Scenario("token-empty-body", "get_classifieds", MalformedTokenResponseError,
             token=(respond(200, b""),), api_requests=0),
    Scenario("token-read-timeout-not-retried", "get_classifieds", TokenTimeoutError, token=(STALL,),
             api_requests=0, timeout=STALLED_TIMEOUT),
    Scenario("token-connection-refused-retried", "get_classifieds", TokenConnectionError,
             token_down="refused", token_requests=0, api_requests=0, waits=(0, 0)),
    Scenario("token-refused-then-listening", "get_classifieds", GetClassifiedsResponse200,
             api=(_ok("list"),), token_down="late", waits=(0,)),
)  # fmt: skip
