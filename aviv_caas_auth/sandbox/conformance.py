"""Check that what the sandbox sent is what the spec documents, response by response.

For an API exchange: the status is documented for the operation (or ``default``), the content
type is the documented one, the body validates against that response's schema, documented
headers (``traceparent``, ``ETag``) match their patterns, and a problem's ``instance`` equals the
``traceparent`` header. The token endpoint, which AVIV's spec does not describe, is checked
against RFC 6749's token and error responses.

One reading of the spec differs from plain JSON Schema, on purpose: AVIV extends a closed schema
(``additionalProperties: false``) through ``allOf`` (``GET /classifieds/{id}`` is
``allOf: [AvivClassified, {classifiedId}]``). Taken literally no body could carry
``classifiedId``; the generated client reads it as an extension, and so does this check (each
closed ``allOf`` member also admits the properties its siblings declare).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from aviv_caas_auth.sandbox.errors import extra_missing

try:
    from jsonschema import Draft4Validator
except ModuleNotFoundError as missing:  # the sandbox extra is not installed: say so
    raise extra_missing(missing) from None

from aviv_caas_auth.sandbox.exchanges import Exchange
from aviv_caas_auth.sandbox.spec import ApiSpec

ERROR_RESPONSE = "/components/schemas/ErrorResponse"

TOKEN_ANSWER = Draft4Validator(
    {
        "type": "object",
        "required": ["access_token", "expires_in", "token_type"],
        "properties": {
            "access_token": {"type": "string", "minLength": 1},
            "expires_in": {"type": "integer", "minimum": 1},
            "token_type": {"enum": ["Bearer"]},
        },
    }
)
OAUTH_ERROR = Draft4Validator(
    {
        "type": "object",
        "required": ["error", "error_description"],
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    }
)


def _declared_properties(spec: ApiSpec, schema: Any) -> set[str]:
    schema = spec.resolve(schema)
    names = set(schema.get("properties", {}))
    for member in schema.get("allOf", []):
        names |= _declared_properties(spec, member)
    return names


def _open_all_of(spec: ApiSpec, node: Any) -> Any:
    """A copy of ``node`` where each closed ``allOf`` member admits its siblings' properties."""
    if isinstance(node, list):
        return [_open_all_of(spec, item) for item in node]
    if not isinstance(node, dict) or "$ref" in node:
        return node
    result = {key: _open_all_of(spec, value) for key, value in node.items()}
    members = result.get("allOf")
    if isinstance(members, list) and len(members) > 1:
        declared = [_declared_properties(spec, member) for member in members]
        opened = []
        for index, member in enumerate(members):
            resolved = spec.resolve(member)
            others = set().union(*(d for i, d in enumerate(declared) if i != index)) - declared[index]
            if resolved.get("additionalProperties") is False and others:
                resolved = copy.deepcopy(resolved)
                resolved["properties"] = {**resolved.get("properties", {}), **{name: {} for name in others}}
                opened.append(resolved)
            else:
                opened.append(member)
        result["allOf"] = opened
    return result


def response_view(spec: ApiSpec) -> ApiSpec:
    """The spec with every response schema read as described in this module's docstring."""
    document = copy.deepcopy(dict(spec.document))
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    if "schema" in media:
                        media["schema"] = _open_all_of(spec, media["schema"])
    return ApiSpec(document)


class ResponseChecker:
    """Checks exchanges against a spec; ``check`` returns what is wrong (nothing when conformant)."""

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = response_view(spec)
        self._traceparent = spec.traceparent_pattern

    def check_all(self, exchanges: Iterable[Exchange]) -> list[str]:
        """Every problem of every exchange."""
        return [issue for exchange in exchanges for issue in self.check(exchange)]

    def check(self, exchange: Exchange) -> list[str]:
        """What is wrong with one exchange."""
        where = f"{exchange.method} {exchange.path} -> {exchange.status}"
        issues: list[str] = []
        trace = exchange.header("traceparent")
        if not trace or not self._traceparent.match(trace):
            issues.append(f"{where}: traceparent header {trace!r} does not match the spec's pattern")
        if exchange.method == "HEAD":
            return issues
        if exchange.fault == "gateway_html":
            if exchange.media_type != "text/html" or exchange.status != 502:
                issues.append(f"{where}: the gateway fault must be a 502 text/html page")
            return issues
        if not exchange.body and exchange.kind == "api" and self._documents_no_body(exchange):
            return issues
        try:
            body = json.loads(exchange.body)
        except ValueError:
            return [*issues, f"{where}: body is not JSON"]
        if exchange.kind == "admin":
            return issues
        if exchange.kind == "token":
            validator = TOKEN_ANSWER if exchange.status == 200 else OAUTH_ERROR
            issues += [f"{where}: {e.message}" for e in validator.iter_errors(body)]
            return issues
        if exchange.kind == "unrouted":
            return issues + self._validate(where, ERROR_RESPONSE, body) + self._instance(where, body, trace)
        return issues + self._check_operation(exchange, where, body, trace)

    def _documents_no_body(self, exchange: Exchange) -> bool:
        operation = self.spec.by_id.get(exchange.operation_id or "")
        response = operation.response(exchange.status) if operation is not None else None
        return response is not None and not response.content

    def _check_operation(self, exchange: Exchange, where: str, body: Any, trace: str | None) -> list[str]:
        operation = self.spec.by_id[exchange.operation_id or ""]
        response = operation.response(exchange.status)
        if response is None:
            return [f"{where}: status {exchange.status} is not documented for {operation.operation_id}"]
        if exchange.media_type not in response.content:
            expected = ", ".join(response.content) or "no body"
            return [f"{where}: content type {exchange.media_type!r}, the spec says {expected}"]
        issues = self._validate(where, response.content[exchange.media_type], body)
        for name, header_pointer in response.headers.items():
            value = exchange.header(name)
            if value is not None:
                node = self.spec.at(header_pointer)
                header_pointer = node["$ref"].lstrip("#") if "$ref" in node else header_pointer
                issues += self._validate(f"{where} header {name}", header_pointer + "/schema", value)
        if exchange.status >= 400:
            issues += self._instance(where, body, trace)
        return issues

    def _validate(self, where: str, schema_pointer: str, instance: Any) -> list[str]:
        validator = self.spec.validator(schema_pointer)
        return [
            f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(instance)
        ]

    @staticmethod
    def _instance(where: str, body: Any, trace: str | None) -> list[str]:
        if isinstance(body, dict) and body.get("instance") != trace:
            return [f"{where}: problem instance {body.get('instance')!r} is not the traceparent {trace!r}"]
        return []
