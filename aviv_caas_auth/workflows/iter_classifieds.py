"""Every classified of the offerer, over every page of ``GET /classifieds``, as typed items.

    for item in iter_classifieds.sync(client):                      # an iterator
        print(item.classified_id, item.data.meta_data.source.offerer_estate_id)
    async for item in iter_classifieds.asyncio(client, page_size=100):   # an async iterator
        ...

Pages are fetched one at a time, as the iteration reaches them (nothing is read ahead); a failed
page raises its typed error (``unwrap``) where the iteration stands. ``page_size`` is AVIV's
``limit`` (None: AVIV's default, 250); ``offerer_estate_id`` keeps only that classified.
``timeout`` (seconds, from the first page on; None: none) bounds the listing: no page is retried
past it, and once it has passed the next page is not asked for (``ListingTimeoutError``). The sync
and async functions share the paging logic (:class:`~aviv_caas_auth.workflows.pages.Pager`);
only the call differs. Items are the models of the client's own package (v3 or v4; in v4 they
carry the classified's ``media``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, overload

from aviv_caas_auth.http.deadline import within
from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_auth.workflows.endpoints import endpoints_of
from aviv_caas_auth.workflows.pages import Pager

if TYPE_CHECKING:
    import aviv_caas_client.models as v3
    import aviv_caas_client_v4.models as v4
    from aviv_caas_auth.apis import ClientV3, ClientV4

    Item = v3.GetClassifiedsResponse200ItemsItem | v4.GetClassifiedsResponse200ItemsItem


@overload
def sync(
    client: ClientV3,
    *,
    page_size: int | None = ...,
    offerer_estate_id: str | None = ...,
    timeout: float | None = ...,
) -> Iterator[v3.GetClassifiedsResponse200ItemsItem]: ...


@overload
def sync(
    client: ClientV4,
    *,
    page_size: int | None = ...,
    offerer_estate_id: str | None = ...,
    timeout: float | None = ...,
) -> Iterator[v4.GetClassifiedsResponse200ItemsItem]: ...


def sync(
    client: Any,
    *,
    page_size: int | None = None,
    offerer_estate_id: str | None = None,
    timeout: float | None = None,
) -> Iterator[Item]:
    """Iterate over every classified, page after page (raises the typed ``ApiError`` of a failed page)."""
    pager = Pager(page_size, offerer_estate_id=offerer_estate_id, timeout=timeout)
    endpoint = endpoints_of(client).module("get_classifieds")
    return _pages(client, endpoint, pager)


def _pages(client: Any, endpoint: Any, pager: Pager) -> Iterator[Item]:
    while (request := pager.next_request()) is not None:
        with within(pager.deadline):  # never across a yield: the deadline is this page's call's
            answer = endpoint.sync_detailed(client=client, **request)
        yield from pager.read(unwrap(answer))
    pager.check()


@overload
def asyncio(
    client: ClientV3,
    *,
    page_size: int | None = ...,
    offerer_estate_id: str | None = ...,
    timeout: float | None = ...,
) -> AsyncIterator[v3.GetClassifiedsResponse200ItemsItem]: ...


@overload
def asyncio(
    client: ClientV4,
    *,
    page_size: int | None = ...,
    offerer_estate_id: str | None = ...,
    timeout: float | None = ...,
) -> AsyncIterator[v4.GetClassifiedsResponse200ItemsItem]: ...


def asyncio(
    client: Any,
    *,
    page_size: int | None = None,
    offerer_estate_id: str | None = None,
    timeout: float | None = None,
) -> AsyncIterator[Item]:
    """Async :func:`sync`: an async iterator over every classified."""
    pager = Pager(page_size, offerer_estate_id=offerer_estate_id, timeout=timeout)
    endpoint = endpoints_of(client).module("get_classifieds")
    return _apages(client, endpoint, pager)


async def _apages(client: Any, endpoint: Any, pager: Pager) -> AsyncIterator[Item]:
    while (request := pager.next_request()) is not None:
        with within(pager.deadline):
            answer = await endpoint.asyncio_detailed(client=client, **request)
        for item in pager.read(unwrap(answer)):
            yield item
    pager.check()
