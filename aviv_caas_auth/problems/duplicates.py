"""Resolve the classified a Duplicated Classified error refers to, the reliable way.

AVIV's problem names the existing classifiedId only inside its ``detail`` prose. Instead of
parsing that, ask the API: ``GET /classifieds?offererEstateId=<id>``, and keep the item whose
``data.metaData.source.offererEstateId`` matches::

    try:
        accepted = unwrap(create_classified.sync_detailed(client=client, body=classified))
    except DuplicatedClassifiedError as error:
        existing = find_classified_id(client, error.offerer_estate_id or my_offerer_estate_id)

The lookup is the workflows' own step (:func:`aviv_caas_auth.workflows.lookup.find_flow`), which
``workflows.publish`` uses too; the sync and async functions only drive it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aviv_caas_auth.workflows.effects import Runner
from aviv_caas_auth.workflows.lookup import MAX_PAGES, find_flow


def find_classified_id(client: Any, offerer_estate_id: str, *, max_pages: int = MAX_PAGES) -> UUID | None:
    """The classifiedId of your classified with this offererEstateId, or None if the API lists none.

    Raises the typed :class:`~aviv_caas_auth.problems.errors.ApiError` of a failed listing call.
    """
    return Runner(client).run(find_flow(offerer_estate_id, max_pages=max_pages))


async def find_classified_id_async(
    client: Any, offerer_estate_id: str, *, max_pages: int = MAX_PAGES
) -> UUID | None:
    """The async :func:`find_classified_id`."""
    return await Runner(client).arun(find_flow(offerer_estate_id, max_pages=max_pages))
