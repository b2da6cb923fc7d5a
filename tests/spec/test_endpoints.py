"""(i) and patch (a): one generated module per operation of each AVIV document, without auth parameters."""

from __future__ import annotations

import importlib
import inspect

import pytest
from openapi_python_client.strings import PythonIdentifier

from scripts.paths import ApiPaths
from tests.spec.conftest import (
    API_VERSIONS,
    Operation,
    deref,
    for_each_api,
    generator_settings,
    operations,
    package_of,
    parameters,
    raw_spec,
)

RAW_OPERATIONS = [op for api in API_VERSIONS for op in operations(raw_spec(api), api)]
FUNCTIONS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
# AVIV's auth header parameters: v3 declares both, v4 only the User-Agent (bearer scheme alone).
AUTH_PARAMETER_REFS = (
    "#/components/parameters/authorizationHeader",
    "#/components/parameters/userAgentHeader",
)
AUTH_HEADERS = {"authorization", "User-Agent"}


def python_name(name: str, api: str) -> str:
    return PythonIdentifier(name, prefix=generator_settings(api).field_prefix)


def auth_parameters(api: str) -> list[dict[str, object]]:
    """The auth header parameters ``api``'s document declares."""
    declared = raw_spec(api)["components"].get("parameters", {})
    return [
        deref(raw_spec(api), {"$ref": ref})
        for ref in AUTH_PARAMETER_REFS
        if ref.rsplit("/", 1)[1] in declared
    ]


def auth_argument_names(api: str) -> set[str]:
    """The argument names the generator would give AVIV's Authorization and User-Agent headers."""
    return {python_name(str(p["name"]), api) for p in auth_parameters(api)}


@for_each_api()
def test_each_operation_of_the_pinned_document_has_its_own_generated_module(api: str) -> None:
    documented = operations(raw_spec(api), api)
    assert documented
    assert len({op.operation_id for op in documented}) == len(documented)
    assert len({op.module_name for op in documented}) == len(documented)
    package = ApiPaths(api).generated_package
    generated = {
        f"{package_of(api)}.api.{path.parent.name}.{path.stem}"
        for path in (package / "api").glob("*/*.py")
        if path.stem != "__init__"
    }
    assert generated == {op.module_name for op in documented}


@for_each_api()
def test_the_auth_argument_names_are_the_ones_the_issue_names(api: str) -> None:
    names = auth_argument_names(api)
    assert "user_agent" in names
    assert names <= {"authorization", "user_agent"}
    # v3 declares an authorization header parameter, v4 none (the bearer security scheme alone)
    assert ("authorization" in names) == ("authorizationHeader" in raw_spec(api)["components"]["parameters"])


@pytest.mark.parametrize("operation", RAW_OPERATIONS, ids=str)
def test_each_operation_has_sync_and_async_functions(operation: Operation) -> None:
    module = operation.module()
    for name in FUNCTIONS:
        function = getattr(module, name)
        assert inspect.iscoroutinefunction(function) == name.startswith("asyncio"), name
        assert inspect.signature(function).parameters["client"].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("operation", RAW_OPERATIONS, ids=str)
def test_no_function_takes_authorization_or_user_agent(operation: Operation) -> None:
    module = operation.module()
    raw_headers = {p["name"] for p in parameters(raw_spec(operation.api), operation) if p["in"] == "header"}
    declared = {str(p["name"]) for p in auth_parameters(operation.api)}
    assert declared <= raw_headers  # what AVIV's document asks of every caller
    assert raw_headers & AUTH_HEADERS == declared
    for name in FUNCTIONS:
        arguments = set(inspect.signature(getattr(module, name)).parameters)
        assert not arguments & {"authorization", "user_agent"}, f"{name} still takes an auth header"


@pytest.mark.parametrize("operation", RAW_OPERATIONS, ids=str)
def test_traceparent_is_an_optional_keyword(operation: Operation) -> None:
    module = operation.module()
    for name in FUNCTIONS:
        traceparent = inspect.signature(getattr(module, name)).parameters["traceparent"]
        assert traceparent.kind is inspect.Parameter.KEYWORD_ONLY
        assert traceparent.default is importlib.import_module(f"{package_of(operation.api)}.types").UNSET


@pytest.mark.parametrize("operation", RAW_OPERATIONS, ids=str)
def test_every_other_documented_parameter_is_kept(operation: Operation) -> None:
    """Only the two auth headers go: each other parameter keeps its name and its requiredness."""
    auth = auth_parameters(operation.api)
    expected = {
        python_name(p["name"], operation.api): bool(p.get("required"))
        for p in parameters(raw_spec(operation.api), operation)
        if not any(p is a for a in auth)
    }
    if operation.spec.get("requestBody") is not None:
        expected["body"] = True  # the overlay requires every body (AVIV answers 400 without one)
    signature = inspect.signature(operation.module().sync_detailed)
    arguments = {n: p for n, p in signature.parameters.items() if n != "client"}
    assert set(arguments) == set(expected)
    for name, required in expected.items():
        assert (arguments[name].default is inspect.Parameter.empty) == required, name
