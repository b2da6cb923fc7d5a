"""Overlay strictness: an action that matches nothing fails loudly; remove/update semantics."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import yaml

from scripts.overlay import OverlayError, apply_overlay
from scripts.paths import OVERLAY_FILE
from tests.spec.conftest import operations, raw_spec, resolve


def overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def real_overlay() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OVERLAY_FILE.read_text(encoding="utf-8"))
    return loaded


def test_an_action_matching_nothing_raises_naming_its_target() -> None:
    document = {"components": {"schemas": {"Kept": {"type": "string"}}}}
    before = copy.deepcopy(document)
    target = "$.components.schemas.Gone"
    with pytest.raises(OverlayError) as caught:
        apply_overlay(
            document,
            overlay({"target": target, "description": "drop Gone", "remove": True}),
            source="openapi/v3/overlay.yaml",
        )
    message = str(caught.value)
    assert target in message
    assert "drop Gone" in message
    assert "adapt or delete these actions in openapi/v3/overlay.yaml" in message
    assert document == before


def test_a_later_action_matching_nothing_raises_too() -> None:
    document = {"a": {"b": 1}}
    with pytest.raises(OverlayError, match=r"action #2 matches nothing.*\n   target: \$\.a\.c"):
        apply_overlay(
            document,
            overlay({"target": "$.a", "update": {"x": 1}}, {"target": "$.a.c", "remove": True}),
        )


def test_the_real_overlay_fails_loudly_when_the_patched_node_is_gone() -> None:
    """AVIV drops ErrorResponse in a future version: preparing must stop, not silently skip patch (c)."""
    document = copy.deepcopy(raw_spec())
    del document["components"]["schemas"]["ErrorResponse"]
    with pytest.raises(OverlayError) as caught:
        apply_overlay(document, real_overlay())
    assert "$.components.schemas.ErrorResponse" in str(caught.value)
    assert "matches nothing" in str(caught.value)


def test_the_real_overlay_fails_loudly_when_auth_headers_are_no_longer_referenced() -> None:
    document = copy.deepcopy(raw_spec())
    for op in operations(document):
        op.spec["parameters"][:] = [
            p for p in op.spec["parameters"] if p.get("$ref") != "#/components/parameters/authorizationHeader"
        ]
    with pytest.raises(OverlayError, match="authorizationHeader"):
        apply_overlay(document, real_overlay())


def test_every_real_action_matches_the_pinned_document() -> None:
    document = copy.deepcopy(raw_spec())
    applied = apply_overlay(document, real_overlay())
    assert len(applied) == len(real_overlay()["actions"])
    assert all(action.matches > 0 for action in applied)
    operation_count = len(operations(raw_spec()))
    auth_removals = [a for a in applied if a.kind == "remove" and "Header'" in a.target]
    assert [a.matches for a in auth_removals] == [operation_count, operation_count]


def test_remove_deletes_several_items_of_one_list() -> None:
    """Indices shift as items go: every matched item must go, and only those."""
    document = {"items": [{"k": "a"}, {"k": "drop"}, {"k": "b"}, {"k": "drop"}, {"k": "drop"}, {"k": "c"}]}
    applied = apply_overlay(document, overlay({"target": "$.items[?@.k == 'drop']", "remove": True}))
    assert document == {"items": [{"k": "a"}, {"k": "b"}, {"k": "c"}]}
    assert applied[0].matches == 3


def test_remove_deletes_items_of_several_lists_in_one_action() -> None:
    document = {
        "p": {
            "x": {"params": [{"$ref": "auth"}, {"name": "q"}, {"$ref": "ua"}, {"$ref": "auth"}]},
            "y": {"params": [{"name": "r"}, {"$ref": "auth"}]},
        }
    }
    apply_overlay(document, overlay({"target": "$.p[*].params[?@['$ref'] == 'auth']", "remove": True}))
    assert document == {
        "p": {"x": {"params": [{"name": "q"}, {"$ref": "ua"}]}, "y": {"params": [{"name": "r"}]}}
    }


def test_remove_with_negative_and_slice_selectors() -> None:
    document = {"items": ["a", "b", "c", "d", "e"]}
    apply_overlay(document, overlay({"target": "$.items[-2,-1,0]", "remove": True}))
    assert document == {"items": ["b", "c"]}
    document = {"items": ["a", "b", "c", "d", "e"]}
    apply_overlay(document, overlay({"target": "$.items[1:4]", "remove": True}))
    assert document == {"items": ["a", "e"]}


def test_a_node_selected_twice_is_removed_once() -> None:
    """RFC 9535 nodelists may repeat a node; removing it twice would delete a neighbour."""
    document = {"items": ["a", "b", "c"]}
    apply_overlay(document, overlay({"target": "$.items[0,0,-3]", "remove": True}))
    assert document == {"items": ["b", "c"]}


def test_a_node_selected_twice_is_updated_once() -> None:
    document = {"tags": ["x"]}
    apply_overlay(document, overlay({"target": "$['tags','tags']", "update": "y"}))
    assert document == {"tags": ["x", "y"]}


def test_update_merges_objects_recursively_and_replaces_other_values() -> None:
    document = {"s": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}}
    apply_overlay(
        document,
        overlay({"target": "$.s", "update": {"properties": {"b": {"type": "integer"}}, "type": "object"}}),
    )
    assert document == {
        "s": {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            "required": ["a"],
        }
    }


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"actions": [{"target": "$.a", "remove": True}]}, "not an OpenAPI Overlay"),
        ({"overlay": "1.0.0", "actions": []}, "no `actions`"),
        ({"overlay": "1.0.0", "actions": [{"remove": True}]}, "no string `target`"),
        (
            {"overlay": "1.0.0", "actions": [{"target": "$.a", "remove": True, "update": {}}]},
            "exactly one of",
        ),
        ({"overlay": "1.0.0", "actions": [{"target": "$.a"}]}, "exactly one of"),
        ({"overlay": "1.0.0", "actions": [{"target": "$[?", "remove": True}]}, "invalid JSONPath"),
    ],
)
def test_malformed_overlays_are_rejected(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(OverlayError, match=message):
        apply_overlay({"a": 1}, bad)


# --- Diagnostics: everything that no longer fits, in one run ------------------------------------


def test_every_failing_action_is_reported_in_one_run() -> None:
    document = {"components": {"schemas": {"Kept": {"type": "string"}}}}
    with pytest.raises(OverlayError) as caught:
        apply_overlay(
            document,
            overlay(
                {"target": "$.components.schemas.GoneA", "description": "first", "remove": True},
                {"target": "$.components.schemas.Kept", "update": {"description": "still applies"}},
                {"target": "$.components.schemas.GoneB", "description": "third", "remove": True},
            ),
        )
    message = str(caught.value)
    assert message.startswith("2 problem(s)")
    assert "1. action #1 matches nothing" in message
    assert "GoneA" in message
    assert "2. action #3 matches nothing" in message
    assert "GoneB" in message


def test_a_multi_name_selector_must_match_each_name() -> None:
    document = {"components": {"schemas": {"A": {}, "B": {}}}}
    target = "$.components.schemas['A','B','C']"
    with pytest.raises(
        OverlayError, match=r"action #1 names 'C', which the document no longer has"
    ) as caught:
        apply_overlay(document, overlay({"target": target, "description": "drop the kinds", "remove": True}))
    assert "drop the kinds" in str(caught.value)
    assert document == {"components": {"schemas": {"A": {}, "B": {}}}}  # the failing action is skipped


def test_a_definition_must_not_merge_into_an_upstream_component() -> None:
    document = {"components": {"schemas": {"Problem": {"type": "object"}}}}
    action = {"target": "$.components.schemas", "description": "our problem", "update": {"Problem": {}}}
    with pytest.raises(OverlayError, match="defines schemas `Problem`, but the document already has one"):
        apply_overlay(document, overlay(action))


def test_definitions_are_reported() -> None:
    document: dict[str, Any] = {"components": {"schemas": {}}}
    (applied,) = apply_overlay(
        document, overlay({"target": "$.components.schemas", "update": {"Mine": {"type": "string"}}})
    )
    assert applied.defines == ("schemas/Mine",)


def test_a_reference_an_update_introduces_must_resolve() -> None:
    document = {"components": {"schemas": {"A": {"type": "object"}}}}
    action = {
        "target": "$.components.schemas.A",
        "description": "point at a renamed schema",
        "update": {"properties": {"b": {"$ref": "#/components/schemas/Renamed"}}},
    }
    with pytest.raises(OverlayError) as caught:
        apply_overlay(document, overlay(action))
    message = str(caught.value)
    assert "$ref #/components/schemas/Renamed resolves to nothing" in message
    assert "action #1 (point at a renamed schema) introduced it" in message
    assert "/components/schemas/A/properties/b" in message


def test_a_removal_that_leaves_a_reference_dangling_is_named() -> None:
    document = {"components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"}}}}
    action = {"target": "$.components.schemas.B", "description": "drop B", "remove": True}
    with pytest.raises(OverlayError, match=r"action #1 \(drop B\) removed its target"):
        apply_overlay(document, overlay(action))


def rename_schema(document: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``document`` with component schema ``old`` renamed ``new`` (and every reference to it)."""
    text = json.dumps(document).replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed["components"]["schemas"]
    schemas[new] = schemas.pop(old)
    return renamed


