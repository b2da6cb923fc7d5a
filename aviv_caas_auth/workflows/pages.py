"""Paging through ``GET /classifieds``: which page to ask for next, and when to stop. No I/O.

AVIV pages with ``limit`` (default 250) and an opaque ``nextToken``; the last page has none. A
server that hands out a token it gave before would make a naive loop run forever: the pager stops
there and says so (``looped``). With a ``timeout``, the listing has a deadline from its first
page on: its calls are made within it (no retry waits past it) and no page is asked for after it.
"""

from __future__ import annotations

from typing import Any

from aviv_caas_auth.clock import SYSTEM_CLOCK, Clock
from aviv_caas_auth.errors import CaasError
from aviv_caas_auth.http.deadline import Deadline
from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_auth.workflows.effects import Call, Flow
from aviv_caas_auth.workflows.polling import timeout_seconds


class PaginationError(CaasError):
    """The API repeated a ``nextToken``: following it would loop, so the listing stopped there."""


class ListingTimeoutError(CaasError, TimeoutError):
    """The listing's ``timeout`` passed before its last page: the pages read so far were yielded.

    Attributes:
        timeout: the listing's timeout, in seconds.
        pages: how many pages were read.

    """

    def __init__(self, timeout: float, pages: int) -> None:
        self.timeout = timeout
        self.pages = pages
        super().__init__(
            f"the listing's timeout of {timeout:g} s passed after {pages} page{'s' if pages != 1 else ''}, "
            "before its last one: list again with a longer timeout (or none), or filter it "
            "(offerer_estate_id=...)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.timeout, self.pages))


class Pager:
    """The paging state of one listing."""

    def __init__(
        self,
        page_size: int | None = None,
        *,
        offerer_estate_id: str | None = None,
        max_pages: int | None = None,
        timeout: float | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if page_size is not None and (
            isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1
        ):
            raise ValueError(
                f"page_size must be a whole number >= 1 (or None for AVIV's default), got {page_size!r}"
            )
        if max_pages is not None and max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {max_pages}")
        self.timeout = None if timeout is None else timeout_seconds(timeout)
        self.clock = clock
        self.deadline: Deadline | None = None
        """The listing's deadline, from its first page on (None: no timeout)."""
        self.page_size = page_size
        self.offerer_estate_id = offerer_estate_id
        self.pages_left = max_pages
        self.pages = 0
        self.looped = False
        self._next: str | None = ""  # "": the first page; None: done
        self._seen: set[str] = set()

    def next_request(self) -> dict[str, Any] | None:
        """Keyword arguments of ``get_classifieds`` for the next page, or None when the listing is over.

        Raises ListingTimeoutError when the listing's timeout has passed.
        """
        if self._next is None:
            return None
        if self.timeout is not None:
            if self.deadline is None:
                self.deadline = Deadline.after(self.timeout, self.clock)
            elif self.deadline.remaining() <= 0:
                raise ListingTimeoutError(self.timeout, self.pages)
        request: dict[str, Any] = {}  # what is left out keeps the generated default (limit=250)
        if self.page_size is not None:
            request["limit"] = self.page_size
        if self._next:
            request["next_token"] = self._next
        if self.offerer_estate_id is not None:
            request["offerer_estate_id"] = self.offerer_estate_id
        return request

    def read(self, page: Any) -> list[Any]:
        """Take one page (a parsed ``GetClassifiedsResponse200``) in; its items."""
        self.pages += 1
        token = page.next_token if isinstance(page.next_token, str) and page.next_token else None
        if token is not None and token in self._seen:
            self.looped, token = True, None
        if self.pages_left is not None:
            self.pages_left -= 1
            if self.pages_left <= 0:
                token = None
        if token is not None:
            self._seen.add(token)
        self._next = token
        return list(page.items)

    def stop(self) -> None:
        """End the listing here."""
        self._next = None

    def check(self) -> None:
        """Raise :class:`PaginationError` if the listing ended on a repeated token."""
        if self.looped:
            raise PaginationError(
                f"GET /classifieds handed out a nextToken it had already given after {self.pages} pages; "
                "the listing stopped there rather than loop (a server bug: report it with a traceparent)"
            )


def every_item(operation: str, pager: Pager, *args: Any) -> Flow[list[Any]]:
    """Every item of a paged listing (``get_classifieds``, or v3's ``get_media`` of a classified), as effects.

    Raises the typed error of a failed page, or :class:`PaginationError` on a repeated token.
    """
    items: list[Any] = []
    while (request := pager.next_request()) is not None:
        items.extend(pager.read(unwrap((yield Call(operation, args, request)))))
    pager.check()
    return items
