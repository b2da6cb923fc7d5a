"""Typed errors for the API's answers: RFC 7807 problems (plus AVIV's extensions) and unreadable answers.

Every class here is an :class:`ApiError`, itself a :class:`~aviv_caas_auth.errors.CaasError`.
The kind of problem comes from the HTTP status and the problem's ``type`` URI fragment and
``title`` (see :mod:`aviv_caas_auth.problems.classify`), never from its prose. An answer that is not a
problem at all (an HTML gateway page, an empty body, ...) is an :class:`UnexpectedResponseError`,
which is also an instance of its status' class: a 502 HTML page is a ``ServerError`` too.

Messages carry the status, title, detail, the request and the ``traceparent`` AVIV support asks
for; they never carry a token or a secret (see :mod:`aviv_caas_auth.http.redaction`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aviv_caas_auth.errors import CaasError
from aviv_caas_auth.http.redaction import redact

if TYPE_CHECKING:
    import aviv_caas_client.models
    import aviv_caas_client_v4.models

    ErrorResponse = aviv_caas_client.models.ErrorResponse | aviv_caas_client_v4.models.ErrorResponse

MAX_FIELD_ERRORS_IN_MESSAGE = 5
MAX_TEXT_IN_MESSAGE = 500  # a title, detail or reason longer than this is shortened in messages


def _short(text: str, limit: int = MAX_TEXT_IN_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class FieldError:
    """One entry of a problem's ``errors`` list.

    ``name`` is a JSON pointer into the request (validation errors, e.g. ``/data/estateSubTypes/trading``)
    or a dotted path (colliding contacts, e.g. ``data.contact.*``).
    """

    name: str
    reason: str

    @property
    def pointer(self) -> str | None:
        """``name`` when it is a JSON pointer (RFC 6901), else None."""
        return self.name if self.name == "" or self.name.startswith("/") else None


class ApiError(CaasError):
    """The API answered with an error, or with something this client cannot read.

    Attributes:
        status: the HTTP status of the answer.
        title, detail, type, instance: the RFC 7807 members (None when the answer is not a problem).
        errors: AVIV's field errors (``errors[]``), possibly empty.
        error_source: AVIV's ``errorSource`` (``body``, ``requestParameter``, ...), if sent.
        traceparent: the W3C trace id of the call, to quote to AVIV support.
        problem: the parsed problem (the ``ErrorResponse`` of the client's generated package:
            ``aviv_caas_client.models`` for v3, ``aviv_caas_client_v4.models`` for v4), with any
            extension members in its ``additional_properties``; None when the answer is not a problem.
        headers: the answer's headers.
        method, url: the request that got this answer, when known.

    """

    def __init__(
        self,
        *,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        type: str | None = None,
        instance: str | None = None,
        errors: Iterable[FieldError] = (),
        error_source: str | None = None,
        traceparent: str | None = None,
        problem: ErrorResponse | None = None,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.instance = instance
        self.errors = tuple(errors)
        self.error_source = error_source
        self.traceparent = traceparent
        self.problem = problem
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.method = method
        self.url = url
        super().__init__(redact(self._describe(), secrets=secrets))

    def _summary(self) -> str:
        """Status, title and detail, e.g. ``404 Not found: The resource ... doesn't exist``."""
        text = str(self.status)
        if self.title:
            text += f" {_short(self.title)}"
        if self.detail:
            text += f": {_short(self.detail)}"
        return text

    def _describe(self) -> str:
        text = self._summary()
        if self.errors:
            shown = "; ".join(
                f"{_short(e.name, 200)}: {_short(e.reason, 200)}"
                for e in self.errors[:MAX_FIELD_ERRORS_IN_MESSAGE]
            )
            more = len(self.errors) - MAX_FIELD_ERRORS_IN_MESSAGE
            text += f" [{shown}{f'; and {more} more' if more > 0 else ''}]"
        where = f"{self.method} {self.url}; " if self.method and self.url else ""
        return f"{text} ({where}traceparent {self.traceparent or 'not sent'})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only __init__: pickle (multiprocessing, task queues) rebuilds from the state.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[ApiError], args: tuple[Any, ...], state: dict[str, Any]) -> ApiError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class BadRequestError(ApiError):
    """400: the request was rejected (bad or unparsable body, missing parameter, ...)."""


class ValidationError(BadRequestError):
    """400 Validation Error: fields of the request broke the API's format rules; see ``errors``."""

    @property
    def pointers(self) -> tuple[str, ...]:
        """The JSON pointers of the rejected fields, e.g. ``("/data/estateSubTypes/trading",)``."""
        return tuple(e.pointer for e in self.errors if e.pointer is not None)


