"""Patch (a) in the prepared document, and the generated package describing the current pin + overlay."""

from __future__ import annotations

import json

import pytest

from scripts.paths import GENERATED_PACKAGE, prepared_spec_path
from tests.spec.conftest import Operation, deref, operations, parameters, prepared_spec, raw_spec

AUTH_HEADERS = {"authorization", "user-agent"}


def test_prepared_document_has_the_same_operations() -> None:
    assert [(op.path, op.method, op.operation_id) for op in operations(prepared_spec())] == [
        (op.path, op.method, op.operation_id) for op in operations(raw_spec())
    ]


@pytest.mark.parametrize("operation", operations(prepared_spec()), ids=str)
def test_no_operation_declares_authorization_or_user_agent(operation: Operation) -> None:
    headers = {p["name"].lower() for p in parameters(prepared_spec(), operation) if p["in"] == "header"}
    assert not headers & AUTH_HEADERS
    assert "traceparent" in headers


@pytest.mark.parametrize("operation", operations(prepared_spec()), ids=str)
def test_traceparent_stays_optional(operation: Operation) -> None:
    (traceparent,) = [p for p in parameters(prepared_spec(), operation) if p["name"] == "traceparent"]
    assert traceparent["in"] == "header"
    assert traceparent.get("required", False) is False


@pytest.mark.parametrize("operation", operations(raw_spec()), ids=str)
def test_other_parameters_are_kept_in_order(operation: Operation) -> None:
    prepared_operation = prepared_spec()["paths"][operation.path][operation.method]
    raw_parameters = operation.spec.get("parameters", [])
    raw_left = [p for p in raw_parameters if deref(raw_spec(), p)["name"].lower() not in AUTH_HEADERS]
    assert len(raw_left) == len(raw_parameters) - 2
    prepared = prepared_operation.get("parameters", [])
    assert [p.get("name", p.get("$ref")) for p in prepared] == [
        p.get("name", p.get("$ref")) for p in raw_left
    ]
    for kept, raw in zip(prepared, raw_left, strict=True):
        if raw.get("in") == "path" and raw["name"] in ("classifiedId", "mediaId"):
            # The overlay's one change: these identifiers are UUIDs in every path.
            assert kept == {**raw, "schema": {**raw["schema"], "format": "uuid"}}
        else:
            assert kept == raw


def test_make_spec_output_and_the_shipped_openapi_json_are_the_current_prepared_document() -> None:
    """The generated client was built from today's pin + overlay (nothing stale is being tested)."""
    shipped = json.loads((GENERATED_PACKAGE / "openapi.json").read_text(encoding="utf-8"))
    written = json.loads(prepared_spec_path().read_text(encoding="utf-8"))
    assert shipped == prepared_spec()
    assert written == prepared_spec()
