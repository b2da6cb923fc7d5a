"""(iii) Every schema example of each AVIV document round-trips through its generated model."""

from __future__ import annotations

import copy
import importlib
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.spec.bodies import BASE_BODIES
from tests.spec.conftest import (
    API_VERSIONS,
    documented_responses,
    for_each_api,
    inline_refs,
    is_error_status,
    json_differences,
    model_class,
    operations,
    package_of,
    prepared_spec,
    raw_spec,
    ref_name,
    validation_errors,
)


@dataclass(frozen=True)
class SpecExample:
    """An object or array example of the document, and where it belongs."""

    where: tuple[str, ...]  # location of the schema (or media type) carrying `example`
    value: Any
    root: str  # the component whose model holds it
    path: tuple[str, ...]  # where it sits inside a body of that model (ANSWER: a whole response)
    api: str = "v3"

    def __str__(self) -> str:
        origin = f"{self.where[2]}-{self.where[1]}-requestBody" if self.where[0] == "paths" else "schema"
        return f"{self.api}-{origin}:{self.root}:{'.'.join(self.path) or '(whole)'}"


ANSWER = "(answer)"


def spec_examples(document: dict[str, Any], api: str = "v3") -> list[SpecExample]:
    """Every object/array example (scalars are property samples), located by walking the document."""
    found: list[SpecExample] = []

    def walk(node: Any, where: tuple[str, ...]) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, (*where, str(index)))
            return
        if not isinstance(node, dict):
            return
        assert "examples" not in node or where[-1:] == ("properties",), f"unhandled `examples` at {where}"
        if isinstance(node.get("example"), dict | list) and where[-1:] != ("properties",):
            found.append(locate(node, where, api))
        for key, value in node.items():
            if key != "example":
                walk(value, (*where, key))

    walk(document, ())
    return found


def locate(node: dict[str, Any], where: tuple[str, ...], api: str) -> SpecExample:
    """The model an example belongs to, and its place in that model's bodies."""
    if where[:2] == ("components", "schemas"):
        steps = where[3:]
        if len(steps) % 2 or any(step != "properties" for step in steps[::2]):
            raise AssertionError(f"example at {where}: not under properties only, place it by hand")
        return SpecExample(where, node["example"], where[2], steps[1::2], api)
    if where[0] == "paths" and "requestBody" in where:
        root = ref_name(node["schema"])
        assert root is not None, f"request body example at {where} without a component schema"
        return SpecExample(where, node["example"], root, (), api)
    if where[0] == "paths" and where[3:4] == ("responses",) and where[5:6] == ("content",):
        return SpecExample(where, node["example"], ANSWER, (), api)  # a whole answer of the operation
    raise AssertionError(f"example at {where}: unknown kind of location")


def model_component(root: str, api: str) -> str | None:
    """The prepared document's component for ``root``: itself, what replaced it in the responses, or
    None when the overlay removed it and nothing answers it (a component no operation uses)."""
    if root in prepared_spec(api)["components"]["schemas"]:
        return root
    replacements = set()
    for documented in documented_responses(raw_spec(api), api):
        if is_error_status(documented.status) and root in documented.kinds:
            operation = prepared_spec(api)["paths"][documented.operation.path][documented.operation.method]
            response = operation["responses"][documented.status]
            replacements.add(ref_name(response["content"][documented.content_type]["schema"]))
    if not replacements:
        return None
    (replacement,) = replacements
    assert replacement is not None
    return replacement


def body_with(example: SpecExample) -> Any:
    """The example itself, or a valid body of its root model with the example at its place."""
    if not example.path:
        return copy.deepcopy(example.value)
    body = BASE_BODIES[example.root](example.api)
    container = body
    for key in example.path[:-1]:
        container = container.setdefault(key, {})
    container[example.path[-1]] = copy.deepcopy(example.value)
    return body


