"""(iv) Bodies generated from AVIV's own AvivClassified schema (each version) round-trip through the typed model.

hypothesis-jsonschema draws valid bodies; each goes through ``AvivClassified.from_dict`` and
``to_dict`` and must come back as the same JSON. The only allowance: a `date-time` compares as
an instant (the model writes ``+00:00`` for ``Z``). UUIDs are drawn as AVIV writes them.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.spec.conftest import (
    API_VERSIONS,
    inline_refs,
    instances,
    json_differences,
    merge_all_of,
    model_class,
    prepared_spec,
    validation_errors,
)

EXAMPLES = 100
CLASSIFIED = {"$ref": "#/components/schemas/AvivClassified"}
STRICT = {api: inline_refs(prepared_spec(api), CLASSIFIED) for api in API_VERSIONS}
# The same schema with every allOf merged, as OpenAPI tools and the generator read it: it lets
# members through that strict JSON Schema forbids (e.g. prices.brokerageFee's own fields next
# to PriceCommon's), so the model's handling of those is exercised too.
MERGED = {api: merge_all_of(STRICT[api]) for api in API_VERSIONS}
CASES = [
    pytest.param(api, schemas[api], id=f"{api}-{name}")
    for api in API_VERSIONS
    for name, schemas in (("strict-json-schema", STRICT), ("allOf-merged", MERGED))
]
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def round_trip(schema: dict[str, Any], api: str) -> list[dict[str, Any]]:
    """Run the round trip on hypothesis' bodies for ``schema``; return every body it checked."""
    checked: list[dict[str, Any]] = []
    model = model_class("AvivClassified", api)

    @SETTINGS
    @given(body=instances(schema))
    def check(body: dict[str, Any]) -> None:
        assert validation_errors(prepared_spec(api), schema, body) == []
        returned = model.from_dict(body).to_dict()
        assert json_differences(body, returned, [schema]) == []
        checked.append(body)

    check()
    return checked


@pytest.mark.parametrize(("api", "schema"), CASES)
def test_generated_bodies_round_trip(api: str, schema: dict[str, Any]) -> None:
    checked = round_trip(schema, api)
    assert len(checked) >= EXAMPLES
    # The bodies are not all alike: hypothesis explored optional members.
    assert len({len(str(body)) for body in checked}) > EXAMPLES // 2


def test_the_comparison_is_exact_except_for_instants() -> None:
    """json_differences (used above) would report a lossy round trip."""
    assert json_differences({"a": 1}, {"a": 1.0}) != []
    assert json_differences({"a": [1, 2]}, {"a": [2, 1]}) != []
    assert json_differences({"a": "x"}, {"a": "x", "b": None}) != []
    created = {"properties": {"createDate": {"type": "string", "format": "date-time"}}}
    assert (
        json_differences(
            {"createDate": "2025-05-02T09:15:00Z"}, {"createDate": "2025-05-02T09:15:00+00:00"}, [created]
        )
        == []
    )
    assert (
        json_differences(
            {"createDate": "2025-05-02T09:15:00Z"}, {"createDate": "2025-05-02T11:15:00+00:00"}, [created]
        )
        != []
    )
    assert (
        json_differences({"note": "2025-05-02T09:15:00Z"}, {"note": "2025-05-02T09:15:00+00:00"}, [created])
        != []
    )
