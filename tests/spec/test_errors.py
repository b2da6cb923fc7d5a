"""(ii) and patch (c): every documented error kind of each version parses losslessly into the one problem model."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_python_client.strings import ClassName, PythonIdentifier

from scripts.paths import ApiPaths
from tests.spec.conftest import (
    API_VERSIONS,
    DocumentedResponse,
    documented_responses,
    error_kind_body,
    for_each_api,
    generated_model_names,
    generator_settings,
    is_error_status,
    json_differences,
    model_class,
    operations,
    package_of,
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
ERROR_RESPONSES = [
    r for api in API_VERSIONS for r in documented_responses(raw_spec(api), api) if is_error_status(r.status)
]
# Every error component a response of AVIV's document declares (directly or in a oneOf), per version.
DOCUMENTED_KINDS = {
    api: sorted({kind for r in ERROR_RESPONSES if r.operation.api == api for kind in r.kinds})
    for api in API_VERSIONS
}
KINDS = [(api, kind) for api in API_VERSIONS for kind in DOCUMENTED_KINDS[api]]
ISSUE_CASES = [
    (api, name) for api in API_VERSIONS for name, kind in ISSUE_KINDS.items() if kind in DOCUMENTED_KINDS[api]
]
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}


def where_documented(kind: str, api: str) -> DocumentedResponse:
    """The first documented (operation, status) whose answer may be of this kind, `default` last."""
    candidates = [r for r in ERROR_RESPONSES if r.operation.api == api and kind in r.kinds]
    return sorted(candidates, key=lambda r: r.status == "default")[0]


def parse(documented: DocumentedResponse, body: Any) -> Any:
    status = 503 if documented.status == "default" else int(documented.status)
    response = httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": documented.content_type}
    )
    module = documented.operation.module()
    client = importlib.import_module(package_of(documented.operation.api)).Client(
        base_url="https://caas.invalid"
    )
    return module._build_response(client=client, response=response).parsed


@for_each_api()
def test_every_kind_the_issue_names_is_documented(api: str) -> None:
    documented = set(DOCUMENTED_KINDS[api])
    # Duplicated Media is an answer of the media endpoints: documented where there are some (v3, not v4).
    has_media_endpoints = any("/media" in op.path for op in operations(raw_spec(api), api))
    assert ("MediaAlreadyExistsError" in documented) == has_media_endpoints
    assert set(ISSUE_KINDS.values()) - {"MediaAlreadyExistsError"} <= documented
    # Besides: the other 404 variant, and ErrorResponse itself (`default`); a later version may add more.
    assert {"ResourceAccessForbiddenError", "ErrorResponse"} <= documented - set(ISSUE_KINDS.values())


@pytest.mark.parametrize(("api", "kind"), KINDS, ids=[f"{a}-{k}" for a, k in KINDS])
def test_each_kind_body_comes_from_the_document_and_fits_the_problem_model(api: str, kind: str) -> None:
    body = error_kind_body(kind, api)
    assert {"type", "title", "detail", "status"} <= set(body)
    assert validation_errors(prepared_spec(api), PROBLEM_SCHEMA, body) == []


@for_each_api()
def test_only_the_colliding_contacts_example_lacks_instance(api: str) -> None:
    """Why the overlay makes `instance` optional: AVIV's own example omits it (raw schema rejects it)."""
    invalid_in_raw = {
        kind: validation_errors(
            raw_spec(api), {"$ref": f"#/components/schemas/{kind}"}, error_kind_body(kind, api)
        )
        for kind in DOCUMENTED_KINDS[api]
    }
    rejected = {k: v for k, v in invalid_in_raw.items() if v}
    assert "ContactsCollidingError" in rejected  # (the only one in 3.1.3 and 4.0.2)
    # A rule any update keeps or the overlay must follow: `instance` is all the raw schema rejects.
    assert all(v == ["/: 'instance' is a required property"] for v in rejected.values()), rejected


def test_every_version_defines_the_same_problem_model() -> None:
    """The hand-written code reads problems of every version alike: each overlay defines the same model."""
    for name in ("ErrorResponse", "FieldError"):
        definitions = {json.dumps(prepared_spec(api)["components"]["schemas"][name]) for api in API_VERSIONS}
        assert len(definitions) == 1, name


