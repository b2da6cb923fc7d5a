"""Client and sandbox agree on every member of AVIV's composed (``allOf``) objects (issue 10, point 5).

AVIV documents price members beside an ``allOf`` (``prices.brokerageFee.{amount, feeFor, hasFee}``,
``prices.buy.price.priceInformation``) that strict JSON Schema would reject; the overlay follows
the documented intent (one closed object with the members of all its parts). Checked here for
every ``allOf`` group a request body can contain: the sandbox's strict validator accepts each
member the generated client models, and still rejects a member nobody declares.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from aviv_caas_auth import unwrap
from aviv_caas_auth.sandbox import ApiSpec, Sandbox
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale
from aviv_caas_auth.workflows.endpoints import endpoints_of
from tests.spec.call_in_sandbox import sandbox_client
from tests.spec.conftest import (
    API_VERSIONS,
    deref,
    for_each_api,
    minimal_instance,
    model_class,
    prepared_spec,
    slots,
)

BODY_SCHEMA = {"$ref": "#/components/schemas/AvivClassified"}


def parts(group: dict[str, Any], api: str) -> list[dict[str, Any]]:
    """The group's own part and each (resolved) allOf member."""
    own = {k: v for k, v in group.items() if k != "allOf"}
    return [own, *(deref(prepared_spec(api), member) for member in group["allOf"])]


def members(group: dict[str, Any], api: str) -> dict[str, Any]:
    """Every member any part declares, with a schema that constrains it (not a bare ``{}``)."""
    found: dict[str, Any] = {}
    for part in parts(group, api):
        for name, schema in part.get("properties", {}).items():
            if schema or name not in found:
                found[name] = schema
    return found


GROUPS = {
    api: [
        slot
        for slot in slots(prepared_spec(api), BODY_SCHEMA, "allOf")
        if slot.path and members(slot.node, api)
    ]
    for api in API_VERSIONS
}
CASES = [
    pytest.param(api, slot, name, id=f"{api}-{'.'.join(map(str, slot.path))}.{name}")
    for api in API_VERSIONS
    for slot in GROUPS[api]
    for name in members(slot.node, api)
]
FIRST_GROUPS = [
    pytest.param(api, slot, id=f"{api}-{'.'.join(map(str, slot.path))}")
    for api in API_VERSIONS
    for slot in GROUPS[api][:5]
]
SPECS = {api: ApiSpec(prepared_spec(api)) for api in API_VERSIONS}


def create_body_errors(spec: ApiSpec, body: Any) -> list[str]:
    """What the sandbox's request validation says of a create body."""
    pointer = spec.by_id["createClassified"].body_content["application/json"]
    return [error.message for error in spec.validator(pointer).iter_errors(body)]


@for_each_api()
def test_the_documented_cases_are_covered(api: str) -> None:
    paths = {".".join(map(str, slot.path)) for slot in GROUPS[api]}
    assert {"data.prices.brokerageFee", "data.prices.buy.price", "data.prices.buy.operatingCosts"} <= paths
    assert len([case for case in CASES if case.values[0] == api]) > 100


@pytest.mark.parametrize(("api", "slot", "name"), CASES)
def test_every_member_of_a_composed_object_is_accepted_and_modelled(api: str, slot: Any, name: str) -> None:
    schema = members(slot.node, api)[name]
    untyped = not {"type", "enum", "$ref", "allOf", "oneOf", "anyOf", "properties"} & set(schema)
    value = {name: "any value" if untyped else minimal_instance(prepared_spec(api), schema)}
    body = slot.place(prepared_spec(api), value)
    assert create_body_errors(SPECS[api], body) == []
    model = model_class("AvivClassified", api)
    assert model.from_dict(body).to_dict() == body  # the client models it (not as an extra)


@pytest.mark.parametrize(("api", "slot"), FIRST_GROUPS)
def test_an_undeclared_member_is_still_rejected(api: str, slot: Any) -> None:
    closed = any(part.get("additionalProperties") is False for part in parts(slot.node, api))
    body = slot.place(prepared_spec(api), {"notAPriceMember": 1})
    assert bool(create_body_errors(SPECS[api], body)) == closed


@for_each_api()
def test_the_client_sends_a_brokerage_fee_the_sandbox_accepts(
    caas_sandbox_factory: Callable[..., Sandbox], api: str
) -> None:
    body = paris_apartment_for_sale()
    body["data"]["prices"]["brokerageFee"] = {
        "amount": 25000,
        "isVatIncluded": True,
        "feeFor": "BUYER_OR_TENANT",
        "hasFee": "YES",
        "feePercentage": 3.0,
    }
    body["data"]["prices"]["buy"]["price"]["priceInformation"] = "BASIS_FOR_NEGOTIATION"
    sandbox = caas_sandbox_factory()
    classified = model_class("AvivClassified", api).from_dict(copy.deepcopy(body))
    assert classified.data.prices.brokerage_fee.amount == 25000
    with sandbox_client(sandbox, "PriceTest/1.0", api) as client:
        create = endpoints_of(client).module("create_classified")
        accepted = unwrap(create.sync_detailed(client=client, body=classified))
    assert accepted.classified_id
