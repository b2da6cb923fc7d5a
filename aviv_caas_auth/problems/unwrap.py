"""One call from a generated ``*_detailed`` answer to the typed success model, or a typed error.

    classified = unwrap(get_classified.sync_detailed(classified_id, client=client))
    classified = unwrap(await get_classified.asyncio_detailed(classified_id, client=client))

:func:`unwrap` does no I/O, so the same function serves the sync and the async calls.
"""

from __future__ import annotations

import time
from typing import TypeVar, cast

from aviv_caas_auth.problems.classify import Clock, error_from_response
from aviv_caas_client.models import ErrorResponse
from aviv_caas_client.types import Response, UnexpectedResponse

T = TypeVar("T")


def unwrap(response: Response[T | ErrorResponse | UnexpectedResponse], *, clock: Clock = time.time) -> T:
    """The parsed success model of ``response``; raise its typed error for anything else.

    Raises:
        aviv_caas_auth.problems.errors.ApiError: the subclass for the problem (ValidationError,
            DuplicatedClassifiedError, NotFoundError, RateLimitedError, ServerError, ...), or an
            UnexpectedResponseError when the answer is not one the API describes (HTML page,
            empty or malformed body, undocumented status).

    """
    parsed = response.parsed
    status = int(response.status_code)
    if isinstance(parsed, ErrorResponse | UnexpectedResponse) or status >= 300:
        raise error_from_response(response, clock=clock)
    # None only for a success the API documents without a body.
    return cast(T, parsed)