@for_each_api()
def test_validation_kind_is_built_with_errors_and_error_source(api: str) -> None:
    body = error_kind_body("ValidationErrorResponse", api)
    assert body["errors"] == [{"name": "/data/estateSubTypes/trading", "reason": body["errors"][0]["reason"]}]
    assert body["errorSource"] == "body"
    assert body["type"].endswith("#section/Errors/Validation-Error")


@pytest.mark.parametrize(("api", "issue_kind"), ISSUE_CASES, ids=[f"{a}-{k}" for a, k in ISSUE_CASES])
def test_each_issue_kind_parses_losslessly_into_error_response(api: str, issue_kind: str) -> None:
    kind = ISSUE_KINDS[issue_kind]
    body = error_kind_body(kind, api)
    documented = where_documented(kind, api)
    assert documented.status != "default"
    parsed = parse(documented, body)
    assert type(parsed) is model_class("ErrorResponse", api)
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


@for_each_api()
@pytest.mark.parametrize("kind", ["ValidationErrorResponse", "ContactsCollidingError"])
def test_aviv_extensions_are_typed(kind: str, api: str) -> None:
    body = error_kind_body(kind, api)
    parsed = parse(where_documented(kind, api), body)
    assert parsed.error_source == body["errorSource"]
    assert [type(e) for e in parsed.errors] == [model_class("FieldError", api)] * len(body["errors"])
    assert [(e.name, e.reason) for e in parsed.errors] == [(e["name"], e["reason"]) for e in body["errors"]]


@for_each_api()
def test_unknown_members_survive(api: str) -> None:
    body = error_kind_body("ValidationErrorResponse", api)
    body["traceId"] = "0af7651916cd43dd8448eb211c80319c"
    body["x-aviv-help"] = {"see": ["https://caas-api-documentation.kugawana.eu"], "retry": False}
    body["errors"][0]["allowedValues"] = ["STORE", "KIOSK"]
    parsed = parse(where_documented("ValidationErrorResponse", api), body)
    assert parsed.to_dict() == body
    assert parsed.additional_properties == {"traceId": body["traceId"], "x-aviv-help": body["x-aviv-help"]}
    assert parsed.errors[0].additional_properties == {"allowedValues": ["STORE", "KIOSK"]}


@pytest.mark.parametrize("documented", ERROR_RESPONSES, ids=str)
def test_every_error_answer_is_typed_as_the_problem_model_only(documented: DocumentedResponse) -> None:
    """Each documented error status returns ErrorResponse, whatever kind of body AVIV sends."""
    api = documented.operation.api
    for kind in documented.kinds:
        assert type(parse(documented, error_kind_body(kind, api))) is model_class("ErrorResponse", api)


@for_each_api()
def test_no_generated_class_claims_a_kind_of_problem(api: str) -> None:
    prefix = generator_settings(api).field_prefix
    kind_classes = {ClassName(kind, prefix) for kind in DOCUMENTED_KINDS[api]} - {"ErrorResponse"}
    # The per-kind schemas the overlay removes (12 in v3.1.3): every documented kind, and the kinds
    # the document defines without any operation answering them (v4's Duplicated Media).
    paths = ApiPaths(api)
    overlay = yaml.safe_load(paths.overlay_file.read_text(encoding="utf-8"))
    (removal,) = [
        a["target"]
        for a in overlay["actions"]
        if a.get("remove") and "schemas['" in a["target"] and "ErrorResponse" in a["target"]
    ]
    removed = {ClassName(name, prefix) for name in re.findall(r"'(\w+)'", removal)}
    assert kind_classes <= removed
    defined = {ClassName(k, prefix): k for k in raw_spec(api)["components"]["schemas"]}
    assert removed <= set(defined)
    answers = json.dumps(raw_spec(api)["paths"])
    for unanswered in removed - kind_classes:  # defined, but no operation answers it (v4's Duplicated Media)
        assert f"#/components/schemas/{defined[unanswered]}" not in answers
    assert not removed & generated_model_names(api)
    modules = {p.stem for p in (paths.generated_package / "models").glob("*.py")}
    assert not {PythonIdentifier(c, prefix) for c in removed} & modules
    problem_models = {n for n in generated_model_names(api) if "error" in n.lower()}
    assert problem_models == {"ErrorResponse", "ErrorResponseErrorSource", "FieldError"}
    assert Path(paths.generated_package / "models" / "error_response.py").is_file()