def test_an_upstream_rename_of_the_problem_schema_breaks_the_overlay_clearly() -> None:
    document = rename_schema(raw_spec(), "ErrorResponse", "ProblemDetails")
    with pytest.raises(OverlayError) as caught:
        apply_overlay(document, real_overlay())
    message = str(caught.value)
    assert message.startswith("1 problem(s)")
    assert "matches nothing" in message
    assert "$.components.schemas.ErrorResponse" in message


def test_an_upstream_rename_of_one_error_kind_names_it() -> None:
    document = rename_schema(raw_spec(), "UnauthorizedError", "Unauthorized401Error")
    with pytest.raises(OverlayError) as caught:
        apply_overlay(document, real_overlay())
    message = str(caught.value)
    assert "names 'UnauthorizedError', which the document no longer has" in message
    assert "resolves to nothing" not in message  # the error responses are replaced: no reference is left


def test_an_upstream_rename_of_the_operation_hand_written_code_calls_names_its_user() -> None:
    document = copy.deepcopy(raw_spec())
    document["paths"]["/classifieds"]["get"]["operationId"] = "listClassifieds"
    with pytest.raises(OverlayError, match="find_classified_id"):
        apply_overlay(document, real_overlay())


def test_every_reference_of_the_prepared_document_resolves() -> None:
    document = copy.deepcopy(raw_spec())
    apply_overlay(document, real_overlay())
    references = set(re.findall(r'"\$ref": "(#[^"]+)"', json.dumps(document)))
    assert len(references) > 20
    for ref in references:
        resolve(document, ref)  # raises KeyError when dangling
