"""Answers for the operations the sandbox has no hand-written behaviour for, made from the spec.

When AVIV adds an operation, the sandbox still serves it: the request goes through the usual
pipeline (firewall, token, parameter and body validation), then :class:`GenericAnswers` answers
the documented success status with a body that validates against that response's schema:

1. the response's own example (``example``, or the first of ``examples``), if it is valid;
2. else a body built from the schema, using each node's ``example`` where it is valid and the
   smallest valid value elsewhere (required members only, first enum value, first ``oneOf``
   branch, ``minItems`` items); a top-level member named like a path parameter echoes it;
3. else (a schema this cannot satisfy) that minimal body without examples.

Bodies are checked against the response schemas as the conformance check reads them (a closed
``allOf`` member admits its siblings' properties), and computed once per operation.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import Any

from aviv_caas_auth.pointers import tokens
from aviv_caas_auth.sandbox.conformance import response_view
from aviv_caas_auth.sandbox.spec import ApiSpec, Operation, pointer

FORMAT_SAMPLES = {
    "uuid": "5c597a63-6932-4b0c-a2a0-2fd935be1755",
    "date-time": "2025-05-02T09:15:00Z",
    "date": "2025-05-02",
    "email": "agence@acme-agency.fr",
    "uri": "https://www.acme-agency.fr",
    "url": "https://www.acme-agency.fr",
}
MAX_DEPTH = 64


class GenericAnswers:
    """The documented success answer of any operation, from its spec alone (thread-safe, cached)."""

    def __init__(self, spec: ApiSpec) -> None:
        self._spec = spec
        self._view: ApiSpec | None = None
        self._bodies: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def success_status(self, operation: Operation) -> int:
        """The lowest documented 2xx status (200 when the spec documents none)."""
        statuses = sorted(int(key) for key in operation.responses if key.isdigit() and key.startswith("2"))
        return statuses[0] if statuses else 200

    def answer(self, operation: Operation, path_params: Mapping[str, Any]) -> tuple[int, Any, str | None]:
        """(status, body, content type) of the success answer; body and content type None without content."""
        status = self.success_status(operation)
        response = operation.responses.get(str(status))
        if response is None or not response.content:
            return status, None, None
        media, schema_pointer = next(iter(response.content.items()))
        with self._lock:
            key = (operation.operation_id, media)
            if key not in self._bodies:
                self._bodies[key] = self._body(schema_pointer, response.pointer, media)
            body = copy.deepcopy(self._bodies[key])
        if isinstance(body, dict):
            self._echo(body, schema_pointer, path_params)
        return status, body, media

    def _checker(self, schema_pointer: str) -> Any:
        if self._view is None:
            self._view = response_view(self._spec)
        return self._view.validator(schema_pointer)

    def _body(self, schema_pointer: str, response_pointer: str, media: str) -> Any:
        checker = self._checker(schema_pointer)
        content = self._spec.at(pointer(*tokens(response_pointer), "content", media))
        examples = [content["example"]] if "example" in content else []
        examples += [
            self._spec.resolve(example).get("value")
            for example in (content.get("examples") or {}).values()
            if isinstance(example, Mapping)
        ]
        for example in examples:
            if example is not None and checker.is_valid(example):
                return example
        built = self._build(schema_pointer, use_examples=True)
        if checker.is_valid(built):
            return built
        return self._build(schema_pointer, use_examples=False)

    def _build(self, schema_pointer: str, *, use_examples: bool, depth: int = 0) -> Any:
        """The smallest valid value of the schema at ``schema_pointer`` (its examples preferred)."""
        node = self._spec.at(schema_pointer)
        if isinstance(node, Mapping) and "$ref" in node:
            if depth > MAX_DEPTH:
                return None
            return self._build(node["$ref"].lstrip("#"), use_examples=use_examples, depth=depth + 1)
        if not isinstance(node, Mapping):
            return None
        if (
            use_examples
            and "example" in node
            and self._spec.validator(schema_pointer).is_valid(node["example"])
        ):
            return copy.deepcopy(node["example"])
        if node.get("enum"):
            return copy.deepcopy(node["enum"][0])
        for keyword in ("oneOf", "anyOf"):
            if node.get(keyword):
                return self._build(
                    f"{schema_pointer}/{keyword}/0", use_examples=use_examples, depth=depth + 1
                )
        value: dict[str, Any] = {}
        parts = [
            self._build(f"{schema_pointer}/allOf/{i}", use_examples=use_examples, depth=depth + 1)
            for i in range(len(node.get("allOf", [])))
        ]
        if parts and not all(isinstance(part, dict) for part in parts):
            return parts[0]
        for part in parts:
            value.update(part)
        properties = node.get("properties", {})
        if parts or properties or node.get("type") == "object":
            for name in node.get("required", []):
                if name in properties and name not in value:
                    member = pointer(*tokens(schema_pointer), "properties", name)
                    value[name] = self._build(member, use_examples=use_examples, depth=depth + 1)
            return value
        return _scalar(
            node, lambda: self._build(f"{schema_pointer}/items", use_examples=use_examples, depth=depth + 1)
        )

    def _echo(self, body: dict[str, Any], schema_pointer: str, path_params: Mapping[str, Any]) -> None:
        """Top-level members named like a path parameter carry the value called (when still valid)."""
        for name, value in path_params.items():
            if name in body and body[name] != str(value):
                candidate = {**body, name: str(value)}
                if self._checker(schema_pointer).is_valid(candidate):
                    body[name] = str(value)


def _scalar(node: Mapping[str, Any], item: Any) -> Any:
    kind = node.get("type")
    if kind == "array":
        return [item() for _ in range(int(node.get("minItems", 0)))]
    if kind == "string":
        sample = FORMAT_SAMPLES.get(str(node.get("format", "")))
        return sample if sample is not None else "x" * max(1, int(node.get("minLength", 1)))
    if kind in ("integer", "number"):
        return node.get("minimum", 0)
    if kind == "boolean":
        return True
    return None
