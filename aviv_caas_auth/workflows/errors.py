"""The errors of the workflows: a classified (or its media) AVIV could not process, a timeout, a bad body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from aviv_caas_auth.errors import CaasError, ConfigurationError

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


class FrozenSandboxClockError(ConfigurationError):
    """A workflow was about to wait in real time for a local sandbox whose clock stands still.

    The sandbox runs on a ``ManualClock`` (``Sandbox.start(clock=ManualClock())``, the
    ``caas_sandbox`` fixture): its statuses progress only when that clock is advanced, and real
    sleeps do not advance it, so the wait could only end in ``StatusTimeoutError`` after the whole
    ``timeout``. Raised at once instead, saying what to pass.
    """

    def __init__(self, waiting_for: str) -> None:
        self.waiting_for = waiting_for
        super().__init__(
            f"waiting for {waiting_for} in real time, but the local sandbox's clock is a ManualClock, "
            "which stands still unless advanced: its statuses would never move. Pass "
            "poll=sandbox.poll_policy() (poll=caas_sandbox.poll_policy() with the pytest fixture): its "
            "waits advance the sandbox's clock. Or start the sandbox on real time: Sandbox.start() "
            "without clock=ManualClock()."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.waiting_for,))


class StatusTimeoutError(CaasError, TimeoutError):
    """The classified had no final status (``CREATED``, ``UPDATED``, ``DELETED``, ``*_FAILED``...) in time.

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


class MediaProcessingError(CaasError):
    """AVIV published the classified but could not process some of its media (v4, ``media_errors="raise"``).

    The final status is ``CREATED_WITH_MEDIA_ERROR`` or ``UPDATED_WITH_MEDIA_ERROR``: the classified
    is online, without the failed media.

    Attributes:
        classified_id: the classified.
        status: its final status (``status.media_statuses`` lists every media's outcome).
        failures: the media that failed (:class:`~aviv_caas_auth.workflows.media.MediaFailure`:
            url, status, ``needs_customer_care``).

    """

    def __init__(
        self, classified_id: UUID, status: ClassifiedStatusInternal | Any, failures: tuple[Any, ...]
    ) -> None:
        self.classified_id = classified_id
        self.status = status
        self.failures = failures
        listed = "; ".join(str(failure) for failure in failures[:5]) or "no media status says which"
        more = f" (+{len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(
            f"classified {classified_id} was published without some of its media: "
            f"{describe_status(status)}. Media: {listed}{more}."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.classified_id, self.status, self.failures))


class InvalidClassifiedError(CaasError, ValueError):
    """A classified given to a workflow cannot be sent (not a classified, or no offererEstateId)."""
