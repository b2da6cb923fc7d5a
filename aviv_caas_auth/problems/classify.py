"""From an API answer to the typed error that describes it.

:func:`error_from_response` takes either what a generated ``*_detailed`` function returned (an
``aviv_caas_client.types.Response``, or ``aviv_caas_client_v4``'s) or a raw ``httpx.Response``
(for transports and hooks), and returns (does not raise) the
:class:`~aviv_caas_auth.problems.errors.ApiError` subclass for it. The problem model of every
version is recognised: each version's overlay defines the same ``ErrorResponse``.

The kind of a problem is decided by structured members only: its ``type`` URI fragment (e.g.
``...#section/Errors/Duplicated-Classifieds-Error``), then its ``title``, then the HTTP status.
``detail`` is prose for humans and is never parsed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from aviv_caas_auth.apis import DEFAULT_API, generated_module, is_generated, package_of
from aviv_caas_auth.http.redaction import snippet
from aviv_caas_auth.http.retry_after import parse_retry_after
from aviv_caas_auth.problems.errors import (
    ApiError,
    BadRequestError,
    CollidingContactsError,
    DuplicatedClassifiedError,
    DuplicatedMediaError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
    TokenRejectedError,
    UnauthorizedError,
    UnexpectedBadRequestError,
    UnexpectedForbiddenError,
    UnexpectedNotFoundError,
    UnexpectedPreconditionFailedError,
    UnexpectedRateLimitedError,
    UnexpectedResponseError,
    UnexpectedServerError,
    UnexpectedUnauthorizedError,
    ValidationError,
)

if TYPE_CHECKING:
    from aviv_caas_auth.problems.errors import ErrorResponse

Clock = Callable[[], float]
"""Returns the current time as a POSIX timestamp, like :func:`time.time` (injectable for tests)."""

# The last segment of the problem `type` URI's fragment, case-folded -> the problem's class.
PROBLEM_TYPES: Mapping[str, type[ApiError]] = {
    "validation-error": ValidationError,
    "duplicated-classifieds-error": DuplicatedClassifiedError,
    "duplicated-media-error": DuplicatedMediaError,
    "colliding-contacts-information-error": CollidingContactsError,
}
# Titles that name a kind on their own (AVIV sends them with the matching type).
PROBLEM_TITLES: Mapping[str, type[ApiError]] = {
    "duplicated classified": DuplicatedClassifiedError,
    "duplicated media": DuplicatedMediaError,
}
STATUS_CLASSES: Mapping[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    412: PreconditionFailedError,
    429: RateLimitedError,
}
UNEXPECTED_CLASSES: Mapping[type[ApiError], type[UnexpectedResponseError]] = {
    BadRequestError: UnexpectedBadRequestError,
    UnauthorizedError: UnexpectedUnauthorizedError,
    ForbiddenError: UnexpectedForbiddenError,
    NotFoundError: UnexpectedNotFoundError,
    PreconditionFailedError: UnexpectedPreconditionFailedError,
    RateLimitedError: UnexpectedRateLimitedError,
    ServerError: UnexpectedServerError,
}
# W3C trace context; AVIV's problems carry it as `instance` when the header is missing.
TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


def status_class(status: int) -> type[ApiError]:
    """The error class the HTTP status alone implies (ApiError for statuses without one)."""
    if 500 <= status <= 599:
        return ServerError
    return STATUS_CLASSES.get(status, ApiError)


def type_fragment(problem_type: str | None) -> str:
    """The last segment of a problem type URI's fragment, case-folded ("" for about:blank)."""
    if not problem_type:
        return ""
    return urlsplit(problem_type).fragment.rsplit("/", 1)[-1].casefold()


def problem_class(
    status: int, problem_type: str | None, title: str | None, *, has_errors: bool
) -> type[ApiError]:
    """The error class of a problem, from its status, ``type`` URI fragment and ``title``."""
    if 400 <= status <= 499:
        kind = PROBLEM_TYPES.get(type_fragment(problem_type)) or PROBLEM_TITLES.get((title or "").casefold())
        if kind is not None:
            return kind
        if status == 400 and has_errors:  # about:blank with field errors: a validation error
            return ValidationError
    return status_class(status)


def error_from_response(response: Any, *, clock: Clock = time.time, api: str = DEFAULT_API) -> ApiError:
    """The typed error for an answer (returned, not raised).

    ``response`` is a generated ``Response`` (of any version) or a raw ``httpx.Response``, whose
    body is then read with the problem model of ``api`` (the same in every version). ``clock``
    is only read for a 429's HTTP-date ``Retry-After``.
    """
    cls, fields = _classify(response, clock, api)
    return cls(**fields)


def token_rejected_error(response: httpx.Response, *, who: str, api: str = DEFAULT_API) -> TokenRejectedError:
    """The error for a 401 to a freshly issued token (``who``: whose token, without secrets)."""
    cls, fields = _classify(response, time.time, api)
    if issubclass(cls, UnexpectedResponseError):  # not a problem: its snippet is the detail
        fields["detail"] = fields.pop("snippet") or None
        del fields["content_type"], fields["reason"]
    return TokenRejectedError(who=who, **fields)


