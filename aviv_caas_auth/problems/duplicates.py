"""Resolve the classified a Duplicated Classified error refers to, the reliable way.

AVIV's problem names the existing classifiedId only inside its ``detail`` prose. Instead of
parsing that, ask the API: ``GET /classifieds?offererEstateId=<id>`` (the generated
``get_classifieds``), and keep the item whose ``data.metaData.source.offererEstateId`` matches::

    try:
        accepted = unwrap(create_classified.sync_detailed(client=client, body=classified))
    except DuplicatedClassifiedError as error:
        existing = find_classified_id(client, error.offerer_estate_id or my_offerer_estate_id)

The sync and async functions share the page logic; only the call differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.client import AuthenticatedClient, Client
from aviv_caas_client.types import UNSET, Unset

MAX_PAGES = 100


# The members of a listing page this lookup reads, typed structurally: the generated page model
# (named after the operation's answer) satisfies them without being imported by name.
class _Source(Protocol):
    @property
    def offerer_estate_id(self) -> str: ...


class _MetaData(Protocol):
    @property
    def source(self) -> _Source: ...


class _Data(Protocol):
    @property
    def meta_data(self) -> _MetaData: ...


class _Item(Protocol):
    @property
    def data(self) -> _Data: ...

    @property
    def classified_id(self) -> UUID: ...


class _Page(Protocol):
    @property
    def items(self) -> Sequence[_Item]: ...

    @property
    def next_token(self) -> str | Unset: ...


def find_classified_id(
    client: AuthenticatedClient | Client, offerer_estate_id: str, *, max_pages: int = MAX_PAGES
) -> UUID | None:
    """The classifiedId of your classified with this offererEstateId, or None if the API lists none.

    Raises the typed :class:`~aviv_caas_auth.problems.errors.ApiError` of a failed listing call.
    """
    pages = _Pages(offerer_estate_id, max_pages)
    while pages.next_token is not None:
        answer = get_classifieds.sync_detailed(
            client=client, offerer_estate_id=offerer_estate_id, next_token=pages.next_token
        )
        if pages.read(unwrap(answer)):
            break
    return pages.found


async def find_classified_id_async(
    client: AuthenticatedClient | Client, offerer_estate_id: str, *, max_pages: int = MAX_PAGES
) -> UUID | None:
    """The async :func:`find_classified_id`."""
    pages = _Pages(offerer_estate_id, max_pages)
    while pages.next_token is not None:
        answer = await get_classifieds.asyncio_detailed(
            client=client, offerer_estate_id=offerer_estate_id, next_token=pages.next_token
        )
        if pages.read(unwrap(answer)):
            break
    return pages.found


class _Pages:
    """The paging state of one lookup: which token to ask for next, and what was found."""

    def __init__(self, offerer_estate_id: str, max_pages: int) -> None:
        if not offerer_estate_id:
            raise ValueError(
                "offerer_estate_id must be the non-empty offererEstateId the classified was sent with"
            )
        if max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {max_pages}")
        self.offerer_estate_id = offerer_estate_id
        self.pages_left = max_pages
        self.next_token: str | Unset | None = UNSET  # None: stop
        self.found: UUID | None = None
        self._seen_tokens: set[str] = set()

    def read(self, page: _Page) -> bool:
        """Take one page in; True when the lookup is over."""
        self.pages_left -= 1
        for item in page.items:
            if item.data.meta_data.source.offerer_estate_id == self.offerer_estate_id:
                self.found = item.classified_id
                self.next_token = None
                return True
        token = page.next_token if isinstance(page.next_token, str) and page.next_token else None
        if token is None or token in self._seen_tokens or self.pages_left <= 0:
            self.next_token = None
            return True
        self._seen_tokens.add(token)
        self.next_token = token
        return False
