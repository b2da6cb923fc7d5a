"""iter_classifieds: every classified over every page, sync and async, typed, never twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from aviv_caas_auth import ServerError
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import PaginationError, iter_classifieds, publish
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.models import GetClassifiedsResponse200ItemsItem
from tests.problems.conftest import classified_json
from tests.workflows.conftest import api_calls, classified, offline_client


def test_sync_and_async_list_the_same_ids_once_each(client: AuthenticatedClient, sandbox: Sandbox) -> None:
    created = [publish.sync(client, classified(f"CRM-L{n}"), wait=False).classified_id for n in range(5)]

    listed = list(iter_classifieds.sync(client, page_size=2))

    async def run() -> list[Any]:
        try:
            return [item async for item in iter_classifieds.asyncio(client, page_size=2)]
        finally:
            await client.get_async_httpx_client().aclose()

    listed_async = asyncio.run(run())
    assert all(isinstance(item, GetClassifiedsResponse200ItemsItem) for item in listed + listed_async)
    ids = [item.classified_id for item in listed]
    assert ids == [item.classified_id for item in listed_async]
    assert sorted(ids) == sorted(created)
    assert len(set(ids)) == len(ids) == 5
    assert [item.data.meta_data.source.offerer_estate_id for item in listed] == [
        f"CRM-L{n}" for n in range(5)
    ]
    assert len(api_calls(sandbox, "getClassifieds")) == 6  # 3 pages each way


def test_pages_are_fetched_as_the_iteration_reaches_them(
    client: AuthenticatedClient, sandbox: Sandbox
) -> None:
    for n in range(3):
        publish.sync(client, classified(f"CRM-P{n}"), wait=False)
    items = iter_classifieds.sync(client, page_size=1)
    assert api_calls(sandbox, "getClassifieds") == []
    next(items)
    assert len(api_calls(sandbox, "getClassifieds")) == 1


def test_the_default_page_size_is_avivs(client: AuthenticatedClient, sandbox: Sandbox) -> None:
    publish.sync(client, classified("CRM-D"), wait=False)
    assert [i.data.meta_data.source.offerer_estate_id for i in iter_classifieds.sync(client)] == ["CRM-D"]
    request = next(e for e in sandbox.exchanges() if e.operation_id == "getClassifieds")
    assert request.status == 200


def test_filtering_by_offerer_estate_id(client: AuthenticatedClient, sandbox: Sandbox) -> None:
    for ref in ("CRM-F1", "CRM-F2"):
        publish.sync(client, classified(ref), wait=False)
    found = list(iter_classifieds.sync(client, offerer_estate_id="CRM-F2"))
    assert [i.data.meta_data.source.offerer_estate_id for i in found] == ["CRM-F2"]


@pytest.mark.parametrize("page_size", [0, -3, True, 2.5])
def test_a_bad_page_size_is_refused_at_the_call(page_size: Any) -> None:
    client = offline_client()
    with pytest.raises(ValueError, match="page_size must be a whole number >= 1"):
        iter_classifieds.sync(client, page_size=page_size)
    with pytest.raises(ValueError, match="page_size"):
        iter_classifieds.asyncio(client, page_size=page_size)


def test_a_client_that_is_not_generated_is_refused() -> None:
    with pytest.raises(TypeError, match="generated package"):
        iter_classifieds.sync(object())


def item(classified_id: str) -> dict[str, Any]:
    return classified_json(classifiedId=classified_id)


ID_1 = "5c597a63-6932-4b0c-a2a0-2fd935be1755"
ID_2 = "9c597a63-6932-4b0c-a2a0-2fd935be1766"


def test_a_repeated_token_raises_instead_of_looping(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/classifieds").respond_with_json({"items": [item(ID_1)], "nextToken": "again"})
    client = AuthenticatedClient(base_url=httpserver.url_for("/"), token="t")
    seen: list[Any] = []
    with pytest.raises(PaginationError, match="already given"):
        seen.extend(iter_classifieds.sync(client))
    assert len(seen) == 2  # both pages' items were yielded before the loop was noticed
    assert len(httpserver.log) == 2


def test_a_failing_page_raises_its_typed_error_where_the_iteration_stands(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/classifieds").respond_with_json(
        {"items": [item(ID_1)], "nextToken": "p2"}
    )
    httpserver.expect_ordered_request("/classifieds").respond_with_data(
        "<html>bad gateway</html>", status=502
    )
    client = AuthenticatedClient(base_url=httpserver.url_for("/"), token="t")
    items = iter_classifieds.sync(client)
    assert str(next(items).classified_id) == ID_1
    with pytest.raises(ServerError):
        next(items)
