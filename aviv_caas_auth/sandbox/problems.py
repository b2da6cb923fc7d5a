"""AVIV's RFC 7807 problems, with the type URIs, titles and wording of AVIV's documentation.

The texts come from the examples of AVIV's spec v3.1.3 (``components.schemas.*Error*`` and the
"Errors" section of ``info.description``); the prepared spec keeps only their common shape,
``ErrorResponse``, which every problem built here satisfies.

The ``type`` URIs built here are v3's documentation (:data:`ERRORS_DOC`); each version's answers
carry the URIs its own document states instead (v4's ``.../ingest-v4/...``), see
:func:`documented_types` and ``ApiSpec.problem_type``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aviv_caas_auth.problems.errors import FieldError as FieldError  # one FieldError for client and sandbox

ERRORS_DOC = (
    "https://caas-api-documentation.kugawana.eu/doc/prod/seloger/ingest-v3/index.html#section/Errors/"
)
VALIDATION_ERROR = ERRORS_DOC + "Validation-Error"
DUPLICATED_CLASSIFIED = ERRORS_DOC + "Duplicated-Classifieds-Error"
DUPLICATED_MEDIA = ERRORS_DOC + "Duplicated-Media-Error"
COLLIDING_CONTACTS = ERRORS_DOC + "Colliding-Contacts-Information-Error"
ABOUT_BLANK = "about:blank"
# A documentation link to one error, as AVIV's documents write them (in their examples and descriptions).
_DOCUMENTED = re.compile(r"https?://[^\s\"'()<>\\\[\]]+?#section/Errors/([A-Za-z0-9-]+)")

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def new_traceparent(incoming: str | None = None) -> str:
    """A W3C ``traceparent`` for a response: the caller's trace id if it sent a valid one, a new span."""
    match = _TRACEPARENT.match(incoming or "")
    trace_id = match.group(2) if match and match.group(2) != "0" * 32 else secrets.token_hex(16)
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


@dataclass(frozen=True)
class Problem:
    """An RFC 7807 problem as AVIV sends it; ``instance`` is the response's traceparent."""

    status: int
    title: str
    detail: str
    type: str = ABOUT_BLANK
    errors: tuple[FieldError, ...] = ()
    error_source: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())

    def body(self, instance: str) -> dict[str, Any]:
        """The JSON body, with ``instance`` set."""
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "detail": self.detail,
            "instance": instance,
            "status": self.status,
        }
        if self.errors:
            body["errors"] = [{"name": e.name, "reason": e.reason} for e in self.errors]
        if self.error_source:
            body["errorSource"] = self.error_source
        return body


