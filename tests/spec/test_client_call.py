"""(v) A real HTTP call with the generated AuthenticatedClient, against a server on loopback."""

from __future__ import annotations

import asyncio
import json
import uuid

from pytest_httpserver import HTTPServer

from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import get_classified, update_classified
from aviv_caas_client.models.aviv_classified import AvivClassified
from aviv_caas_client.models.error_response import ErrorResponse
from aviv_caas_client.models.get_classified_response_200 import GetClassifiedResponse200
from tests.spec.bodies import paris_apartment_for_sale
from tests.spec.conftest import error_kind_body

CLASSIFIED_ID = uuid.UUID("5c597a63-6932-4b0c-a2a0-2fd935be1755")
TOKEN = "test-token-not-a-secret"


def client_for(server: HTTPServer) -> AuthenticatedClient:
    assert server.host in ("localhost", "127.0.0.1")
    return AuthenticatedClient(base_url=server.url_for(""), token=TOKEN)


def test_get_classified_returns_a_typed_model(httpserver: HTTPServer) -> None:
    body = {**paris_apartment_for_sale(), "classifiedId": str(CLASSIFIED_ID)}
    httpserver.expect_oneshot_request(f"/classifieds/{CLASSIFIED_ID}", method="GET").respond_with_json(body)
    with client_for(httpserver) as client:
        response = get_classified.sync_detailed(
            CLASSIFIED_ID, client=client, traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"
        )
    httpserver.check_assertions()
    assert response.status_code == 200
    classified = response.parsed
    assert isinstance(classified, GetClassifiedResponse200)
    assert classified.classified_id == CLASSIFIED_ID
    assert classified.data.location.city == "Paris"
    assert classified.data.prices.buy.price.amount == 845000
    ((request, _),) = httpserver.log
    assert request.headers.getlist("Authorization") == [f"Bearer {TOKEN}"]
    assert request.headers["traceparent"].startswith("00-")
    assert len(httpserver.log) == 1


def test_the_async_path_returns_the_same_model(httpserver: HTTPServer) -> None:
    body = {**paris_apartment_for_sale(), "classifiedId": str(CLASSIFIED_ID)}
    httpserver.expect_oneshot_request(f"/classifieds/{CLASSIFIED_ID}", method="GET").respond_with_json(body)

    async def call() -> object:
        async with client_for(httpserver) as client:
            return await get_classified.asyncio(CLASSIFIED_ID, client=client)

    classified = asyncio.run(call())
    httpserver.check_assertions()
    assert isinstance(classified, GetClassifiedResponse200)
    assert classified.data.meta_data.source.offerer_estate_id == "ref-75011-0042"
    ((request, _),) = httpserver.log
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_put_sends_the_model_and_gets_an_aviv_problem_back(httpserver: HTTPServer) -> None:
    problem = error_kind_body("PreconditionFailedError")
    httpserver.expect_oneshot_request(
        f"/classifieds/{CLASSIFIED_ID}", method="PUT", headers={"If-Match": "3"}
    ).respond_with_data(json.dumps(problem), status=412, content_type="application/json+problem")
    classified = AvivClassified.from_dict(paris_apartment_for_sale())
    with client_for(httpserver) as client:
        result = update_classified.sync(CLASSIFIED_ID, client=client, body=classified, if_match="3")
    httpserver.check_assertions()
    assert type(result) is ErrorResponse
    assert result.to_dict() == problem
    ((request, _),) = httpserver.log
    assert json.loads(request.data) == classified.to_dict()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
