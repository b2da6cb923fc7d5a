"""Publish a classified: create it, or update the one with the same offererEstateId (an upsert).

    result = publish.sync(client, classified)              # waits for CREATED / UPDATED
    result = await publish.asyncio(client, classified, wait=False)
    result.classified_id, result.action, result.status     # "created" | "updated"

AVIV keeps ``offererEstateId`` unique per offerer, and this workflow relies on it, so that two
publishes of one offererEstateId (concurrent ones included, from any process) never make two
classifieds:

1. ``POST /classifieds``. A 202 means created.
2. On Duplicated Classified: find the existing classifiedId with
   ``GET /classifieds?offererEstateId=`` (never by reading the problem's prose), then read it
   (``GET``, for its ``ETag``) and its latest status revision, and ``PUT`` with ``If-Match``.
   A 412 (someone changed it meanwhile) pauses, reads again and retries; a 404 (deleted meanwhile)
   goes back to step 1.
3. A 429 pauses for its ``Retry-After`` and retries. A create that may or may not have reached
   AVIV (a 5xx, a connection lost after sending) is sent again: if it did reach AVIV, the second
   one meets Duplicated Classified and becomes the update of step 2 (the content is then surely
   yours, and the action says "updated").
4. With ``wait`` (the default), the final status of that write
   (:mod:`~aviv_caas_auth.workflows.wait_for_status`): ``CREATED``/``UPDATED``, or
   ``ClassifiedProcessingError`` on ``*_FAILED``, or ``StatusTimeoutError``. In v4,
   ``CREATED_WITH_MEDIA_ERROR``/``UPDATED_WITH_MEDIA_ERROR`` is a success with a warning
   (``result.media_failures`` lists the media AVIV could not process), or with
   ``media_errors="raise"`` a ``MediaProcessingError``.

It works with a v3 or a v4 client alike (in v4, the media are part of the classified sent);
type checkers see the models of the client's own package.

At most ``max_writes`` POSTs and PUTs are sent; then the last error is raised (typed:
``PreconditionFailedError``, ``RateLimitedError``, ``ServerError``, ...). ``timeout`` bounds the
whole publish, pauses, the transport's retries and the wait included. The decisions are one generator
(:func:`publish_flow`); ``sync`` and ``asyncio`` only drive it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload
from uuid import UUID

from aviv_caas_auth.errors import ApiTransportError
from aviv_caas_auth.http.deadline import Deadline
from aviv_caas_auth.problems.errors import (
    DuplicatedClassifiedError,
    NotFoundError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
)
from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_auth.workflows.effects import Call, Flow, Pause, Runner
from aviv_caas_auth.workflows.endpoints import Endpoints
from aviv_caas_auth.workflows.errors import InvalidClassifiedError
from aviv_caas_auth.workflows.lookup import find_flow
from aviv_caas_auth.workflows.media import MediaErrors, MediaFailure, check_media_errors, media_failures
from aviv_caas_auth.workflows.media import media_statuses as statuses_of_media
from aviv_caas_auth.workflows.polling import PollPolicy, timeout_seconds
from aviv_caas_auth.workflows.wait_for_status import DEFAULT_TIMEOUT, wait_flow

if TYPE_CHECKING:
    import aviv_caas_client.models as v3
    import aviv_caas_client_v4.models as v4
    from aviv_caas_auth.apis import ClientV3, ClientV4

    AvivClassified = v3.AvivClassified | v4.AvivClassified

Action = Literal["created", "updated"]
MAX_WRITES = 5
StatusT = TypeVar("StatusT", covariant=True)


@dataclass(frozen=True)
class PublishResult(Generic[StatusT]):
    """What ``publish`` did.

    Attributes:
        classified_id: the classified (new, or the one that had this offererEstateId).
        action: ``"created"`` or ``"updated"``.
        status: its final status (``CREATED`` / ``UPDATED``, in v4 maybe ``*_WITH_MEDIA_ERROR``),
            or None when not waited for: the ``ClassifiedStatusInternal`` of the client's package.
            Type checkers know which: ``publish.sync(client, c)`` (``wait=True``) is a
            ``PublishResult[ClassifiedStatusInternal]``, with ``wait=False`` (or a ``bool``) a
            ``PublishResult[ClassifiedStatusInternal | None]``.
        offerer_estate_id: the offererEstateId it was published under.

    """

    classified_id: UUID
    action: Action
    status: StatusT
    offerer_estate_id: str

    @property
    def media_statuses(self) -> tuple[Any, ...]:
        """What AVIV did with each media (v4's ``mediaStatuses`` of the final status; empty otherwise)."""
        return statuses_of_media(self.status)

    @property
    def media_failures(self) -> tuple[MediaFailure, ...]:
        """The media AVIV could not process (v4; empty when all went well or not waited for)."""
        return media_failures(self.status)


@dataclass(frozen=True)
class Prepared:
    """A classified ready to send: the generated model and its offererEstateId."""

    body: Any
    offerer_estate_id: str


def prepare(endpoints: Endpoints, classified: AvivClassified | Mapping[str, Any]) -> Prepared:
    """``classified`` (a model, or its JSON as a dict) as the model to send, with its offererEstateId.

    Raises InvalidClassifiedError (a ValueError) when it is not a classified, holds an enum value
    the API does not list, or has no offererEstateId.
    """
    model = endpoints.body_model("create_classified")
    if isinstance(classified, Mapping):
        try:
            body = model.from_dict(classified)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidClassifiedError(
                f"the classified is not a valid {model.__name__} ({type(error).__name__}: {error}); "
                "check it with aviv_caas_auth.validation.validate(classified)"
            ) from error
    elif isinstance(classified, model):
        body = classified
    else:
        raise InvalidClassifiedError(
            f"publish takes a {model.__name__} (or its JSON as a dict), not {type(classified).__name__}"
        )
    try:
        document = body.to_dict()
    except ValueError as error:  # the generated InvalidEnumValueError: a value the API does not list
        raise InvalidClassifiedError(f"the classified cannot be sent: {error}") from error
    offerer_estate_id: Any = document
    for key in ("data", "metaData", "source", "offererEstateId"):
        offerer_estate_id = offerer_estate_id.get(key) if isinstance(offerer_estate_id, Mapping) else None
    if not isinstance(offerer_estate_id, str) or not offerer_estate_id:
        raise InvalidClassifiedError(
            "the classified has no data.metaData.source.offererEstateId: publish needs it to find the "
            "classified to update (AVIV keeps it unique per offerer)"
        )
    return Prepared(body, offerer_estate_id)


def publish_flow(
    prepared: Prepared,
    *,
    wait: bool,
    timeout: float,
    poll: PollPolicy,
    max_writes: int = MAX_WRITES,
    media_errors: MediaErrors = "warn",
    classified_id: UUID | None = None,
) -> Flow[PublishResult[Any]]:
    """The upsert (see the module's docstring), as effects.

    ``classified_id``: the classified known to hold this offererEstateId (a sync plan read it), so
    the update starts at step 2 with no POST; if it was deleted meanwhile, step 1 creates it.
    """
    deadline = Deadline.after(timeout, poll.clock)
    yield deadline  # the runner makes every call and wait within it
    intervals = poll.intervals()
    writes = 0
    after_revision: int | None = None
    last_error: Exception | None = None

    def pause_for(error: RateLimitedError) -> Pause:
        asked = poll.rate_limit_wait if error.retry_after is None else error.retry_after
        if not deadline.allows(asked):
            raise error  # waiting would outlast the timeout
        return Pause(asked, rate_limited=True)

    while True:
        if writes >= max_writes:
            assert last_error is not None
            raise last_error
        if classified_id is None:
            writes += 1
            try:
                accepted = unwrap((yield Call("create_classified", kwargs={"body": prepared.body})))
            except DuplicatedClassifiedError as error:
                last_error = error
                classified_id = yield from find_flow(prepared.offerer_estate_id)
                if classified_id is None:  # listed nowhere yet (or deleted since): try again shortly
                    yield Pause(next(intervals))
                continue
            except RateLimitedError as error:
                last_error = error
                yield pause_for(error)
                continue
            except ServerError as error:  # it may have been created: a second POST will tell
                last_error = error
                yield Pause(next(intervals))
                continue
            except ApiTransportError as error:
                if not error.request_sent:  # the transport already retried what never left
                    raise
                last_error = error
                continue
            action: Action = "created"
            classified_id = UUID(str(accepted.classified_id))
            break
        try:
            read = yield Call("get_classified", (classified_id,))
            unwrap(read)
            statuses = unwrap(
                (yield Call("get_classified_statuses", (str(classified_id),), {"filter_": "latest"}))
            )
        except NotFoundError as error:  # deleted meanwhile: its offererEstateId is free again
            last_error, classified_id = error, None
            continue
        after_revision = max((item.revision for item in statuses.items), default=None)
        etag = read.headers.get("etag")
        writes += 1
        try:
            update = {"body": prepared.body, **({"if_match": etag} if etag else {})}
            unwrap((yield Call("update_classified", (classified_id,), update)))
        except PreconditionFailedError as error:  # changed since we read it: read again, a bit later
            last_error = error
            yield Pause(next(intervals))
            continue
        except NotFoundError as error:
            last_error, classified_id = error, None
            continue
        except RateLimitedError as error:
            last_error = error
            yield pause_for(error)
            continue
        action = "updated"
        break
    status = None
    if wait:
        status = yield from wait_flow(
            classified_id,
            timeout=timeout,
            poll=poll,
            after_revision=after_revision,
            deadline=deadline,
            media_errors=media_errors,
        )
    return PublishResult(classified_id, action, status, prepared.offerer_estate_id)


@overload
def sync(
    client: ClientV3,
    classified: v3.AvivClassified | Mapping[str, Any],
    *,
    wait: Literal[True] = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
) -> PublishResult[v3.ClassifiedStatusInternal]: ...


@overload
def sync(
    client: ClientV3,
    classified: v3.AvivClassified | Mapping[str, Any],
    *,
    wait: bool,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
) -> PublishResult[v3.ClassifiedStatusInternal | None]: ...


@overload
def sync(
    client: ClientV4,
    classified: v4.AvivClassified | Mapping[str, Any],
    *,
    wait: Literal[True] = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
) -> PublishResult[v4.ClassifiedStatusInternal]: ...


@overload
def sync(
    client: ClientV4,
    classified: v4.AvivClassified | Mapping[str, Any],
    *,
    wait: bool,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
) -> PublishResult[v4.ClassifiedStatusInternal | None]: ...


def sync(
    client: Any,
    classified: AvivClassified | Mapping[str, Any],
    *,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    poll: PollPolicy | None = None,
    max_writes: int = MAX_WRITES,
    media_errors: MediaErrors = "warn",
) -> PublishResult[Any]:
    """Create or update ``classified`` by its offererEstateId (see the module's docstring)."""
    runner = Runner(client, poll=poll)
    flow = start(
        runner, classified, wait=wait, timeout=timeout, max_writes=max_writes, media_errors=media_errors
    )
    return runner.run(flow)


@overload
async def asyncio(
    client: ClientV3,
    classified: v3.AvivClassified | Mapping[str, Any],
    *,
    wait: Literal[True] = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
) -> PublishResult[v3.ClassifiedStatusInternal]: ...


@overload
async def asyncio(
    client: ClientV3,
    classified: v3.AvivClassified | Mapping[str, Any],
    *,
    wait: bool,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
) -> PublishResult[v3.ClassifiedStatusInternal | None]: ...


@overload
async def asyncio(
    client: ClientV4,
    classified: v4.AvivClassified | Mapping[str, Any],
    *,
    wait: Literal[True] = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
) -> PublishResult[v4.ClassifiedStatusInternal]: ...


@overload
async def asyncio(
    client: ClientV4,
    classified: v4.AvivClassified | Mapping[str, Any],
    *,
    wait: bool,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
) -> PublishResult[v4.ClassifiedStatusInternal | None]: ...


async def asyncio(
    client: Any,
    classified: AvivClassified | Mapping[str, Any],
    *,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    poll: PollPolicy | None = None,
    max_writes: int = MAX_WRITES,
    media_errors: MediaErrors = "warn",
) -> PublishResult[Any]:
    """Async :func:`sync`."""
    runner = Runner(client, poll=poll)
    flow = start(
        runner, classified, wait=wait, timeout=timeout, max_writes=max_writes, media_errors=media_errors
    )
    return await runner.arun(flow)


def start(
    runner: Runner,
    classified: AvivClassified | Mapping[str, Any] | Prepared,
    *,
    wait: bool,
    timeout: float,
    max_writes: int,
    media_errors: MediaErrors = "warn",
    classified_id: UUID | None = None,
) -> Flow[PublishResult[Any]]:
    """The flow publishing ``classified`` with ``runner`` (arguments checked before anything is sent).

    ``classified_id``: the classified known to hold its offererEstateId (see :func:`publish_flow`).
    """
    if isinstance(max_writes, bool) or not isinstance(max_writes, int) or max_writes < 1:
        raise ValueError(f"max_writes must be a whole number >= 1, got {max_writes!r}")
    seconds = timeout_seconds(timeout)
    check_media_errors(media_errors)
    prepared = classified if isinstance(classified, Prepared) else prepare(runner.endpoints, classified)
    return publish_flow(
        prepared,
        wait=wait,
        timeout=seconds,
        poll=runner.poll,
        max_writes=max_writes,
        media_errors=media_errors,
        classified_id=classified_id,
    )
