"""One call from a generated ``*_detailed`` answer to the typed success model, or a typed error.

    classified = unwrap(get_classified.sync_detailed(classified_id, client=client))
    classified = unwrap(await get_classified.asyncio_detailed(classified_id, client=client))

It takes the answers of every API version (``aviv_caas_client`` for v3, ``aviv_caas_client_v4``
for v4) and type checkers see the model of the package the answer came from.
:func:`unwrap` does no I/O, so the same function serves the sync and the async calls.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from aviv_caas_auth.errors import ArgumentTypeError
from aviv_caas_auth.problems.classify import Clock, error_from_response, is_problem, is_unexpected

if TYPE_CHECKING:
    import aviv_caas_client.models
    import aviv_caas_client.types
    import aviv_caas_client_v4.models
    import aviv_caas_client_v4.types

T = TypeVar("T")


@overload
def unwrap(
    response: aviv_caas_client.types.Response[
        T | aviv_caas_client.models.ErrorResponse | aviv_caas_client.types.UnexpectedResponse
    ],
    *,
    clock: Clock = ...,
) -> T: ...


@overload
def unwrap(
    response: aviv_caas_client_v4.types.Response[
        T | aviv_caas_client_v4.models.ErrorResponse | aviv_caas_client_v4.types.UnexpectedResponse
    ],
    *,
    clock: Clock = ...,
) -> T: ...


def unwrap(response: Any, *, clock: Clock = time.time) -> Any:
    """The parsed success model of ``response``; raise its typed error for anything else.

    Raises:
        aviv_caas_auth.problems.errors.ApiError: the subclass for the problem (ValidationError,
            DuplicatedClassifiedError, NotFoundError, RateLimitedError, ServerError, ...), or an
            UnexpectedResponseError when the answer is not one the API describes (HTML page,
            empty or malformed body, undocumented status).

    """
    try:
        parsed = response.parsed
        status = int(response.status_code)
    except AttributeError:
        raise _not_a_response(response) from None
    if is_problem(parsed) or is_unexpected(parsed) or status >= 300:
        raise error_from_response(response, clock=clock)
    # None only for a success the API documents without a body.
    return cast(Any, parsed)


def _not_a_response(value: object) -> ArgumentTypeError:
    """The error for ``unwrap(value)`` when ``value`` is not what a ``*_detailed`` function returns."""
    what = type(value).__name__
    if what == "coroutine":
        value.close()  # type: ignore[attr-defined]  # never awaited: no "was never awaited" warning
        advice = "await it first: unwrap(await endpoint.asyncio_detailed(...))"
    else:
        advice = (
            "call sync_detailed (or asyncio_detailed) instead of sync (or asyncio): their Response "
            "carries the status and the problem that unwrap turns into a typed error, which the bare "
            "parsed value has lost"
        )
    return ArgumentTypeError(
        f"unwrap takes the Response of an endpoint's sync_detailed(...) or asyncio_detailed(...), "
        f"not {what}; {advice}"
    )