class ProblemError(Exception):
    """Raised by request handling to answer with ``problem``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.status} {problem.title}: {problem.detail}")
        self.problem = problem


def documented_types(document: Any) -> dict[str, str]:
    """Every error's documentation URI a document states, by its anchor (``Validation-Error``: the URI).

    Read from every string of the document (its examples and descriptions), the first one of each
    anchor winning.
    """
    found: dict[str, str] = {}
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            pending.extend(reversed(node))
        elif isinstance(node, str) and "#section/Errors/" in node:
            for match in _DOCUMENTED.finditer(node):
                found.setdefault(match.group(1), match.group(0))
    return found


def documented_type(type_: str, documented: dict[str, str]) -> str:
    """``type_`` as the document states it: a v3 documentation URI becomes the document's own.

    The URI of the same anchor when the document states it, else the anchor in the document's
    errors section (the base of the URIs it states); ``type_`` as it is when it states none.
    """
    if not type_.startswith(ERRORS_DOC) or not documented:
        return type_
    anchor = type_[len(ERRORS_DOC) :]
    if anchor in documented:
        return documented[anchor]
    some = next(iter(documented.values()))
    return some[: some.index("#section/Errors/")] + "#section/Errors/" + anchor


def validation_error(errors: Sequence[FieldError], source: str = "body") -> Problem:
    """400: the request did not validate against the spec (``errorSource`` body/requestParameter/...)."""
    return Problem(
        400, "Bad request", "Your request has not been validated", VALIDATION_ERROR, tuple(errors), source
    )


def parsing_error(reason: str) -> Problem:
    """400: the body is not JSON."""
    return Problem(
        400,
        "Bad request",
        "Validator could not parse body",
        errors=(FieldError("", reason),),
        error_source="body",
    )


def body_missing() -> Problem:
    """400: an operation that needs a body got none."""
    return Problem(400, "Bad request", "Body is not defined", error_source="body")


def duplicated_classified(offerer_estate_id: str, classified_id: str) -> Problem:
    """400: another classified of this offerer already has this ``offererEstateId``."""
    return Problem(
        400,
        "Duplicated classified",
        f"This offererEstateId: {offerer_estate_id} is already associated with an existing classified "
        f"identified by classifiedId: {classified_id}. Classifieds must have unique offerEstateId.",
        DUPLICATED_CLASSIFIED,
    )


def duplicated_media(url: str, media_id: str, classified_id: str) -> Problem:
    """400: the classified already has a media with this ``url``."""
    return Problem(
        400,
        "Duplicated media",
        f"This url: {url} is already sent on the media identified by mediaId : {media_id} for the "
        f"classified identified by classifiedId: {classified_id}. Media must have unique url.",
        DUPLICATED_MEDIA,
    )


def colliding_contacts() -> Problem:
    """400: ``data.contact.*`` and ``specific.gsl.*`` contact persons were sent together."""
    reason = (
        "The classified has been submitted to be attached with conflicting contact's information. "
        "The following fields cannot be set simultaneously: 'data.contact.*', 'specific.gsl.contact.*' "
    )
    return Problem(
        400,
        "Bad request",
        "Colliding information",
        COLLIDING_CONTACTS,
        (FieldError("data.contact.*", reason), FieldError("specific.gsl.contact.*", reason)),
        "body",
    )


def not_found(resource_id: str) -> Problem:
    """404: no such classified, media or subscription for this offerer."""
    return Problem(
        404, "Not found", f"The resource you are trying to operate with doesn't exists: {resource_id}."
    )


def unauthorized(hint: str) -> Problem:
    """401: missing, unknown, expired or wrong-audience token. ``hint`` is the sandbox's explanation."""
    return Problem(
        401,
        "Unauthorized",
        "Invalid token. Please check your authentication token, it can either be not valid or expired. "
        f"(sandbox: {hint})",
        headers=(("WWW-Authenticate", 'Bearer error="invalid_token"'),),
    )


def forbidden_by_firewall(reason: str) -> Problem:
    """403: what AVIV's firewall answers to a call without a valid ``User-Agent``."""
    return Problem(403, "Forbidden", f"Request blocked by the firewall: {reason}")


def precondition_failed(current_etag: str) -> Problem:
    """412: ``If-Match`` names a revision that is no longer the current one."""
    return Problem(
        412,
        "Precondition Failed",
        "The if-match header don't match with the revision of the classified you are trying to operate "
        f"with. (sandbox: the current ETag is {current_etag})",
    )


def internal_error(status: int = 500) -> Problem:
    """5xx: AVIV's internal server error."""
    return Problem(
        status, "Internal Server Error", "An error has occurred, please contact the customer support team"
    )


def rate_limited(retry_after: str) -> Problem:
    """429: too many requests; ``Retry-After`` says when to come back."""
    return Problem(
        429,
        "Too Many Requests",
        f"Rate limit exceeded, retry after {retry_after}",
        headers=(("Retry-After", retry_after),),
    )


def method_not_allowed(allowed: Sequence[str]) -> Problem:
    """405: the path exists but not with this method."""
    return Problem(
        405,
        "Method Not Allowed",
        f"This path accepts {', '.join(sorted(allowed))}",
        headers=(("Allow", ", ".join(sorted(allowed))),),
    )
