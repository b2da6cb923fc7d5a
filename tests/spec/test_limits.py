"""Bounded work on any document (issue 19, item 7): limits on size, nesting and string length.

A document over a limit is refused with one line saying which limit, before anything is parsed
further or written; AVIV's own documents stay far within every limit; the overlay reports a
JSONPath engine failure as one of its problems, never as a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import limits
from scripts.overlay import OverlayError, apply_overlay
from scripts.pin import SpecPinError, document_info
from tests.spec.conftest import API_VERSIONS, PYTHON, raw_spec, run


def nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        node = {"type": "object", "properties": {"x": node}}
    return node


def document_with(**schemas: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "3.9.9"},
        "paths": {},
        "components": {"schemas": schemas},
    }


def depth(node: Any) -> int:
    """Levels of objects and arrays, as the limit counts them (a scalar is 0)."""
    if isinstance(node, dict):
        return 1 + max((depth(value) for value in node.values()), default=0)
    if isinstance(node, list):
        return 1 + max((depth(value) for value in node), default=0)
    return 0


def longest_string(node: Any) -> int:
    if isinstance(node, dict):
        return max([0, *(max(len(k), longest_string(v)) for k, v in node.items())])
    if isinstance(node, list):
        return max([0, *(longest_string(v) for v in node)])
    return len(node) if isinstance(node, str) else 0


@pytest.mark.parametrize("api", API_VERSIONS)
def test_aviv_s_documents_stay_far_within_every_limit(api: str) -> None:
    """A rule any AVIV update keeps: at most a quarter of each limit (their figures: 0.5 MB, 20, 68 kB)."""
    document = raw_spec(api)
    assert len(json.dumps(document).encode()) * 4 < limits.MAX_BYTES
    assert depth(document) * 2 < limits.MAX_DEPTH
    assert longest_string(document) * 4 < limits.MAX_STRING


def test_a_document_nested_200_deep_is_refused_in_one_line(tmp_path: Path) -> None:
    data = json.dumps(document_with(Deep=nested(200))).encode()
    with pytest.raises(SpecPinError, match=f"nests more than {limits.MAX_DEPTH} levels deep") as raised:
        document_info(data, tmp_path / "deep.json")
    assert "\n" not in str(raised.value)
    assert "/components/schemas/Deep/properties/x" in str(raised.value)


def test_a_document_deeper_than_python_s_parser_is_refused_too(tmp_path: Path) -> None:
    data = b'{"info": {"version": "3.9.9"}, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(SpecPinError, match="nests too deep to read"):
        document_info(data, tmp_path / "deeper.json")


def test_a_document_within_the_depth_limit_is_read() -> None:
    document = document_with(Deep=nested((limits.MAX_DEPTH - 6) // 2))  # each level is 2: object, properties
    assert document_info(json.dumps(document).encode(), Path("ok.json"))["version"] == "3.9.9"


def test_a_document_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    data = b"{" + b" " * limits.MAX_BYTES + b"}"  # not even an OpenAPI document: the size is checked first
    with pytest.raises(SpecPinError, match=r"is 4\.0 MiB, over the 4\.0 MiB limit"):
        document_info(data, tmp_path / "huge.json")


@pytest.mark.parametrize("where", ["value", "name"])
def test_a_string_over_the_limit_is_refused(where: str) -> None:
    long = "x" * (limits.MAX_STRING + 1)
    document = document_with(A={"description": long} if where == "value" else {long: 1})
    data = json.dumps(document).encode()
    with pytest.raises(SpecPinError, match=r"0\.5 MiB string limit|over the 0\.5 MiB limit") as raised:
        document_info(data, Path("long.json"))
    if where == "value":
        assert "/components/schemas/A/description" in str(raised.value)


def test_update_spec_refuses_a_document_nested_200_deep_with_one_line(tmp_path: Path) -> None:
    """The issue's reproduction: a traceback (JSONPathRecursionError) before; one line now, nothing written."""
    document = json.loads(json.dumps(raw_spec()))
    document["info"]["version"] = "3.99.0"
    document["components"]["schemas"]["Deep"] = nested(200)
    new = tmp_path / "deep.json"
    new.write_text(json.dumps(document), encoding="utf-8")
    result = run([PYTHON, "-m", "scripts.update_spec", str(new)])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert f"nests more than {limits.MAX_DEPTH} levels deep" in errors[0]
    assert "nothing was re-pinned or regenerated" in result.stderr
    assert result.stdout == ""  # refused before the change report


def test_spec_diff_applies_the_limits(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(json.dumps(document_with(Deep=nested(200))), encoding="utf-8")
    result = run([PYTHON, "-m", "scripts.spec_diff", str(deep), str(deep)])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "nests more than" in result.stderr


def test_the_overlay_reports_a_jsonpath_failure_as_a_problem() -> None:
    """python-jsonpath gives up past 100 levels: the overlay says so among its problems."""
    document = document_with(Deep=nested(150))
    overlay = {"overlay": "1.0.0", "actions": [{"target": "$..[?@.type == 'string']", "update": {"x-y": 1}}]}
    with pytest.raises(OverlayError, match=r"action #1 cannot be evaluated on this document: recursion"):
        apply_overlay(document, overlay)
