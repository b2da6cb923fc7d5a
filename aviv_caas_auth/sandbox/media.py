"""Media inside the classified (CaaS v4): compared by URL, processed, reported in the final status.

When the spec's ``AvivClassified`` has a ``media`` array (v4), each create or update is followed by
AVIV's media processing, as AVIV describes it: a URL the classified did not have is downloaded
(``CREATED``), a URL it had is not downloaded again (``UPDATED``), a URL no longer listed is
dropped, and the order of the array is the display order. The sandbox cannot download anything;
a media fails (``DOWNLOADING_FAILED``) when its host is under the reserved ``.invalid`` domain
(RFC 2606), e.g. ``https://photos.example.invalid/1.jpg``, or when a knob names its URL::

    sb.processing.fail_media("https://cdn.example.com/broken.jpg")                  # DOWNLOADING_FAILED
    sb.processing.fail_media("https://cdn.example.com/x.jpg", status="CREATING_FAILED")

The final status of the write lists every media in ``mediaStatuses``, and when some failed it is
``CREATED_WITH_MEDIA_ERROR`` / ``UPDATED_WITH_MEDIA_ERROR`` (when the spec lists those values)
instead of ``CREATED`` / ``UPDATED``. A write that fails as a whole (``*_FAILED``) reports no media.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aviv_caas_auth.sandbox.spec import ApiSpec, pointer

if TYPE_CHECKING:
    from aviv_caas_auth.sandbox.state import Step

CLASSIFIED_STATUSES = pointer("components", "schemas", "ClassifiedStatus", "properties", "status", "enum")
UNREACHABLE_DOMAIN = ".invalid"
WITH_MEDIA_ERROR = "_WITH_MEDIA_ERROR"

MediaStatus = dict[str, str]
"""One ``mediaStatuses`` item: ``{"url": ..., "status": ...}``."""


def _urls(body: Mapping[str, Any] | None) -> list[str]:
    media = (body or {}).get("media")
    if not isinstance(media, list):
        return []
    return [str(item.get("url")) for item in media if isinstance(item, Mapping)]


class InlineMedia:
    """The media rules of a spec whose classifieds carry their media (v4)."""

    def __init__(self, classified_statuses: Collection[str], failure: Callable[[str], str | None]) -> None:
        self._classified_statuses = frozenset(classified_statuses)
        self._failure = failure

    @classmethod
    def of(cls, spec: ApiSpec, failure: Callable[[str], str | None]) -> InlineMedia | None:
        """The rules for ``spec``, or None when its classifieds have no ``media`` (v3)."""
        if not spec.has_property("AvivClassified", "media"):
            return None
        return cls(spec.enum_at(CLASSIFIED_STATUSES), failure)

    def outcomes(
        self, old: Mapping[str, Any] | None, new: Mapping[str, Any]
    ) -> tuple[MediaStatus, ...] | None:
        """Each media of ``new`` and what processing it came to (None when ``new`` sends no ``media``)."""
        if not isinstance(new.get("media"), list):
            return None
        known = set(_urls(old))
        return tuple({"url": url, "status": self._status(url, url in known)} for url in _urls(new))

    def _status(self, url: str, known: bool) -> str:
        forced = self._failure(url)
        if forced is not None:
            return forced
        if (urlsplit(url).hostname or "").endswith(UNREACHABLE_DOMAIN):
            return "DOWNLOADING_FAILED"
        return "UPDATED" if known else "CREATED"

    def final_step(self, step: Step, outcomes: tuple[MediaStatus, ...]) -> Step:
        """The last status of a write, made ``*_WITH_MEDIA_ERROR`` when some media failed."""
        failed = sum(1 for outcome in outcomes if outcome["status"].endswith("_FAILED"))
        status, sub_status, message = step
        with_error = status + WITH_MEDIA_ERROR
        if not failed or with_error not in self._classified_statuses:
            return step
        media = f"{failed} media" if failed > 1 else "1 media"
        return (with_error, sub_status, f"{message}, but {media} could not be processed (see mediaStatuses)")