ALL_EXAMPLES = [example for api in API_VERSIONS for example in spec_examples(raw_spec(api), api)]
EXAMPLES = [e for e in ALL_EXAMPLES if e.root != ANSWER]
# Examples of a whole answer, written in an operation's response (none in v3.1.3).
ANSWER_EXAMPLES = [e for e in ALL_EXAMPLES if e.root == ANSWER]
# AVIV's own example that its schema rejects. Read tolerantly (the value is kept, as an unknown enum
# value read from AVIV would be), but a user who builds that body is refused before anything is sent.
KNOWN_INVALID = {
    (
        "v3",
        ("paths", "/classifieds/{classifiedId}/media", "post", "requestBody", "content", "application/json"),
    ): ("/category: 'outside_view' is not one of ['BALCONY'"),
}


@for_each_api()
def test_the_walk_finds_every_example(api: str) -> None:
    """E.g. v3.1.3: 22 examples, 14 whole bodies (2 request bodies, 11 error kinds, 1 text)."""
    found = [e for e in EXAMPLES if e.api == api]
    text = json.dumps(raw_spec(api))
    object_examples = len(re.findall(r'"example": [\[{]', text))
    in_properties = sum(  # a property *named* example (none so far) would be skipped by the walk
        1 for _ in re.finditer(r'"properties": \{[^{}]*"example": [\[{]', text)
    )
    assert len(found) + len([e for e in ANSWER_EXAMPLES if e.api == api]) == object_examples - in_properties
    assert {"AvivClassified", "RealEstate"} <= {e.root for e in found if e.path}


@for_each_api()
def test_every_answer_example_is_valid_and_parsed_by_its_endpoint(api: str) -> None:
    """Examples written in an operation's response (v3.1.3 has none; the synthetic 3.1.4 has one)."""
    media_examples = [
        media
        for item in raw_spec(api)["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values()
        for media in response.get("content", {}).values()
        if isinstance(media.get("example"), dict | list)
    ]
    answers = [e for e in ANSWER_EXAMPLES if e.api == api]
    assert len(answers) == len(media_examples)
    for example in answers:
        path, method, status, media = example.where[1], example.where[2], example.where[4], example.where[6]
        (operation,) = [op for op in operations(raw_spec(api), api) if (op.path, op.method) == (path, method)]
        schema = prepared_spec(api)["paths"][path][method]["responses"][status]["content"][media]["schema"]
        assert validation_errors(prepared_spec(api), schema, example.value) == []
        answer = httpx.Response(int(status), json=example.value, headers={"content-type": media})
        client = importlib.import_module(package_of(api)).Client(base_url="https://caas.invalid")
        parsed = operation.module()._build_response(client=client, response=answer)
        # The same JSON back; a date-time the same instant (AVIV writes `Z`, Python `+00:00`).
        assert (
            json_differences(
                example.value, parsed.parsed.to_dict(), [inline_refs(prepared_spec(api), schema)]
            )
            == []
        )


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_example_round_trips(example: SpecExample) -> None:
    api = example.api
    component = model_component(example.root, api)
    if component is None:  # a component the overlay removed and no operation uses: not generated
        assert example.root not in json.dumps(prepared_spec(api))
        return
    body = body_with(example)
    schema = {"$ref": f"#/components/schemas/{component}"}
    errors = validation_errors(prepared_spec(api), schema, body)
    model = model_class(component, api)
    if (api, example.where) in KNOWN_INVALID:
        (error,) = errors
        assert error.startswith(KNOWN_INVALID[api, example.where])
        read = model.from_dict(body)
        assert read.to_dict() == body  # kept losslessly
        built = model.from_dict({**body, "category": "BALCONY"})
        built.category = "outside_view"  # a plain str the user typed, not a value read from AVIV
        invalid = importlib.import_module(f"{package_of(api)}.errors").InvalidEnumValueError
        with pytest.raises(invalid, match="outside_view"):
            built.to_dict()
        return
    assert errors == []
    returned = model.from_dict(body).to_dict()
    assert json_differences(body, returned, [inline_refs(prepared_spec(api), schema)]) == []
    if example.path:
        inner = returned
        for key in example.path:
            inner = inner[key]
        assert inner == example.value


def test_the_known_invalid_example_is_in_the_document() -> None:
    """Every other example is proved valid above; this one must still exist to be excused."""
    assert set(KNOWN_INVALID) <= {(e.api, e.where) for e in EXAMPLES}
