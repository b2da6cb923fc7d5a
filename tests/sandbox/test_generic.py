"""Operations the sandbox has no hand-written behaviour for are served from the spec (issue 10, point 2).

A spec that grew (new operations, path-level parameters) still starts; each new operation
validates its request, answers its documented success status with a spec-valid body (the
spec's example, else one built from the schema), keeps the token and traceparent checks, and a
warning names it.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aviv_caas_auth.sandbox import ApiSpec, ManualClock, Sandbox
from aviv_caas_auth.sandbox.conformance import ResponseChecker
from aviv_caas_auth.sandbox.operations import HANDLERS
from tests.sandbox.conftest import UA, api, fetch_token

ERRORS = {
    "401": {"$ref": "#/components/schemas/ErrorResponse"},
    "400": {"$ref": "#/components/schemas/ErrorResponse"},
}


def problem_responses() -> dict[str, Any]:
    return {
        status: {"description": "problem", "content": {"application/json+problem": {"schema": schema}}}
        for status, schema in ERRORS.items()
    }


def grown(document: dict[str, Any]) -> dict[str, Any]:
    """The shipped spec plus two operations AVIV might add, one of them under path-level parameters."""
    document = copy.deepcopy(document)
    document["paths"]["/classifieds/{classifiedId}/publications"] = {
        "parameters": [
            {
                "name": "classifiedId",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "format": "uuid"},
            }
        ],
        "get": {
            "operationId": "getPublications",
            "responses": {
                "200": {
                    "description": "where it is published (no example: built from the schema)",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["classifiedId", "publications"],
                                "properties": {
                                    "classifiedId": {"type": "string", "format": "uuid"},
                                    "publications": {
                                        "type": "array",
                                        "minItems": 1,
                                        "items": {
                                            "type": "object",
                                            "required": ["portal", "url", "since"],
                                            "properties": {
                                                "portal": {
                                                    "$ref": "#/components/schemas/MediaStatus/properties/portal"
                                                },
                                                "url": {
                                                    "type": "string",
                                                    "format": "url",
                                                    "example": "not a url",
                                                },
                                                "since": {"type": "string", "format": "date-time"},
                                            },
                                        },
                                    },
                                },
                            }
                        }
                    },
                },
                **problem_responses(),
            },
        },
        "post": {
            "operationId": "republish",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["portals"],
                            "additionalProperties": False,
                            "properties": {
                                "portals": {
                                    "type": "array",
                                    "items": {"type": "string", "enum": ["SL", "LI"]},
                                }
                            },
                        }
                    }
                },
            },
            "responses": {"204": {"description": "done, no body"}, **problem_responses()},
        },
    }
    return document


@pytest.fixture
def grown_sandbox(caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Sandbox, ApiSpec]]:
    spec = ApiSpec(grown(ApiSpec.load().document))
    with caplog.at_level(logging.WARNING, logger="aviv_caas_auth.sandbox"):
        sandbox = Sandbox(clock=ManualClock(), spec=spec)
    sandbox.serve_in_background()
    try:
        yield sandbox, spec
        assert sandbox.internal_errors() == []
        assert ResponseChecker(spec).check_all(sandbox.exchanges()) == []
    finally:
        sandbox.stop()


def test_only_the_new_operations_are_generic_and_a_warning_names_them(
    grown_sandbox: tuple[Sandbox, ApiSpec], caplog: pytest.LogCaptureFixture
) -> None:
    sandbox, spec = grown_sandbox
    generic = [op.operation_id for op in sandbox.app.operations.generic]
    assert generic == [op.operation_id for op in spec.operations if op.operation_id not in HANDLERS]
    assert {"getPublications", "republish"} <= set(generic)  # and what the pinned spec adds to v3.1.3
    (warning,) = [
        r.getMessage()
        for r in caplog.get_records("setup")
        if "generically" in r.getMessage() and f"of the v3 spec {spec.version}" in r.getMessage()
    ]
    assert "getPublications (GET /classifieds/{classifiedId}/publications)" in warning
    assert "republish (POST /classifieds/{classifiedId}/publications)" in warning
    with api(sandbox, fetch_token(sandbox)) as client:
        assert client.get(f"/classifieds/{uuid.uuid4()}/publications").status_code == 200


def test_a_body_is_built_from_the_schema_and_echoes_the_path(grown_sandbox: tuple[Sandbox, ApiSpec]) -> None:
    sandbox, _ = grown_sandbox
    classified_id = str(uuid.uuid4())
    with api(sandbox, fetch_token(sandbox)) as client:
        answer = client.get(
            f"/classifieds/{classified_id}/publications",
            headers={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"},
        )
    assert answer.status_code == 200
    assert answer.headers["traceparent"].startswith("00-" + "a" * 32)
    body = answer.json()
    assert body["classifiedId"] == classified_id
    (publication,) = body["publications"]
    assert publication["url"] != "not a url"  # an invalid example is not used
    assert publication["portal"] in sandbox.app.spec.enum_at(
        "/components/schemas/MediaStatus/properties/portal/enum"
    )


def test_the_request_is_validated_and_a_bodiless_success_is_empty(
    grown_sandbox: tuple[Sandbox, ApiSpec],
) -> None:
    sandbox, _ = grown_sandbox
    path = f"/classifieds/{uuid.uuid4()}/publications"
    with api(sandbox, fetch_token(sandbox)) as client:
        assert client.get("/classifieds/not-a-uuid/publications").status_code == 400
        missing = client.post(path)
        assert missing.status_code == 400
        assert missing.json()["detail"] == "Body is not defined"
        wrong = client.post(path, json={"portals": ["XX"], "extra": 1})
        assert wrong.status_code == 400
        assert {e["name"] for e in wrong.json()["errors"]} == {"/portals/0", "/extra"}
        done = client.post(path, json={"portals": ["SL"]})
    assert done.status_code == 204
    assert done.content == b""


def test_the_token_is_checked_as_for_every_operation(grown_sandbox: tuple[Sandbox, ApiSpec]) -> None:
    sandbox, _ = grown_sandbox
    answer = httpx.get(
        f"{sandbox.base_url}/classifieds/{uuid.uuid4()}/publications", headers={"User-Agent": UA}
    )
    assert answer.status_code == 401
    assert answer.headers["traceparent"]


def test_the_shipped_spec_has_hand_written_behaviour_for_each_operation_it_knows() -> None:
    """Every operation of the pinned spec is served; those of v3.1.3 by their hand-written handlers."""
    spec = ApiSpec.load()
    sandbox = Sandbox(clock=ManualClock(), spec=spec)
    try:
        served = {op.operation_id for op in spec.operations}
        generic = {op.operation_id for op in sandbox.app.operations.generic}
        assert generic == served - HANDLERS.keys()
        assert len(HANDLERS) == 15
        assert served >= HANDLERS.keys()
    finally:
        sandbox.app.close()
