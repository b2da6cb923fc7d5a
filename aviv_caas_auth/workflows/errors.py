"""The errors of the workflows: a classified AVIV could not process, a wait that ran out, a bad body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from aviv_caas_auth.errors import CaasError

if TYPE_CHECKING:
    from aviv_caas_client.models import ClassifiedStatusInternal


def describe_status(status: ClassifiedStatusInternal | Any) -> str:
    """``CREATING_FAILED (revision 2): <message>``: a status as messages show it."""
    text = str(status.status)
    sub_status = getattr(status, "sub_status", None)
    if isinstance(sub_status, str) and sub_status:
        text += f"/{sub_status}"
    revision = getattr(status, "revision", None)
    if isinstance(revision, int):
        text += f" (revision {revision})"
    message = str(getattr(status, "message", "") or "")
    return f"{text}: {message[:300]}" if message else text


class ClassifiedProcessingError(CaasError):
    """AVIV accepted the request (202) but failed to process it: a ``*_FAILED`` status.

    Attributes:
        classified_id: the classified.
        status: the failed status, as the statuses endpoint returned it (``status.status`` is
            e.g. ``CREATING_FAILED``, ``status.sub_status`` e.g. ``RECEIVING_FAILED_POST``).
        message: AVIV's explanation (``status.message``).

    """

    def __init__(self, classified_id: UUID, status: ClassifiedStatusInternal | Any) -> None:
        self.classified_id = classified_id
        self.status = status
        self.message = str(getattr(status, "message", "") or "")
        super().__init__(
            f"AVIV could not process classified {classified_id}: {describe_status(status)}. "
            "Fix what the message names and publish again; AVIV's support needs the classifiedId."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.classified_id, self.status))


class StatusTimeoutError(CaasError, TimeoutError):
    """The classified had no final status (``CREATED``, ``UPDATED``, ``DELETED`` or ``*_FAILED``) in time.

    The request was accepted and may still be processed: wait again, or check later.

    Attributes:
        classified_id: the classified.
        timeout: how long was waited, in seconds.
        last_status: the last status read (None if none was read).
        last_error: the error of the last poll, if it failed (e.g. a ``RateLimitedError``).

    """

    def __init__(
        self,
        classified_id: UUID,
        timeout: float,
        last_status: ClassifiedStatusInternal | Any | None = None,
        last_error: BaseException | None = None,
    ) -> None:
        self.classified_id = classified_id
        self.timeout = timeout
        self.last_status = last_status
        self.last_error = last_error
        seen = describe_status(last_status) if last_status is not None else "no status yet"
        failed = f"; the last poll failed: {type(last_error).__name__}: {last_error}" if last_error else ""
        super().__init__(
            f"classified {classified_id} had no final status after {timeout:g} s (last: {seen}){failed}. "
            "It was accepted and may still be processed: wait again (wait_for_status) or check later."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.classified_id, self.timeout, self.last_status, self.last_error))


class InvalidClassifiedError(CaasError, ValueError):
    """A classified given to a workflow cannot be sent (not a classified, or no offererEstateId)."""
