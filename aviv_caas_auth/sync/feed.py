"""The desired listings of a sync (the CRM's feed), checked before anything is read or sent.

Each listing is a classified of the client's API version: its generated ``AvivClassified`` or
that model's JSON as a dict (what ``publish`` takes). The feed is refused as a whole, with a
:class:`~aviv_caas_auth.sync.errors.FeedError` naming the listing, when one is not a classified
(wrong type, a value the API does not list), has no ``data.metaData.source.offererEstateId``, or
repeats another's offererEstateId (AVIV keeps one classified per offererEstateId: a sync keyed on
it cannot say which of the two is meant).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aviv_caas_auth.sync.errors import DuplicateListingError, FeedError
from aviv_caas_auth.workflows.endpoints import Endpoints
from aviv_caas_auth.workflows.errors import InvalidClassifiedError
from aviv_caas_auth.workflows.publish import prepare

OFFERER_ESTATE_ID = ("data", "metaData", "source", "offererEstateId")


@dataclass(frozen=True)
class Listing:
    """One desired listing: its position in the feed, its key, and the JSON its model sends."""

    index: int
    offerer_estate_id: str
    document: dict[str, Any]


def offerer_estate_id_of(document: Any) -> str | None:
    """``data.metaData.source.offererEstateId`` of a classified's JSON, if it is a non-empty string."""
    for key in OFFERER_ESTATE_ID:
        document = document.get(key) if isinstance(document, Mapping) else None
    return document if isinstance(document, str) and document else None


def read_feed(endpoints: Endpoints, desired: Iterable[Any]) -> list[Listing]:
    """Every listing of ``desired``, checked and serialised by the client's model (see the module)."""
    if isinstance(desired, Mapping | str | bytes) or not isinstance(desired, Iterable):
        raise TypeError(
            "the desired listings must be a list (or any iterable) of classifieds, models or dicts, "
            f"not {type(desired).__name__}"
        )
    listings: list[Listing] = []
    first: dict[str, int] = {}
    for index, item in enumerate(desired):
        listing = read_listing(endpoints, index, item)
        if listing.offerer_estate_id in first:
            raise DuplicateListingError(index, listing.offerer_estate_id, first[listing.offerer_estate_id])
        first[listing.offerer_estate_id] = index
        listings.append(listing)
    return listings


def read_listing(endpoints: Endpoints, index: int, item: Any) -> Listing:
    """One listing, checked and serialised by the client's model; FeedError naming it otherwise."""
    named = offerer_estate_id_of(item) if isinstance(item, Mapping) else None
    try:
        prepared = prepare(endpoints, item)
        document = prepared.body.to_dict()
    except InvalidClassifiedError as error:
        raise FeedError(index, str(error), named) from error
    except ValueError as error:  # the generated InvalidEnumValueError, met serialising
        raise FeedError(index, f"it cannot be sent: {error}", named) from error
    return Listing(index, prepared.offerer_estate_id, document)
