"""(i) and patch (a): one generated module per operation of AVIV's document, without auth parameters."""

from __future__ import annotations

import inspect

import pytest
from openapi_python_client.strings import PythonIdentifier

from aviv_caas_client.types import UNSET
from scripts.paths import GENERATED_PACKAGE
from tests.spec.conftest import (
    GENERATOR_SETTINGS,
    PACKAGE,
    Operation,
    deref,
    operations,
    parameters,
    raw_spec,
)

RAW_OPERATIONS = operations(raw_spec())
FUNCTIONS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
AUTH_PARAMETER_REFS = (
    "#/components/parameters/authorizationHeader",
    "#/components/parameters/userAgentHeader",
)


def python_name(name: str) -> str:
    return PythonIdentifier(name, prefix=GENERATOR_SETTINGS.field_prefix)


def auth_argument_names() -> set[str]:
    """The argument names the generator would give AVIV's Authorization and User-Agent headers."""
    return {python_name(deref(raw_spec(), {"$ref": ref})["name"]) for ref in AUTH_PARAMETER_REFS}


def test_each_operation_of_the_pinned_document_has_its_own_generated_module() -> None:
    assert len(RAW_OPERATIONS) >= 15  # v3.1.3's count; AVIV's minor versions only add
    assert len({op.operation_id for op in RAW_OPERATIONS}) == len(RAW_OPERATIONS)
    assert len({op.module_name for op in RAW_OPERATIONS}) == len(RAW_OPERATIONS)
    generated = {
        f"{PACKAGE}.api.{path.parent.name}.{path.stem}"
        for path in (GENERATED_PACKAGE / "api").glob("*/*.py")
        if path.stem != "__init__"
    }
    assert generated == {op.module_name for op in RAW_OPERATIONS}


def test_the_auth_argument_names_are_the_ones_the_issue_names() -> None:
    assert auth_argument_names() == {"authorization", "user_agent"}


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
    raw_headers = {p["name"] for p in parameters(raw_spec(), operation) if p["in"] == "header"}
    assert {"authorization", "User-Agent"} <= raw_headers  # what AVIV's document asks of every caller
    for name in FUNCTIONS:
        arguments = set(inspect.signature(getattr(module, name)).parameters)
        assert not arguments & auth_argument_names(), (
            f"{name} still takes {arguments & auth_argument_names()}"
        )


@pytest.mark.parametrize("operation", RAW_OPERATIONS, ids=str)
def test_traceparent_is_an_optional_keyword(operation: Operation) -> None:
    module = operation.module()
    for name in FUNCTIONS:
        traceparent = inspect.signature(getattr(module, name)).parameters["traceparent"]
        assert traceparent.kind is inspect.Parameter.KEYWORD_ONLY
        assert traceparent.default is UNSET


@pytest.mark.parametrize("operation", RAW_OPERATIONS, ids=str)
def test_every_other_documented_parameter_is_kept(operation: Operation) -> None:
    """Only the two auth headers go: each other parameter keeps its name and its requiredness."""
    auth = [deref(raw_spec(), {"$ref": ref}) for ref in AUTH_PARAMETER_REFS]
    expected = {
        python_name(p["name"]): bool(p.get("required"))
        for p in parameters(raw_spec(), operation)
        if not any(p is a for a in auth)
    }
    if operation.spec.get("requestBody") is not None:
        expected["body"] = True  # the overlay requires every body (AVIV answers 400 without one)
    signature = inspect.signature(operation.module().sync_detailed)
    arguments = {n: p for n, p in signature.parameters.items() if n != "client"}
    assert set(arguments) == set(expected)
    for name, required in expected.items():
        assert (arguments[name].default is inspect.Parameter.empty) == required, name