def _classify(response: Any, clock: Clock, api: str) -> tuple[type[ApiError], dict[str, Any]]:
    """The class of the error for an answer, and the keyword arguments to build it."""
    headers: Mapping[str, str]
    if isinstance(response, httpx.Response):
        status, headers, content = response.status_code, response.headers, response.content
        request = generated_module(package_of(api), "types").request_of(response)
        parsed: Any = read_problem(response, api=api)
    else:
        status, headers, content = int(response.status_code), response.headers, response.content
        request, parsed = response.request, response.parsed
    secrets = _request_secrets(request)
    common: dict[str, Any] = {
        "status": status,
        "headers": headers,
        "method": request.method if request is not None else None,
        "url": request.url.raw_path.decode("ascii", "replace") if request is not None else None,
        "secrets": secrets,
    }
    cls: type[ApiError]
    if is_problem(parsed) and status >= 400:
        common.update(_problem_members(parsed))
        cls = problem_class(status, common["type"], common["title"], has_errors=bool(common["errors"]))
    else:
        cls = UNEXPECTED_CLASSES.get(status_class(status), UnexpectedResponseError)
        common.update(
            content_type=headers.get("content-type"),
            snippet=snippet(content, secrets=secrets),
            reason=_unexpected_reason(parsed, status),
        )
    common["traceparent"] = _traceparent(headers, request, common.get("instance"))
    if issubclass(cls, RateLimitedError):
        common["retry_after"] = parse_retry_after(headers.get("retry-after"), now=clock())
    if issubclass(cls, DuplicatedClassifiedError):
        common["offerer_estate_id"] = _offerer_estate_id(request)
    return cls, common


def is_problem(parsed: object) -> bool:
    """Whether a generated function's ``parsed`` answer is the problem model (of any version)."""
    return is_generated(parsed, "models", "ErrorResponse")


def is_unexpected(parsed: object) -> bool:
    """Whether ``parsed`` is a generated ``UnexpectedResponse`` (an answer the API does not describe)."""
    return is_generated(parsed, "types", "UnexpectedResponse")


def read_problem(response: httpx.Response, *, api: str = DEFAULT_API) -> Any:
    """Parse a raw answer's body as ``api``'s problem model, or describe (UnexpectedResponse) why not."""
    package = package_of(api)
    types = generated_module(package, "types")
    try:
        return generated_module(package, "models").ErrorResponse.from_dict(response.json())
    except types.PARSE_ERRORS as error:
        return types.UnexpectedResponse.from_error(response, error)


def _unset(member: object) -> bool:
    """Whether ``member`` is the generated ``UNSET`` (a member the answer did not have)."""
    return is_generated(member, "types", "Unset")


def _problem_members(problem: ErrorResponse) -> dict[str, Any]:
    errors = problem.errors if isinstance(problem.errors, list) else []
    return {
        "title": _text(problem.title),
        "detail": _text(problem.detail),
        "type": _text(problem.type_),
        "instance": _text(problem.instance),
        "errors": [FieldError(name=str(e.name), reason=str(e.reason)) for e in errors],
        "error_source": _text(problem.error_source),
        "problem": problem,
    }


def _text(member: object) -> str | None:
    """A problem member as text: the generated model does not check the JSON types of strings."""
    if member is None or _unset(member):
        return None
    return member if isinstance(member, str) else str(member)


def _unexpected_reason(parsed: object, status: int) -> str:
    if is_unexpected(parsed):
        return str(getattr(parsed, "reason", ""))
    if is_problem(parsed):
        return f"a problem document with the success status {status}"
    if parsed is None:
        return "no answer body was expected"
    return f"a {type(parsed).__name__} answer with the error status {status}"


def _traceparent(
    headers: Mapping[str, str], request: httpx.Request | None, instance: str | None
) -> str | None:
    """The answer's traceparent: its header, else a traceparent-shaped ``instance``; else the request's."""
    answered = headers.get("traceparent")
    if answered and answered.strip():
        return answered.strip()[:128]
    if instance and TRACEPARENT.fullmatch(instance):
        return instance
    sent: str | None = request.headers.get("traceparent") if request is not None else None
    if sent and sent.strip():
        return sent.strip()[:128]
    return None


def _request_secrets(request: httpx.Request | None) -> tuple[str, ...]:
    """The credentials the request carried, masked by value wherever they show up."""
    if request is None:
        return ()
    authorization = request.headers.get("authorization", "").strip()
    _, _, credentials = authorization.partition(" ")
    return tuple(secret for secret in (authorization, credentials.strip()) if secret)


def _offerer_estate_id(request: httpx.Request | None) -> str | None:
    """``data.metaData.source.offererEstateId`` of the classified the request sent, if any."""
    if request is None:
        return None
    try:
        node: Any = json.loads(request.content)
    except (httpx.RequestNotRead, ValueError):
        return None
    for key in ("data", "metaData", "source", "offererEstateId"):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node if isinstance(node, str) else None
