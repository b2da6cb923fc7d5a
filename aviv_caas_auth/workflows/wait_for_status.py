"""Wait until AVIV has processed a classified: its final status, or a typed error.

    status = wait_for_status.sync(client, classified_id, timeout=300)
    status = await wait_for_status.asyncio(client, classified_id, timeout=300)

Every write is asynchronous at AVIV (POST, PUT, PATCH and DELETE answer 202); the classified's
statuses then move on. This workflow polls ``GET /classifieds/{id}/statuses?filter=latest`` and
reads the latest status as a state machine (v3 and v4 alike)::

    RECEIVING ─► RECEIVED ─► CREATING ─► CREATED                    done: returned
        │                        ├─────► CREATED_WITH_MEDIA_ERROR   done (v4), see below
        │                        └─────► CREATING_FAILED            failed: ClassifiedProcessingError
        └─────► RECEIVING_FAILED                                    failed: ClassifiedProcessingError
    (a PUT or PATCH goes through UPDATING to UPDATED, UPDATED_WITH_MEDIA_ERROR or UPDATING_FAILED,
    a DELETE through DELETING to DELETED or DELETING_FAILED)

- **done** — ``CREATED``, ``UPDATED`` or ``DELETED``: the status is returned.
- **done with media errors** (v4) — ``CREATED_WITH_MEDIA_ERROR``, ``UPDATED_WITH_MEDIA_ERROR``
  (or a final status whose ``mediaStatuses`` list failed media): the classified *is* published,
  without the media AVIV could not process, and its processing is over (polling again would not
  change it). So it is a final success: the status is returned (its ``media_statuses`` say which
  media failed; :func:`~aviv_caas_auth.workflows.media.media_failures` lists them) and a warning
  names the failed media on the ``aviv_caas_auth`` logger. With ``media_errors="raise"`` it is a
  :class:`~aviv_caas_auth.workflows.errors.MediaProcessingError` instead.
- **failed** — any status ending in ``_FAILED`` (including ones this client does not know yet):
  :class:`~aviv_caas_auth.workflows.errors.ClassifiedProcessingError`, carrying the status and
  AVIV's message.
- **pending** — anything else (``RECEIVING``, ``RECEIVED``, ``*ING``, an unknown status), no status
  yet, or a status of a revision not newer than ``after_revision``: poll again.

``after_revision`` waits for the outcome of a later write: after a PUT that replaced revision 3,
pass 3 and the ``CREATED`` of revision 1 (or an ``UPDATED`` of 3) is not mistaken for it.

Polls are spaced by the :class:`~aviv_caas_auth.workflows.polling.PollPolicy` (0.5 s, then 1.5x
longer each time, up to 10 s, jittered). A 429 (after the transport's own retries) waits at least
its ``Retry-After``; a 5xx or a network failure is polled through. When ``timeout`` seconds have
passed, a last poll is made and, if the status is still not final,
:class:`~aviv_caas_auth.workflows.errors.StatusTimeoutError` is raised (carrying the last status
and the last poll's error); so is a ``Retry-After`` that reaches past the timeout. The timeout
bounds the transport's own retries too: none waits past it (the 429 comes back at once).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload
from uuid import UUID

from aviv_caas_auth.errors import ApiTransportError
from aviv_caas_auth.http.deadline import Deadline
from aviv_caas_auth.problems.errors import RateLimitedError, ServerError
from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_auth.workflows.effects import Call, Flow, Pause, Runner
from aviv_caas_auth.workflows.errors import (
    ClassifiedProcessingError,
    MediaProcessingError,
    StatusTimeoutError,
    describe_status,
)
from aviv_caas_auth.workflows.media import (
    WITH_MEDIA_ERROR,
    MediaErrors,
    check_media_errors,
    has_media_errors,
    media_failures,
)
from aviv_caas_auth.workflows.polling import PollPolicy, timeout_seconds

if TYPE_CHECKING:
    import aviv_caas_client.models
    import aviv_caas_client_v4.models
    from aviv_caas_auth.apis import ClientV3, ClientV4

    ClassifiedStatusInternal = (
        aviv_caas_client.models.ClassifiedStatusInternal | aviv_caas_client_v4.models.ClassifiedStatusInternal
    )

_log = logging.getLogger("aviv_caas_auth")

DONE = frozenset({"CREATED", "UPDATED", "DELETED"})
"""Statuses that end processing successfully."""

DEFAULT_TIMEOUT = 300.0

State = Literal["done", "failed", "pending"]


def state_of(status: str) -> State:
    """Where a status stands in the state machine above (``*_WITH_MEDIA_ERROR`` is done)."""
    if status in DONE or status.endswith(WITH_MEDIA_ERROR):
        return "done"
    if status.endswith("_FAILED"):
        return "failed"
    return "pending"


def latest_status(items: Sequence[Any], after_revision: int | None = None) -> Any | None:
    """The most recent status of ``items`` (the last of the latest date), if newer than ``after_revision``."""
    if not items:
        return None
    latest = max(reversed(items), key=lambda item: item.status_date)  # ties: the last listed
    if after_revision is not None and latest.revision <= after_revision:
        return None
    return latest


def wait_flow(
    classified_id: UUID | str,
    *,
    timeout: float,
    poll: PollPolicy,
    after_revision: int | None = None,
    deadline: Deadline | None = None,
    media_errors: MediaErrors = "warn",
    final: frozenset[str] | None = None,
) -> Flow[ClassifiedStatusInternal]:
    """The polling state machine (see the module's docstring); ``deadline`` overrides ``timeout``.

    ``final``: the done statuses awaited (e.g. ``{"DELETED"}`` after a DELETE, whose statuses keep
    the revision of the last write); another done status is then still pending.
    """
    identifier = UUID(str(classified_id))
    check_media_errors(media_errors)
    if deadline is None:
        deadline = Deadline.after(timeout, poll.clock)
    yield deadline  # the runner makes every call and wait within it
    intervals = poll.intervals()
    last_status: Any | None = None
    while True:
        last_error: Exception | None = None
        rate_limited = False
        try:
            response = yield Call("get_classified_statuses", (str(identifier),), {"filter_": "latest"})
            status = latest_status(unwrap(response).items, after_revision)
            wait = next(intervals)
            if status is not None:
                last_status = status
                state = state_of(str(status.status))
                if state == "done" and final is not None and str(status.status) not in final:
                    state = "pending"
                if state == "done":
                    if has_media_errors(status):
                        media_errors_found(identifier, status, media_errors)
                    return status  # type: ignore[no-any-return]
                if state == "failed":
                    raise ClassifiedProcessingError(identifier, status)
        except RateLimitedError as error:
            last_error, rate_limited = error, True
            asked = poll.rate_limit_wait if error.retry_after is None else error.retry_after
            wait = max(next(intervals), asked)
        except (ServerError, ApiTransportError) as error:
            last_error, wait = error, next(intervals)
        remaining = deadline.remaining()
        if remaining <= 0 or (rate_limited and wait > remaining):
            raise StatusTimeoutError(identifier, timeout, last_status, last_error)
        latest = f"latest: {describe_status(last_status)}" if last_status is not None else "no status yet"
        waiting_for = None if last_error is not None else f"classified {identifier}'s final status ({latest})"
        yield Pause(min(wait, remaining), rate_limited=rate_limited, waiting_for=waiting_for)


def media_errors_found(classified_id: UUID, status: Any, media_errors: MediaErrors) -> None:
    """Raise MediaProcessingError (``"raise"``) or log a warning naming the failed media (``"warn"``)."""
    failures = media_failures(status)
    if media_errors == "raise":
        raise MediaProcessingError(classified_id, status, failures)
    _log.warning(
        "classified %s was published without some of its media: %s. Media: %s",
        classified_id,
        describe_status(status),
        "; ".join(map(str, failures)) or "no media status says which",
    )


@overload
def sync(
    client: ClientV3,
    classified_id: UUID | str,
    *,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    after_revision: int | None = ...,
    media_errors: MediaErrors = ...,
) -> aviv_caas_client.models.ClassifiedStatusInternal: ...


@overload
def sync(
    client: ClientV4,
    classified_id: UUID | str,
    *,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    after_revision: int | None = ...,
    media_errors: MediaErrors = ...,
) -> aviv_caas_client_v4.models.ClassifiedStatusInternal: ...


def sync(
    client: Any,
    classified_id: UUID | str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll: PollPolicy | None = None,
    after_revision: int | None = None,
    media_errors: MediaErrors = "warn",
) -> ClassifiedStatusInternal:
    """The classified's final status; raises ClassifiedProcessingError or StatusTimeoutError (see above).

    The status is the model of the client's own package (v3's or v4's ``ClassifiedStatusInternal``).
    """
    runner = Runner(client, poll=poll)
    seconds = timeout_seconds(timeout)
    return runner.run(
        wait_flow(
            classified_id,
            timeout=seconds,
            poll=runner.poll,
            after_revision=after_revision,
            media_errors=media_errors,
        )
    )


@overload
async def asyncio(
    client: ClientV3,
    classified_id: UUID | str,
    *,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    after_revision: int | None = ...,
    media_errors: MediaErrors = ...,
) -> aviv_caas_client.models.ClassifiedStatusInternal: ...


@overload
async def asyncio(
    client: ClientV4,
    classified_id: UUID | str,
    *,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    after_revision: int | None = ...,
    media_errors: MediaErrors = ...,
) -> aviv_caas_client_v4.models.ClassifiedStatusInternal: ...


async def asyncio(
    client: Any,
    classified_id: UUID | str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll: PollPolicy | None = None,
    after_revision: int | None = None,
    media_errors: MediaErrors = "warn",
) -> ClassifiedStatusInternal:
    """Async :func:`sync`."""
    runner = Runner(client, poll=poll)
    seconds = timeout_seconds(timeout)
    return await runner.arun(
        wait_flow(
            classified_id,
            timeout=seconds,
            poll=runner.poll,
            after_revision=after_revision,
            media_errors=media_errors,
        )
    )
