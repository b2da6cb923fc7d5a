"""Patch (d): every enum value of AVIV's document survives generation, typed and unchanged on the wire."""

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
from openapi_python_client.strings import PythonIdentifier

from aviv_caas_client.errors import InvalidEnumValueError
from aviv_caas_client.models.aviv_classified import AvivClassified
from scripts.paths import GENERATED_PACKAGE
from tests.spec.bodies import paris_apartment_for_sale
from tests.spec.conftest import (
    GENERATOR_SETTINGS,
    PACKAGE,
    Operation,
    Slot,
    deref,
    inlined_component,
    json_differences,
    model_class,
    operations,
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


def generated_literals() -> dict[str, tuple[Any, ...]]:
    """Every `X = Literal[...]` alias defined by a generated model module: name -> values in order."""
    found = {}
    for path in sorted((GENERATED_PACKAGE / "models").glob("*.py")):
        names = re.findall(r"^(\w+) = Literal\[", path.read_text(encoding="utf-8"), re.MULTILINE)
        if names:
            module = importlib.import_module(f"{PACKAGE}.models.{path.stem}")
            found.update({name: typing.get_args(getattr(module, name)) for name in names})
    return found


RAW_ENUMS = list(enums(raw_spec()))
LITERAL_VALUE_SETS = [frozenset(values) for values in generated_literals().values()]


def in_removed_component(where: tuple[str, ...]) -> bool:
    """Whether the enum belongs to a component the overlay removed (the per-kind error schemas)."""
    return where[:2] == ("components", "schemas") and where[2] not in prepared_spec()["components"]["schemas"]


def model_roots() -> list[str]:
    """The components generated as model classes (each can be parsed and serialised on its own)."""
    roots = []
    for name in raw_spec()["components"]["schemas"]:
        try:
            model_class(name)
        except KeyError:
            continue
        roots.append(name)
    return roots


ROOTS = model_roots()
SLOTS = [
    (root, slot)
    for root in ROOTS
    for slot in slots(raw_spec(), {"$ref": f"#/components/schemas/{root}"}, "enum")
]


def inline_in_answer(where: tuple[str, ...]) -> bool:
    """Whether an enum sits in a schema written inline in an operation's response."""
    return where[0] == "paths" and "responses" in where


def parameter_enum(parameter: dict[str, Any]) -> dict[str, Any] | None:
    """The schema node holding a parameter's enum (itself, or its items), if it has one."""
    for node in (parameter["schema"], deref(raw_spec(), parameter["schema"].get("items", {}))):
        if "enum" in node:
            return node
    return None


ENUM_PARAMETERS = [
    (op, p)
    for op in operations(raw_spec())
    for p in parameters(raw_spec(), op)
    if parameter_enum(p) is not None
]


def test_counts() -> None:
    """The walks find every enum of the document (v3.1.3: 237 enums, 16 model roots, 4 enum parameters)."""
    text = json.dumps(raw_spec())
    assert len(RAW_ENUMS) == text.count('"enum": [') - text.count('"enum": {')
    assert len(RAW_ENUMS) >= 237
    assert all(isinstance(v, str) for _, node in RAW_ENUMS for v in node["enum"])
    assert sum(in_removed_component(w) for w, _ in RAW_ENUMS) >= 1  # errorSource of error kinds
    assert "AvivClassified" in ROOTS
    assert len(ROOTS) >= 16
    assert sum(len(slot.node["enum"]) for _, slot in SLOTS) > 3000
    assert len(ENUM_PARAMETERS) >= 4


def test_every_enum_is_exercised_on_the_wire() -> None:
    """Each enum is round-tripped below (in a model or a query parameter), except in two places."""
    exercised = {id(slot.node) for _, slot in SLOTS}
    exercised |= {id(parameter_enum(p)) for _, p in ENUM_PARAMETERS}
    left = [w for w, node in RAW_ENUMS if id(node) not in exercised]
    # Error kinds the overlay replaced (their errorSource values are ErrorResponse's, see test_errors),
    # the JSON Patch request bodies (`op`, `path`), typed by Literals (checked below), and enums
    # declared inline in an operation's answer (none in v3.1.3), typed by that answer's model and
    # parsed from the document's examples by test_responses.
    assert all(
        in_removed_component(w) or w[2] in ("MediaPatch", "classifiedsPatch") or inline_in_answer(w)
        for w in left
    )
    assert sum(not inline_in_answer(w) for w in left) >= 2 + 10


@pytest.mark.parametrize(("where", "node"), RAW_ENUMS, ids=["/".join(w[-3:]) for w, _ in RAW_ENUMS])
def test_every_enum_has_a_literal_with_exactly_its_values(
    where: tuple[str, ...], node: dict[str, Any]
) -> None:
    values = node["enum"]
    assert len(set(values)) == len(values)
    if in_removed_component(where):
        # Its values live on in ErrorResponse.errorSource, the union of both kinds' values.
        assert any(set(values) <= literal for literal in LITERAL_VALUE_SETS)
    elif "anyOf" in where:
        # GeoJSON `type` members: the generator keeps location.geometry as an untyped mapping (it
        # does not type an anyOf), so these values pass through unchanged (round-tripped below).
        assert where[-2:] == ("properties", "type")
    else:
        assert frozenset(values) in LITERAL_VALUE_SETS


def test_no_literal_invents_a_value() -> None:
    documented = {frozenset(node["enum"]) for _, node in RAW_ENUMS}
    assert all(literal in documented for literal in LITERAL_VALUE_SETS)


@pytest.mark.parametrize(("root", "slot"), SLOTS, ids=[f"{r}:{'.'.join(map(str, s.path))}" for r, s in SLOTS])
def test_every_value_round_trips_at_its_place(root: str, slot: Slot) -> None:
    """Each value, placed where the document allows it, comes back unchanged and in place."""
    model = model_class(root)
    schema = [inlined_component(root)]
    for value in slot.node["enum"]:
        body = slot.place(raw_spec(), value)
        returned = model.from_dict(body).to_dict()
        assert value_at(returned, slot.path) == value
        assert json_differences(body, returned, schema) == []


@pytest.mark.parametrize(
    ("operation", "parameter"),
    ENUM_PARAMETERS,
    ids=[f"{o.operation_id}:{p['name']}" for o, p in ENUM_PARAMETERS],
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
    argument = PythonIdentifier(parameter["name"], prefix=GENERATOR_SETTINGS.field_prefix)
    assert argument in signature.parameters
    is_list = parameter["schema"].get("type") == "array"
    values = parameter_enum(parameter)["enum"]
    for value in values:
        sent = module._get_kwargs(**required, **{argument: [value] if is_list else value})["params"]
        assert sent[parameter["name"]] == ([value] if is_list else value)


def test_efficiency_class_keeps_a_and_a_plus() -> None:
    (efficiency,) = [
        node["enum"] for w, node in RAW_ENUMS if w[-1] == "efficiencyClass" and "A+" in node["enum"]
    ]
    assert frozenset(efficiency) in LITERAL_VALUE_SETS
    assert {"A", "A+", "A++", "A+_A++"} <= set(efficiency)
    assert len(efficiency) == 44


@pytest.mark.parametrize("efficiency_class", ["A+", "A", "A++", "A+_A++"])
def test_a_paris_body_with_a_plus_round_trips(efficiency_class: str) -> None:
    body = paris_apartment_for_sale()
    body["data"]["energy"]["countrySpecific"]["be"] = {
        "energyCertificate": {"efficiencyClass": efficiency_class, "primaryEnergyConsumption": 95}
    }
    model = AvivClassified.from_dict(body)
    assert model.data.energy.country_specific.be.energy_certificate.efficiency_class == efficiency_class
    assert json_differences(body, model.to_dict(), [inlined_component("AvivClassified")]) == []


def test_an_undocumented_enum_value_is_kept_when_read_and_refused_when_built() -> None:
    body = paris_apartment_for_sale()
    body["data"]["energy"]["countrySpecific"]["be"] = {"energyCertificate": {"efficiencyClass": "A+++"}}
    read = AvivClassified.from_dict(body)  # what AVIV sent: kept (tolerant reader, issue 6)
    on_the_wire = json.loads(json.dumps(read.to_dict()))  # UnknownEnumValue serialises as its str
    assert json_differences(body, on_the_wire, [inlined_component("AvivClassified")]) == []
    certificate = read.data.energy.country_specific.be.energy_certificate  # type: ignore[union-attr]
    certificate.efficiency_class = "A+++"  # typed by the user: a plain str, not a value read from AVIV
    with pytest.raises(InvalidEnumValueError, match=r"A\+\+\+"):
        read.to_dict()
