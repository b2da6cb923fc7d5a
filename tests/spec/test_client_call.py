"""(v) A real HTTP call with the generated AuthenticatedClient, against a server on loopback."""

from __future__ import annotations

import asyncio
import importlib
import json
import uuid
from typing import Any

from pytest_httpserver import HTTPServer

from tests.spec.bodies import paris_apartment_for_sale
from tests.spec.conftest import error_kind_body, for_each_api, model_class, package_of

CLASSIFIED_ID = uuid.UUID("5c597a63-6932-4b0c-a2a0-2fd935be1755")
TOKEN = "test-token-not-a-secret"

pytestmark = for_each_api()  # every test, once per API version


def endpoint(api: str, name: str) -> Any:
    return importlib.import_module(f"{package_of(api)}.api.classifieds.{name}")


def client_for(server: HTTPServer, api: str) -> Any:
    assert server.host in ("localhost", "127.0.0.1")
    return importlib.import_module(package_of(api)).AuthenticatedClient(
        base_url=server.url_for(""), token=TOKEN
    )


def test_get_classified_returns_a_typed_model(httpserver: HTTPServer, api: str) -> None:
    get_classified = endpoint(api, "get_classified")
    body = {**paris_apartment_for_sale(), "classifiedId": str(CLASSIFIED_ID)}
    httpserver.expect_oneshot_request(f"/classifieds/{CLASSIFIED_ID}", method="GET").respond_with_json(body)
    with client_for(httpserver, api) as client:
        response = get_classified.sync_detailed(
            CLASSIFIED_ID, client=client, traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"
        )
    httpserver.check_assertions()
    assert response.status_code == 200
    classified = response.parsed
    assert isinstance(classified, model_class_named(api, "GetClassifiedResponse200"))
    assert classified.classified_id == CLASSIFIED_ID
    assert classified.data.location.city == "Paris"
    assert classified.data.prices.buy.price.amount == 845000
    ((request, _),) = httpserver.log
    assert request.headers.getlist("Authorization") == [f"Bearer {TOKEN}"]
    assert request.headers["traceparent"].startswith("00-")
    assert len(httpserver.log) == 1


def test_the_async_path_returns_the_same_model(httpserver: HTTPServer, api: str) -> None:
    get_classified = endpoint(api, "get_classified")
    body = {**paris_apartment_for_sale(), "classifiedId": str(CLASSIFIED_ID)}
    httpserver.expect_oneshot_request(f"/classifieds/{CLASSIFIED_ID}", method="GET").respond_with_json(body)

    async def call() -> object:
        async with client_for(httpserver, api) as client:
            return await get_classified.asyncio(CLASSIFIED_ID, client=client)

    classified = asyncio.run(call())
    httpserver.check_assertions()
    assert isinstance(classified, model_class_named(api, "GetClassifiedResponse200"))
    assert classified.data.meta_data.source.offerer_estate_id == "ref-75011-0042"
    ((request, _),) = httpserver.log
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_put_sends_the_model_and_gets_an_aviv_problem_back(httpserver: HTTPServer, api: str) -> None:
    problem = error_kind_body("PreconditionFailedError", api)
    httpserver.expect_oneshot_request(
        f"/classifieds/{CLASSIFIED_ID}", method="PUT", headers={"If-Match": "3"}
    ).respond_with_data(json.dumps(problem), status=412, content_type="application/json+problem")
    classified = model_class("AvivClassified", api).from_dict(paris_apartment_for_sale())
    with client_for(httpserver, api) as client:
        result = endpoint(api, "update_classified").sync(
            CLASSIFIED_ID, client=client, body=classified, if_match="3"
        )
    httpserver.check_assertions()
    assert type(result) is model_class("ErrorResponse", api)
    assert result.to_dict() == problem
    ((request, _),) = httpserver.log
    assert json.loads(request.data) == classified.to_dict()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def model_class_named(api: str, name: str) -> Any:
    """A generated model of ``api``'s package by its class name (a response model, not a component)."""
    return getattr(importlib.import_module(f"{package_of(api)}.models"), name)
