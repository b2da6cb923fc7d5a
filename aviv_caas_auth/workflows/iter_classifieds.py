"""Every classified of the offerer, over every page of ``GET /classifieds``, as typed items.

    for item in iter_classifieds.sync(client):                      # an iterator
        print(item.classified_id, item.data.meta_data.source.offerer_estate_id)
    async for item in iter_classifieds.asyncio(client, page_size=100):   # an async iterator
        ...

Pages are fetched one at a time, as the iteration reaches them (nothing is read ahead); a failed
page raises its typed error (``unwrap``) where the iteration stands. ``page_size`` is AVIV's
``limit`` (None: AVIV's default, 250); ``offerer_estate_id`` keeps only that classified. The sync
and async functions share the paging logic (:class:`~aviv_caas_auth.workflows.pages.Pager`);
only the call differs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_auth.workflows.endpoints import endpoints_of
from aviv_caas_auth.workflows.pages import Pager

if TYPE_CHECKING:
    from aviv_caas_client.models import GetClassifiedsResponse200ItemsItem


def sync(
    client: Any, *, page_size: int | None = None, offerer_estate_id: str | None = None
) -> Iterator[GetClassifiedsResponse200ItemsItem]:
    """Iterate over every classified, page after page (raises the typed ``ApiError`` of a failed page)."""
    pager = Pager(page_size, offerer_estate_id=offerer_estate_id)
    endpoint = endpoints_of(client).module("get_classifieds")
    return _pages(client, endpoint, pager)


def _pages(client: Any, endpoint: Any, pager: Pager) -> Iterator[GetClassifiedsResponse200ItemsItem]:
    while (request := pager.next_request()) is not None:
        yield from pager.read(unwrap(endpoint.sync_detailed(client=client, **request)))
    pager.check()


def asyncio(
    client: Any, *, page_size: int | None = None, offerer_estate_id: str | None = None
) -> AsyncIterator[GetClassifiedsResponse200ItemsItem]:
    """Async :func:`sync`: an async iterator over every classified."""
    pager = Pager(page_size, offerer_estate_id=offerer_estate_id)
    endpoint = endpoints_of(client).module("get_classifieds")
    return _apages(client, endpoint, pager)


async def _apages(
    client: Any, endpoint: Any, pager: Pager
) -> AsyncIterator[GetClassifiedsResponse200ItemsItem]:
    while (request := pager.next_request()) is not None:
        for item in pager.read(unwrap(await endpoint.asyncio_detailed(client=client, **request))):
            yield item
    pager.check()
