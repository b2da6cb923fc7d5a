"""Resolving a Duplicated Classified error through GET /classifieds?offererEstateId=, never its prose."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_auth import (
    DuplicatedClassifiedError,
    ServerError,
    find_classified_id,
    find_classified_id_async,
    unwrap,
)
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import create_classified
from aviv_caas_client.models import AvivClassified
from tests.problems.cases import DOCS
from tests.problems.conftest import OFFERER_ESTATE_ID, classified_json

EXISTING = "10936e98-82eb-47ac-9939-6430090d0e61"
# The prose names another id on purpose: the resolver must not read it.
DUPLICATE = {
    "type": DOCS + "Duplicated-Classifieds-Error",
    "title": "Duplicated classified",
    "detail": f"This offererEstateId: {OFFERER_ESTATE_ID} is already associated with an existing classified "
    "identified by classifiedId: 00000000-0000-0000-0000-000000000000.",
    "status": 400,
}


def item(offerer_estate_id: str, classified_id: str) -> dict[str, Any]:
    document = classified_json(classifiedId=classified_id)
    document["data"]["metaData"]["source"]["offererEstateId"] = offerer_estate_id
    return document


def test_duplicate_is_resolved_with_the_listing_filtered_by_offerer_estate_id(
    httpserver: HTTPServer, client: AuthenticatedClient
) -> None:
    httpserver.expect_request("/classifieds", method="POST").respond_with_json(
        DUPLICATE, status=400, content_type="application/json+problem"
    )
    httpserver.expect_request(
        "/classifieds", method="GET", query_string={"offererEstateId": OFFERER_ESTATE_ID, "limit": "250"}
    ).respond_with_json({"items": [item(OFFERER_ESTATE_ID, EXISTING)]})

    with pytest.raises(DuplicatedClassifiedError) as raised:
        unwrap(
            create_classified.sync_detailed(client=client, body=AvivClassified.from_dict(classified_json()))
        )
    assert raised.value.offerer_estate_id == OFFERER_ESTATE_ID
    found = find_classified_id(client, raised.value.offerer_estate_id)

    assert found == UUID(EXISTING)
    methods = [request.method for request, _ in httpserver.log]
    assert methods == ["POST", "GET"]
    assert httpserver.log[1][0].args["offererEstateId"] == OFFERER_ESTATE_ID


def test_items_for_other_ids_are_skipped_and_pages_followed(
    httpserver: HTTPServer, client: AuthenticatedClient
) -> None:
    # A server that ignores the filter: the first page holds someone else's classified.
    httpserver.expect_ordered_request("/classifieds", method="GET").respond_with_json(
        {"items": [item("another-ref", "9c597a63-6932-4b0c-a2a0-2fd935be1766")], "nextToken": "page-2"}
    )
    httpserver.expect_ordered_request(
        "/classifieds",
        method="GET",
        query_string={"offererEstateId": "ref-7", "limit": "250", "nextToken": "page-2"},
    ).respond_with_json({"items": [item("ref-7", EXISTING)]})

    assert find_classified_id(client, "ref-7") == UUID(EXISTING)
    assert len(httpserver.log) == 2


def test_none_when_the_listing_has_no_match(httpserver: HTTPServer, client: AuthenticatedClient) -> None:
    httpserver.expect_request("/classifieds").respond_with_json(
        {"items": [item("another-ref", EXISTING)], "nextToken": "same"}
    )

    assert find_classified_id(client, "ref-404") is None
    # The repeated token ends the lookup instead of looping.
    assert len(httpserver.log) == 2


def test_a_failing_listing_raises_its_typed_error(
    httpserver: HTTPServer, client: AuthenticatedClient
) -> None:
    httpserver.expect_request("/classifieds").respond_with_data("<html>oops</html>", status=502)

    with pytest.raises(ServerError):
        find_classified_id(client, OFFERER_ESTATE_ID)


def test_async_resolver(httpserver: HTTPServer, client: AuthenticatedClient) -> None:
    httpserver.expect_request(
        "/classifieds", method="GET", query_string={"offererEstateId": OFFERER_ESTATE_ID, "limit": "250"}
    ).respond_with_json({"items": [item(OFFERER_ESTATE_ID, EXISTING)]})

    async def run() -> UUID | None:
        try:
            return await find_classified_id_async(client, OFFERER_ESTATE_ID)
        finally:
            await client.get_async_httpx_client().aclose()

    assert asyncio.run(run()) == UUID(EXISTING)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(("offerer_estate_id", "max_pages"), [("", 1), ("ref-1", 0)])
def test_bad_arguments_are_refused_before_any_call(
    httpserver: HTTPServer, client: AuthenticatedClient, offerer_estate_id: str, max_pages: int
) -> None:
    with pytest.raises(ValueError, match="must be"):
        find_classified_id(client, offerer_estate_id, max_pages=max_pages)
    assert httpserver.log == []
