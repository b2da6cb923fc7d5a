"""Patch (d): every enum value of each AVIV document survives generation, typed and unchanged on the wire."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import typing
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_python_client.strings import ClassName, PythonIdentifier

from scripts.paths import ApiPaths
from tests.spec.bodies import paris_apartment_for_sale
from tests.spec.conftest import (
    API_VERSIONS,
    Operation,
    Slot,
    deref,
    for_each_api,
    generated_model_names,
    generator_settings,
    inlined_component,
    json_differences,
    model_class,
    operations,
    package_of,
    parameters,
    prepared_spec,
    raw_spec,
    slots,
    value_at,
)


def enums(node: Any, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """(location, schema node) of every `enum` keyword in ``node`` (a property *named* enum is skipped)."""
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list) and where[-1:] != ("properties",):
            yield where, node
        for key, value in node.items():
            if key != "enum":
                yield from enums(value, (*where, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from enums(item, (*where, str(index)))


def generated_literals(api: str) -> dict[str, tuple[Any, ...]]:
    """Every `X = Literal[...]` alias defined by a generated model module: name -> values in order."""
    found = {}
    for path in sorted((ApiPaths(api).generated_package / "models").glob("*.py")):
        names = re.findall(r"^(\w+) = Literal\[", path.read_text(encoding="utf-8"), re.MULTILINE)
        if names:
            module = importlib.import_module(f"{package_of(api)}.models.{path.stem}")
            found.update({name: typing.get_args(getattr(module, name)) for name in names})
    return found


RAW_ENUMS = {api: list(enums(raw_spec(api))) for api in API_VERSIONS}
LITERAL_VALUE_SETS = {
    api: [frozenset(values) for values in generated_literals(api).values()] for api in API_VERSIONS
}


def in_removed_component(where: tuple[str, ...], api: str) -> bool:
    """Whether the enum belongs to a component the overlay removed (error kinds, v4's v3 leftovers)."""
    return (
        where[:2] == ("components", "schemas") and where[2] not in prepared_spec(api)["components"]["schemas"]
    )


def used_by_operations(api: str) -> set[str]:
    """The components AVIV's document reaches from its operations (following every ``$ref``)."""
    document, seen = raw_spec(api), set()
    pending = [json.dumps(document["paths"])]
    while pending:
        for name in re.findall(r"#/components/schemas/(\w+)", pending.pop()):
            if name not in seen:
                seen.add(name)
                pending.append(json.dumps(document["components"]["schemas"][name]))
    return seen


def model_roots(api: str) -> list[str]:
    """The components generated as model classes (each can be parsed and serialised on its own)."""
    roots = []
    for name in raw_spec(api)["components"]["schemas"]:
        try:
            model_class(name, api)
        except KeyError:
            continue
        roots.append(name)
    return roots


ROOTS = {api: model_roots(api) for api in API_VERSIONS}
SLOTS = [
    (api, root, slot)
    for api in API_VERSIONS
    for root in ROOTS[api]
    for slot in slots(raw_spec(api), {"$ref": f"#/components/schemas/{root}"}, "enum")
]


def inline_in_answer(where: tuple[str, ...]) -> bool:
    """Whether an enum sits in a schema written inline in an operation's response."""
    return where[0] == "paths" and "responses" in where


def parameter_enum(parameter: dict[str, Any], api: str) -> dict[str, Any] | None:
    """The schema node holding a parameter's enum (itself, or its items), if it has one."""
    for node in (parameter["schema"], deref(raw_spec(api), parameter["schema"].get("items", {}))):
        if "enum" in node:
            return node
    return None


ENUM_PARAMETERS = [
    (op, p)
    for api in API_VERSIONS
    for op in operations(raw_spec(api), api)
    for p in parameters(raw_spec(api), op)
    if parameter_enum(p, api) is not None
]
ENUM_VALUES = [(api, where, node) for api in API_VERSIONS for where, node in RAW_ENUMS[api]]


@for_each_api()
def test_counts(api: str) -> None:
    """The walks find every enum of the document (e.g. v3.1.3: 237 enums, 16 model roots, 4 enum parameters)."""
    text = json.dumps(raw_spec(api))
    found = RAW_ENUMS[api]
    assert len(found) == text.count('"enum": [') - text.count('"enum": {')
    assert all(isinstance(v, str) for _, node in found for v in node["enum"])
    assert sum(in_removed_component(w, api) for w, _ in found) >= 1  # errorSource of error kinds
    # the schemas the hand-written code relies on (asserted by the overlay) are model roots
    assert {"AvivClassified", "ClassifiedStatus", "ClassifiedStatusInternal"} <= set(ROOTS[api])
    filters = {(op.operation_id, p["name"]) for op, p in ENUM_PARAMETERS if op.api == api}
    assert {("getClassifiedStatuses", "status"), ("getClassifiedStatuses", "portal")} <= filters


@for_each_api()
def test_every_enum_is_exercised_on_the_wire(api: str) -> None:
    """Each enum is round-tripped below (in a model or a query parameter), except in three places."""
    exercised = {id(slot.node) for slot_api, _, slot in SLOTS if slot_api == api}
    exercised |= {id(parameter_enum(p, api)) for op, p in ENUM_PARAMETERS if op.api == api}
    left = [w for w, node in RAW_ENUMS[api] if id(node) not in exercised]
    # Components the overlay removed (the error kinds, whose errorSource values are ErrorResponse's,
    # see test_errors; v4's leftover JSON Patch bodies), the JSON Patch request bodies (`op`, `path`)
    # of v3's PATCH operations, typed by Literals (checked below), and enums declared inline in an
    # operation's answer (none in v3.1.3), typed by that answer's model and parsed from the
    # document's examples by test_responses.
    assert all(
        in_removed_component(w, api) or w[2] in ("MediaPatch", "classifiedsPatch") or inline_in_answer(w)
        for w in left
    )
    assert sum(not inline_in_answer(w) for w in left) >= 2 + 10


@pytest.mark.parametrize(
    ("api", "where", "node"), ENUM_VALUES, ids=[f"{a}-{'/'.join(w[-3:])}" for a, w, _ in ENUM_VALUES]
)
def test_every_enum_has_a_literal_with_exactly_its_values(
    api: str, where: tuple[str, ...], node: dict[str, Any]
) -> None:
    values = node["enum"]
    assert len(set(values)) == len(values)
    if in_removed_component(where, api) and where[2] not in used_by_operations(api):
        # A component no operation uses (v4's leftover JSON Patch bodies): not generated at all.
        assert where[2] not in ROOTS[api]
        assert ClassName(where[2], prefix="") not in generated_model_names(api)
    elif in_removed_component(where, api):
        # Its values live on in ErrorResponse.errorSource, the union of both kinds' values.
        assert any(set(values) <= literal for literal in LITERAL_VALUE_SETS[api])
    elif "anyOf" in where:
        # GeoJSON `type` members: the generator keeps location.geometry as an untyped mapping (it
        # does not type an anyOf), so these values pass through unchanged (round-tripped below).
        assert where[-2:] == ("properties", "type")
    else:
        assert frozenset(values) in LITERAL_VALUE_SETS[api]


@for_each_api()
def test_no_literal_invents_a_value(api: str) -> None:
    documented = {frozenset(node["enum"]) for _, node in RAW_ENUMS[api]}
    assert all(literal in documented for literal in LITERAL_VALUE_SETS[api])


@pytest.mark.parametrize(
    ("api", "root", "slot"), SLOTS, ids=[f"{a}-{r}:{'.'.join(map(str, s.path))}" for a, r, s in SLOTS]
)
def test_every_value_round_trips_at_its_place(api: str, root: str, slot: Slot) -> None:
    """Each value, placed where the document allows it, comes back unchanged and in place."""
    model = model_class(root, api)
    schema = [inlined_component(root, api)]
    for value in slot.node["enum"]:
        body = slot.place(raw_spec(api), value)
        returned = model.from_dict(body).to_dict()
        assert value_at(returned, slot.path) == value
        assert json_differences(body, returned, schema) == []


@pytest.mark.parametrize(
    ("operation", "parameter"),
    ENUM_PARAMETERS,
    ids=[f"{o.api}-{o.operation_id}:{p['name']}" for o, p in ENUM_PARAMETERS],
)
def test_every_query_parameter_value_is_sent_unchanged(
    operation: Operation, parameter: dict[str, Any]
) -> None:
    module = operation.module()
    signature = inspect.signature(module._get_kwargs)
    required = {
        name: uuid.UUID("5c597a63-6932-4b0c-a2a0-2fd935be1755") if p.annotation is uuid.UUID else "x"
        for name, p in signature.parameters.items()
        if p.default is inspect.Parameter.empty
    }
    argument = PythonIdentifier(parameter["name"], prefix=generator_settings(operation.api).field_prefix)
    assert argument in signature.parameters
    is_list = parameter["schema"].get("type") == "array"
    values = parameter_enum(parameter, operation.api)["enum"]
    for value in values:
        sent = module._get_kwargs(**required, **{argument: [value] if is_list else value})["params"]
        assert sent[parameter["name"]] == ([value] if is_list else value)


@for_each_api()
def test_efficiency_class_keeps_a_and_a_plus(api: str) -> None:
    (efficiency,) = [
        node["enum"] for w, node in RAW_ENUMS[api] if w[-1] == "efficiencyClass" and "A+" in node["enum"]
    ]
    assert frozenset(efficiency) in LITERAL_VALUE_SETS[api]
    assert {"A", "A+", "A++", "A+_A++"} <= set(efficiency)


@for_each_api()
@pytest.mark.parametrize("efficiency_class", ["A+", "A", "A++", "A+_A++"])
def test_a_paris_body_with_a_plus_round_trips(efficiency_class: str, api: str) -> None:
    body = paris_apartment_for_sale()
    body["data"]["energy"]["countrySpecific"]["be"] = {
        "energyCertificate": {"efficiencyClass": efficiency_class, "primaryEnergyConsumption": 95}
    }
    model = model_class("AvivClassified", api).from_dict(body)
    assert model.data.energy.country_specific.be.energy_certificate.efficiency_class == efficiency_class
    assert json_differences(body, model.to_dict(), [inlined_component("AvivClassified", api)]) == []


@for_each_api()
def test_an_undocumented_enum_value_is_kept_when_read_and_refused_when_built(api: str) -> None:
    body = paris_apartment_for_sale()
    body["data"]["energy"]["countrySpecific"]["be"] = {"energyCertificate": {"efficiencyClass": "A+++"}}
    read = model_class("AvivClassified", api).from_dict(body)  # what AVIV sent: kept (tolerant reader)
    on_the_wire = json.loads(json.dumps(read.to_dict()))  # UnknownEnumValue serialises as its str
    assert json_differences(body, on_the_wire, [inlined_component("AvivClassified", api)]) == []
    certificate = read.data.energy.country_specific.be.energy_certificate
    certificate.efficiency_class = "A+++"  # typed by the user: a plain str, not a value read from AVIV
    invalid = importlib.import_module(f"{package_of(api)}.errors").InvalidEnumValueError
    with pytest.raises(invalid, match=r"A\+\+\+"):
        read.to_dict()
