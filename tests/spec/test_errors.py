"""(ii) and patch (c): every documented error kind parses losslessly into the one problem model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_python_client.strings import ClassName, PythonIdentifier

from aviv_caas_client import Client
from aviv_caas_client.models.error_response import ErrorResponse
from aviv_caas_client.models.field_error import FieldError
from scripts.paths import GENERATED_PACKAGE, OVERLAY_FILE
from tests.spec.conftest import (
    GENERATOR_SETTINGS,
    DocumentedResponse,
    documented_responses,
    error_kind_body,
    generated_model_names,
    is_error_status,
    json_differences,
    prepared_spec,
    raw_spec,
    validation_errors,
)

# The kinds issue 2 names, and the component of AVIV's document that documents each.
ISSUE_KINDS = {
    "validation": "ValidationErrorResponse",
    "parsing": "ParsingErrorResponse",
    "bad request": "BadRequestErrorResponse",
    "Duplicated Classified": "ClassifiedAlreadyExistsError",
    "Duplicated Media": "MediaAlreadyExistsError",
    "Colliding Contacts": "ContactsCollidingError",
    "401": "UnauthorizedError",
    "403 scope": "ResourceAccessScopeForbiddenError",
    "404": "RessourceNotFoundError",
    "412": "PreconditionFailedError",
    "500": "InternalServerErrorResponse",
}
ERROR_RESPONSES = [r for r in documented_responses(raw_spec()) if is_error_status(r.status)]
# Every error component a response of AVIV's document declares (directly or in a oneOf).
DOCUMENTED_KINDS = sorted({kind for r in ERROR_RESPONSES for kind in r.kinds})
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}


def where_documented(kind: str) -> DocumentedResponse:
    """The first documented (operation, status) whose answer may be of this kind, `default` last."""
    candidates = [r for r in ERROR_RESPONSES if kind in r.kinds]
    return sorted(candidates, key=lambda r: r.status == "default")[0]


def parse(documented: DocumentedResponse, body: Any) -> Any:
    status = 503 if documented.status == "default" else int(documented.status)
    response = httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": documented.content_type}
    )
    module = documented.operation.module()
    return module._build_response(client=Client(base_url="https://caas.invalid"), response=response).parsed


def test_every_kind_the_issue_names_is_documented() -> None:
    assert set(ISSUE_KINDS.values()) <= set(DOCUMENTED_KINDS)
    # The remaining documented kinds: the other 404 variant, and ErrorResponse itself (`default`).
    assert set(DOCUMENTED_KINDS) - set(ISSUE_KINDS.values()) == {
        "ResourceAccessForbiddenError",
        "ErrorResponse",
    }


@pytest.mark.parametrize("kind", DOCUMENTED_KINDS)
def test_each_kind_body_comes_from_the_document_and_fits_the_problem_model(kind: str) -> None:
    body = error_kind_body(kind)
    assert {"type", "title", "detail", "status"} <= set(body)
    assert validation_errors(prepared_spec(), PROBLEM_SCHEMA, body) == []


def test_only_the_colliding_contacts_example_lacks_instance() -> None:
    """Why the overlay makes `instance` optional: AVIV's own example omits it (raw schema rejects it)."""
    invalid_in_raw = {
        kind: validation_errors(raw_spec(), {"$ref": f"#/components/schemas/{kind}"}, error_kind_body(kind))
        for kind in DOCUMENTED_KINDS
    }
    assert {k: v for k, v in invalid_in_raw.items() if v} == {
        "ContactsCollidingError": ["/: 'instance' is a required property"]
    }


def test_validation_kind_is_built_with_errors_and_error_source() -> None:
    body = error_kind_body("ValidationErrorResponse")
    assert body["errors"] == [{"name": "/data/estateSubTypes/trading", "reason": body["errors"][0]["reason"]}]
    assert body["errorSource"] == "body"
    assert body["type"].endswith("#section/Errors/Validation-Error")


@pytest.mark.parametrize("issue_kind", ISSUE_KINDS)
def test_each_issue_kind_parses_losslessly_into_error_response(issue_kind: str) -> None:
    kind = ISSUE_KINDS[issue_kind]
    body = error_kind_body(kind)
    documented = where_documented(kind)
    assert documented.status != "default"
    parsed = parse(documented, body)
    assert type(parsed) is ErrorResponse
    assert parsed.to_dict() == body
    assert json_differences(body, parsed.to_dict()) == []
    assert json.dumps(parsed.to_dict(), sort_keys=True) == json.dumps(body, sort_keys=True)
    assert (parsed.type_, parsed.title, parsed.detail, parsed.status) == (
        body["type"],
        body["title"],
        body["detail"],
        body["status"],
    )
    assert parsed.additional_properties == {}


@pytest.mark.parametrize("kind", ["ValidationErrorResponse", "ContactsCollidingError"])
def test_aviv_extensions_are_typed(kind: str) -> None:
    body = error_kind_body(kind)
    parsed = parse(where_documented(kind), body)
    assert parsed.error_source == body["errorSource"]
    assert [type(e) for e in parsed.errors] == [FieldError] * len(body["errors"])
    assert [(e.name, e.reason) for e in parsed.errors] == [(e["name"], e["reason"]) for e in body["errors"]]


def test_unknown_members_survive() -> None:
    body = error_kind_body("ValidationErrorResponse")
    body["traceId"] = "0af7651916cd43dd8448eb211c80319c"
    body["x-aviv-help"] = {"see": ["https://caas-api-documentation.kugawana.eu"], "retry": False}
    body["errors"][0]["allowedValues"] = ["STORE", "KIOSK"]
    parsed = parse(where_documented("ValidationErrorResponse"), body)
    assert parsed.to_dict() == body
    assert parsed.additional_properties == {"traceId": body["traceId"], "x-aviv-help": body["x-aviv-help"]}
    assert parsed.errors[0].additional_properties == {"allowedValues": ["STORE", "KIOSK"]}


@pytest.mark.parametrize("documented", ERROR_RESPONSES, ids=str)
def test_every_error_answer_is_typed_as_the_problem_model_only(documented: DocumentedResponse) -> None:
    """Each documented error status returns ErrorResponse, whatever kind of body AVIV sends."""
    for kind in documented.kinds:
        assert type(parse(documented, error_kind_body(kind))) is ErrorResponse


def test_no_generated_class_claims_a_kind_of_problem() -> None:
    kind_classes = {ClassName(kind, GENERATOR_SETTINGS.field_prefix) for kind in DOCUMENTED_KINDS} - {
        "ErrorResponse"
    }
    # Exactly the per-kind schemas the overlay removes (12 in v3.1.3).
    overlay = yaml.safe_load(OVERLAY_FILE.read_text(encoding="utf-8"))
    (removal,) = [a["target"] for a in overlay["actions"] if a.get("remove") and "schemas['" in a["target"]]
    assert kind_classes == {
        ClassName(name, GENERATOR_SETTINGS.field_prefix) for name in re.findall(r"'(\w+)'", removal)
    }
    assert not kind_classes & generated_model_names()
    modules = {p.stem for p in (GENERATED_PACKAGE / "models").glob("*.py")}
    assert not {PythonIdentifier(c, GENERATOR_SETTINGS.field_prefix) for c in kind_classes} & modules
    problem_models = {n for n in generated_model_names() if "error" in n.lower()}
    assert problem_models == {"ErrorResponse", "ErrorResponseErrorSource", "FieldError"}
    assert Path(GENERATED_PACKAGE / "models" / "error_response.py").is_file()
