"""What AVIV did with a classified's media (CaaS v4): its status's ``mediaStatuses``, and the failures.

In v4 the media travel inside the classified (``media``: url, mediaType, category, tags, title;
display order = array order). AVIV compares them by URL: a URL it already has is not downloaded
again (change the URL, e.g. add ``?v=<timestamp>``, to make it fetch a new image), a URL gone from
the list is removed. Each media's outcome is reported in the classified's status
(``mediaStatuses``: ``CREATED``, ``UPDATED``, ``CREATING_FAILED``, ``DOWNLOADING_FAILED``). When
some failed, processing still ends, in ``CREATED_WITH_MEDIA_ERROR`` or ``UPDATED_WITH_MEDIA_ERROR``:
the classified is published, without those media.

aviv-caas treats those statuses as final successes with a warning (``media_errors="warn"``, the
default) or, with ``media_errors="raise"``, as a
:class:`~aviv_caas_auth.workflows.errors.MediaProcessingError`. v3 statuses have no media
statuses: v3 reports media on their own endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

MediaErrors = Literal["warn", "raise"]
"""What a workflow does when a classified ends with media errors: log a warning, or raise."""

MEDIA_ERRORS = ("warn", "raise")
WITH_MEDIA_ERROR = "_WITH_MEDIA_ERROR"
NEEDS_CUSTOMER_CARE = frozenset({"DOWNLOADING_FAILED"})
"""Media statuses that re-sending does not cure: AVIV's customer care must reprocess the media."""


@dataclass(frozen=True)
class MediaFailure:
    """One media AVIV could not process: its URL and its media status (e.g. ``DOWNLOADING_FAILED``)."""

    url: str
    status: str

    @property
    def needs_customer_care(self) -> bool:
        """Whether only AVIV's customer care can reprocess it (after its URL works again)."""
        return self.status in NEEDS_CUSTOMER_CARE

    def advice(self) -> str:
        """What to do about it."""
        if self.needs_customer_care:
            return "make the URL reachable, then ask AVIV's customer care to reprocess it"
        return "fix the media (or its URL) and publish the classified again"

    def __str__(self) -> str:
        return f"{self.url} ({self.status}: {self.advice()})"


def media_statuses(status: Any) -> tuple[Any, ...]:
    """The ``mediaStatuses`` of a classified status (empty when it has none, e.g. every v3 status)."""
    found = getattr(status, "media_statuses", None)
    return tuple(found) if isinstance(found, list) else ()


def media_failures(status: Any) -> tuple[MediaFailure, ...]:
    """The media of ``status`` whose processing failed (any media status ending in ``_FAILED``)."""
    return tuple(
        MediaFailure(str(item.url), str(item.status))
        for item in media_statuses(status)
        if str(item.status).endswith("_FAILED")
    )


def has_media_errors(status: Any) -> bool:
    """Whether a final status reports media errors (``*_WITH_MEDIA_ERROR``, or failed media statuses)."""
    return str(getattr(status, "status", "")).endswith(WITH_MEDIA_ERROR) or bool(media_failures(status))


def check_media_errors(value: object) -> MediaErrors:
    """``value`` if it is a valid ``media_errors`` choice; a ValueError saying the choices otherwise."""
    if value not in MEDIA_ERRORS:
        raise ValueError(f"media_errors must be 'warn' or 'raise', not {value!r}")
    return value  # type: ignore[return-value]
