"""The comparison: what is ignored, what is a set, the pointers of what differs (examples and properties)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aviv_caas_auth.sync.compare import MISSING, changes, normalised, resolve, unlisted
from aviv_caas_auth.sync.shape import shape_of
from tests.sync.conftest import feed

SHAPE = shape_of("aviv_caas_client_v4", "AvivClassified")

json_leaf = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20,
)


def test_members_aviv_adds_are_ignored_at_any_depth_and_portals_are_a_set() -> None:
    mine = feed(1)[0]
    theirs = copy.deepcopy(mine)
    theirs["classifiedId"] = "5c597a63-6932-4b0c-a2a0-2fd935be1755"
    theirs["data"]["metaData"]["lastModified"] = "2026-01-01T00:00:00Z"  # a member a later AVIV adds
    theirs["portals"] = list(reversed(theirs["portals"]))
    assert changes(normalised(mine, SHAPE, prune=False), normalised(theirs, SHAPE, prune=True), SHAPE) == []


def test_a_member_aviv_does_not_know_in_the_feed_is_a_change() -> None:
    mine = feed(1)[0]
    theirs = copy.deepcopy(mine)
    mine["data"]["location"]["floor"] = 3
    assert changes(normalised(mine, SHAPE, prune=False), normalised(theirs, SHAPE, prune=True), SHAPE) == [
        "/data/location/floor"
    ]


def test_pointers_name_members_items_and_whole_arrays() -> None:
    mine = {"a": {"b~c/d": 1, "n": 1.0}, "list": [1, 2], "longer": [1], "media": [{"url": "x"}]}
    theirs = {
        "a": {"b~c/d": 2, "n": 1},
        "list": [1, 3],
        "longer": [1, 2],
        "gone": True,
        "media": [{"url": "y"}],
    }
    assert changes(mine, theirs, SHAPE) == ["/a/b~0c~1d", "/list/1", "/longer", "/media/0/url", "/gone"]
    assert resolve(theirs, "/a/b~0c~1d") == 2
    assert resolve(theirs, "/list/5") is MISSING
    assert changes({"portals": ["SL", "BD"]}, {"portals": ["SL", "SLC"]}, SHAPE) == ["/portals"]


def test_values_v4_does_not_list_are_found() -> None:
    body = {**feed(1)[0], "portals": ["SL", "LI"]}
    assert unlisted(body, SHAPE) == ["/portals/1"]
    assert unlisted(feed(1)[0], SHAPE) == []


@given(json_value)
def test_a_document_has_no_change_from_itself(value: Any) -> None:
    assert changes(value, copy.deepcopy(value)) == []


@given(json_value, json_value)
def test_no_change_exactly_when_equal(a: Any, b: Any) -> None:
    assert (changes(a, b) == []) == (a == b)


@given(json_value, json_value)
def test_every_pointer_resolves_in_one_side_and_the_values_differ(a: Any, b: Any) -> None:
    for pointer in changes(a, b):
        left, right = resolve(a, pointer), resolve(b, pointer)
        assert left is not MISSING or right is not MISSING
        assert left != right or type(left) is not type(right)


@given(st.dictionaries(st.sampled_from(["portals", "data", "specific", "classifiedId", "x"]), json_value))
def test_pruning_keeps_only_declared_members_and_is_idempotent(value: dict[str, Any]) -> None:
    pruned = normalised(value, SHAPE, prune=True)
    assert set(pruned) <= {"portals", "data", "specific", "media"}
    assert normalised(pruned, SHAPE, prune=True) == pruned


@pytest.mark.parametrize("package", ["aviv_caas_client", "aviv_caas_client_v4"])
def test_the_shape_is_read_from_each_version_s_spec(package: str) -> None:
    shape = shape_of(package, "AvivClassified")
    assert shape.properties is not None
    assert ("media" in shape.properties) is (package == "aviv_caas_client_v4")
    assert shape.properties["portals"].unordered
