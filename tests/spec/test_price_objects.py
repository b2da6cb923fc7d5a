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
from aviv_caas_client.api.classifieds import create_classified
from aviv_caas_client.models.aviv_classified import AvivClassified
from tests.spec.call_in_sandbox import sandbox_client
from tests.spec.conftest import deref, minimal_instance, prepared_spec, slots

BODY_SCHEMA = {"$ref": "#/components/schemas/AvivClassified"}


def parts(group: dict[str, Any]) -> list[dict[str, Any]]:
    """The group's own part and each (resolved) allOf member."""
    own = {k: v for k, v in group.items() if k != "allOf"}
    return [own, *(deref(prepared_spec(), member) for member in group["allOf"])]


def members(group: dict[str, Any]) -> dict[str, Any]:
    """Every member any part declares, with a schema that constrains it (not a bare ``{}``)."""
    found: dict[str, Any] = {}
    for part in parts(group):
        for name, schema in part.get("properties", {}).items():
            if schema or name not in found:
                found[name] = schema
    return found


GROUPS = [slot for slot in slots(prepared_spec(), BODY_SCHEMA, "allOf") if slot.path and members(slot.node)]
CASES = [
    pytest.param(slot, name, id=f"{'.'.join(map(str, slot.path))}.{name}")
    for slot in GROUPS
    for name in members(slot.node)
]


@pytest.fixture(scope="module")
def spec() -> ApiSpec:
    return ApiSpec(prepared_spec())


def create_body_errors(spec: ApiSpec, body: Any) -> list[str]:
    """What the sandbox's request validation says of a create body."""
    pointer = spec.by_id["createClassified"].body_content["application/json"]
    return [error.message for error in spec.validator(pointer).iter_errors(body)]


def test_the_documented_cases_are_covered() -> None:
    paths = {".".join(map(str, slot.path)) for slot in GROUPS}
    assert {"data.prices.brokerageFee", "data.prices.buy.price", "data.prices.buy.operatingCosts"} <= paths
    assert len(CASES) > 100


@pytest.mark.parametrize(("slot", "name"), CASES)
def test_every_member_of_a_composed_object_is_accepted_and_modelled(
    spec: ApiSpec, slot: Any, name: str
) -> None:
    schema = members(slot.node)[name]
    untyped = not {"type", "enum", "$ref", "allOf", "oneOf", "anyOf", "properties"} & set(schema)
    value = {name: "any value" if untyped else minimal_instance(prepared_spec(), schema)}
    body = slot.place(prepared_spec(), value)
    assert create_body_errors(spec, body) == []
    assert AvivClassified.from_dict(body).to_dict() == body  # the client models it (not as an extra)


@pytest.mark.parametrize("slot", GROUPS[:5], ids=lambda s: ".".join(map(str, s.path)))
def test_an_undeclared_member_is_still_rejected(spec: ApiSpec, slot: Any) -> None:
    closed = any(part.get("additionalProperties") is False for part in parts(slot.node))
    body = slot.place(prepared_spec(), {"notAPriceMember": 1})
    assert bool(create_body_errors(spec, body)) == closed


def test_the_client_sends_a_brokerage_fee_the_sandbox_accepts(
    caas_sandbox_factory: Callable[..., Sandbox],
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
    classified = AvivClassified.from_dict(copy.deepcopy(body))
    assert classified.data.prices.brokerage_fee.amount == 25000  # type: ignore[union-attr]
    with sandbox_client(sandbox, "PriceTest/1.0") as client:
        accepted = unwrap(create_classified.sync_detailed(client=client, body=classified))
    assert accepted.classified_id
