"""Which classified has this offererEstateId: ``GET /classifieds?offererEstateId=``, as a workflow step.

AVIV's Duplicated Classified problem names the existing classifiedId only inside its ``detail``
prose; asking the API is the reliable way. Items whose offererEstateId differs (a server that
ignores the filter) are skipped and pages followed, up to ``max_pages``.
"""

from __future__ import annotations

from uuid import UUID

from aviv_caas_auth.problems.unwrap import unwrap
from aviv_caas_auth.workflows.effects import Call, Flow
from aviv_caas_auth.workflows.pages import Pager

MAX_PAGES = 100


def find_flow(offerer_estate_id: str, *, max_pages: int = MAX_PAGES) -> Flow[UUID | None]:
    """The classifiedId of the offerer's classified with ``offerer_estate_id``, or None."""
    if not offerer_estate_id or not isinstance(offerer_estate_id, str):
        raise ValueError(
            "offerer_estate_id must be the non-empty offererEstateId the classified was sent with"
        )
    pager = Pager(offerer_estate_id=offerer_estate_id, max_pages=max_pages)
    while (request := pager.next_request()) is not None:
        response = yield Call("get_classifieds", kwargs=request)
        for item in pager.read(unwrap(response)):
            if item.data.meta_data.source.offerer_estate_id == offerer_estate_id:
                return UUID(str(item.classified_id))
    return None