class DuplicatedClassifiedError(BadRequestError):
    """Duplicated Classified: the offererEstateId is already used by another classified.

    ``offerer_estate_id`` is read from the request body when it is available; resolve the
    existing classifiedId with :func:`aviv_caas_auth.problems.duplicates.find_classified_id`.
    """

    def __init__(self, *, offerer_estate_id: str | None = None, **kwargs: Any) -> None:
        self.offerer_estate_id = offerer_estate_id
        super().__init__(**kwargs)


class DuplicatedMediaError(BadRequestError):
    """Duplicated Media: this media URL is already attached."""


class CollidingContactsError(BadRequestError):
    """Colliding Contacts Information: ``data.contact.*`` and ``specific.gsl.contact.*`` were both sent."""


class UnauthorizedError(ApiError):
    """401: the access token is missing, invalid or expired."""


class TokenRejectedError(UnauthorizedError):
    """401 to a freshly issued token: fetching yet another one would not help.

    Raised by a ``create_client`` call when the token obtained after a first 401 is rejected too
    (or when a token was already replaced moments ago): the credentials, environment or
    intermediary do not fit this API. ``who`` names the client, agency and audience.
    """

    def __init__(self, *, who: str | None = None, **kwargs: Any) -> None:
        self.who = who
        super().__init__(**kwargs)

    def _describe(self) -> str:
        whose = f" for {self.who}" if self.who else ""
        return (
            f"AVIV's API rejected a freshly issued access token{whose}: {super()._describe()}. Check that "
            "the environment (production or sandbox) matches the credentials and the base_url, and that "
            "this client may act for this intermediary_id."
        )


class ForbiddenError(ApiError):
    """403: the token lacks a scope this call needs, or the resource is not yours."""


class NotFoundError(ApiError):
    """404: the classified, media or subscription does not exist."""


class PreconditionFailedError(ApiError):
    """412: the ``If-Match`` ETag no longer matches the classified's revision (it changed meanwhile)."""


class RateLimitedError(ApiError):
    """429: too many requests.

    ``retry_after`` is the wait the API asked for, in seconds from when the answer was read
    (from ``Retry-After``, as delay-seconds or an HTTP-date), or None when it did not say.
    """

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)

    def _describe(self) -> str:
        text = super()._describe()
        return text if self.retry_after is None else f"{text}; retry after {self.retry_after:g} s"


class ServerError(ApiError):
    """5xx: the API or a gateway in front of it failed."""


class UnexpectedResponseError(ApiError):
    """An answer the API description does not cover: not JSON, an empty body, the wrong shape.

    Attributes:
        content_type: the answer's Content-Type, if any.
        snippet: the start of its body, whitespace collapsed, secrets masked, truncated.
        reason: what could not be read (e.g. ``JSONDecodeError: Expecting value ...``).

    """

    def __init__(
        self, *, content_type: str | None = None, snippet: str = "", reason: str = "", **kwargs: Any
    ) -> None:
        self.content_type = content_type
        self.snippet = snippet
        self.reason = reason
        super().__init__(**kwargs)

    def _summary(self) -> str:
        kind = self.content_type or "no Content-Type"
        text = f"{self.status} unexpected answer ({kind})"
        if self.reason:
            text += f": {self.reason}"
        return f"{text}; body: {self.snippet!r}" if self.snippet else f"{text}; empty body"


# An unreadable answer whose status has a class of its own is an instance of both, so that
# `except ServerError` also catches a gateway's HTML 502 page.
class UnexpectedBadRequestError(UnexpectedResponseError, BadRequestError):
    """A 400 whose body is not a problem."""


class UnexpectedUnauthorizedError(UnexpectedResponseError, UnauthorizedError):
    """A 401 whose body is not a problem (e.g. a gateway's ``{"message": "Unauthorized"}``)."""


class UnexpectedForbiddenError(UnexpectedResponseError, ForbiddenError):
    """A 403 whose body is not a problem (e.g. a firewall's HTML page)."""


class UnexpectedNotFoundError(UnexpectedResponseError, NotFoundError):
    """A 404 whose body is not a problem."""


class UnexpectedPreconditionFailedError(UnexpectedResponseError, PreconditionFailedError):
    """A 412 whose body is not a problem."""


class UnexpectedRateLimitedError(UnexpectedResponseError, RateLimitedError):
    """A 429 whose body is not a problem; ``retry_after`` is still read from its headers."""


class UnexpectedServerError(UnexpectedResponseError, ServerError):
    """A 5xx whose body is not a problem (e.g. a gateway's HTML 502 page, a 520)."""
