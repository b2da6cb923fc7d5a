"""Patch (b): every response AVIV documents is parsed by the generated client; none is dropped."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from aviv_caas_client import Client
from aviv_caas_client.models.error_response import ErrorResponse
from tests.spec.conftest import (
    DocumentedResponse,
    Operation,
    documented_responses,
    error_kind_body,
    inline_refs,
    instances,
    is_error_status,
    json_differences,
    merge_all_of,
    operations,
    prepared_spec,
    raw_spec,
    validation_errors,
)

RESPONSES = documented_responses(raw_spec())
ERROR_CASES = [(r, kind) for r in RESPONSES if is_error_status(r.status) for kind in r.kinds]
SUCCESS_CASES = [r for r in RESPONSES if not is_error_status(r.status)]
UNDOCUMENTED_STATUS = 503  # exercises each operation's `default` response


def prepared_schema(documented: DocumentedResponse) -> Any:
    """The schema the prepared document declares for the same answer."""
    operation = prepared_spec()["paths"][documented.operation.path][documented.operation.method]
    return operation["responses"][documented.status]["content"][documented.content_type]["schema"]


def parse(documented: DocumentedResponse, status_code: int, body: Any) -> Any:
    """Feed an HTTP answer with ``body`` to the generated endpoint module; return what it parsed."""
    response = httpx.Response(
        status_code, content=json.dumps(body).encode(), headers={"content-type": documented.content_type}
    )
    module = documented.operation.module()
    parsed = module._build_response(client=Client(base_url="https://caas.invalid"), response=response)
    assert parsed.status_code == status_code
    assert parsed.content == response.content
    return parsed.parsed


def test_the_document_declares_what_the_issue_measured() -> None:
    """One content type per status; every error is `application/json+problem`; one success per operation.

    (v3.1.3: 15 operations, 70 problem responses; the relations hold for any later version.)
    """
    assert len({(r.operation.operation_id, r.status) for r in RESPONSES}) == len(RESPONSES)
    problems = [r for r in RESPONSES if r.content_type == "application/json+problem"]
    assert all(is_error_status(r.status) for r in problems)
    assert len(problems) >= 70
    assert [r.operation for r in SUCCESS_CASES] == operations(raw_spec())


@pytest.mark.parametrize("operation", operations(raw_spec()), ids=str)
def test_each_documented_status_has_its_own_parsing_branch(operation: Operation) -> None:
    """A status without its own branch would fall through to `default`: that counts as dropped."""
    documented = set(operation.spec["responses"])
    source = inspect.getsource(operation.module()._parse_response)
    branches = set(re.findall(r"if response\.status_code == (\d+):", source))
    assert branches == documented - {"default"}
    assert ("response_default = " in source) == ("default" in documented)


@pytest.mark.parametrize(("documented", "kind"), ERROR_CASES, ids=[f"{r}-{k}" for r, k in ERROR_CASES])
def test_every_documented_error_response_parses(documented: DocumentedResponse, kind: str) -> None:
    body = error_kind_body(kind)
    if documented.status == "default":
        assert str(UNDOCUMENTED_STATUS) not in documented.operation.spec["responses"]
        status_code = UNDOCUMENTED_STATUS
        body["status"] = UNDOCUMENTED_STATUS
    else:
        status_code = int(documented.status)
    parsed = parse(documented, status_code, body)
    assert type(parsed) is ErrorResponse
    assert json_differences(body, parsed.to_dict()) == []


@pytest.mark.parametrize("documented", SUCCESS_CASES, ids=str)
def test_every_documented_success_response_parses(documented: DocumentedResponse) -> None:
    """Bodies drawn from the response's schema parse losslessly into the success model.

    The schema is the prepared document's (AVIV's, plus the overlay's `type: object` on the
    202 answers' objects); an `allOf` that strict JSON Schema makes unsatisfiable (the GET
    wrappers) is read merged, as AVIV documents it and the generator reads it.
    """
    schema = merge_all_of(inline_refs(prepared_spec(), prepared_schema(documented)), only_unsatisfiable=True)
    drawn = []

    @settings(
        max_examples=5,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(body=instances(schema))
    def check(body: Any) -> None:
        drawn.append(body)
        assert validation_errors(prepared_spec(), schema, body) == []
        parsed = parse(documented, int(documented.status), body)
        assert parsed is not None
        assert not isinstance(parsed, ErrorResponse)
        returned = parsed.to_dict() if hasattr(parsed, "to_dict") else parsed
        assert json_differences(body, returned, [schema]) == []

    check()
    assert len(drawn) >= 5


def test_bodies_are_checked_against_the_schema() -> None:
    """The validity check above is not vacuous."""
    (create,) = [r for r in SUCCESS_CASES if r.operation.operation_id == "createClassified"]
    schema = inline_refs(raw_spec(), create.schema)
    assert validation_errors(raw_spec(), schema, {"classifiedId": "not-a-uuid"}) != []
    assert (
        validation_errors(raw_spec(), schema, {"classifiedId": "5c597a63-6932-4b0c-a2a0-2fd935be1755"}) == []
    )


def test_hypothesis_draws_real_uuids() -> None:
    schema = {"type": "string", "format": "uuid"}
    drawn = []

    @settings(max_examples=20, database=None)
    @given(value=instances(schema))
    def check(value: str) -> None:
        drawn.append(value)
        assert validation_errors(raw_spec(), schema, value) == []

    check()
    assert len(drawn) >= 20
