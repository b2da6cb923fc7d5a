"""The prepared OpenAPI document the sandbox obeys: its operations, parameters, schemas and patterns.

By default the document shipped inside the generated package (``aviv_caas_client/openapi.json``,
written by ``make generate``) is used, so the sandbox validates exactly what the client was built
from. Schemas are resolved with ``referencing`` against that one document and checked with
``jsonschema``'s Draft 4 validator (OpenAPI 3.0 schema objects are a Draft 4 dialect).
"""

from __future__ import annotations

import importlib.resources
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

from aviv_caas_auth.sandbox.errors import SandboxError

SPEC_URI = "urn:aviv-caas:prepared-openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options")
# Used when the spec declares no such pattern (W3C trace context; AVIV's three name/version pairs).
W3C_TRACEPARENT = r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$"
USER_AGENT = r"^[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+$"

FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("url")
def _is_url(instance: object) -> bool:
    """AVIV's ``url`` format (ajv-formats' ``url``): an absolute http(s) URL with a host."""
    if not isinstance(instance, str):
        return True
    parts = urlsplit(instance)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def escape_pointer_token(token: str | int) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """A JSON pointer made of ``tokens``: ``pointer("data", "prices")`` is ``/data/prices``."""
    return "".join("/" + escape_pointer_token(token) for token in tokens)


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter of an operation, with its schema's pointer in the document."""

    name: str
    location: str
    required: bool
    schema_pointer: str
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class ResponseSpec:
    """One documented response: its content types (each with a schema pointer) and headers."""

    key: str
    pointer: str
    content: Mapping[str, str]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Operation:
    """One operation of the spec (e.g. ``createClassified``)."""

    operation_id: str
    method: str
    path: str
    pointer: str
    parameters: tuple[Parameter, ...]
    body_content: Mapping[str, str]
    responses: Mapping[str, ResponseSpec]

    def response(self, status: int) -> ResponseSpec | None:
        """The documented response for ``status`` (or ``default``), if any."""
        return self.responses.get(str(status)) or self.responses.get("default")

    def content_type(self, status: int) -> str:
        """The content type the spec gives the response for ``status``."""
        response = self.response(status)
        if response and response.content:
            return next(iter(response.content))
        return "application/json"


class ApiSpec:
    """A loaded prepared spec: operations, resolved schemas and validators (cached, thread-safe)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource: Resource[Any] = Resource.from_contents(document, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._resolver = self.registry.resolver(SPEC_URI)
        self._validators: dict[str, Draft4Validator] = {}
        self._lock = threading.Lock()
        self.operations: tuple[Operation, ...] = tuple(self._read_operations())
        self.by_id: Mapping[str, Operation] = {op.operation_id: op for op in self.operations}

    @classmethod
    def load(cls, path: Path | None = None) -> ApiSpec:
        """Load ``path``, or the prepared spec shipped inside ``aviv_caas_client``."""
        try:
            if path is not None:
                text = Path(path).read_text(encoding="utf-8")
            else:
                text = (importlib.resources.files("aviv_caas_client") / "openapi.json").read_text(
                    encoding="utf-8"
                )
        except (OSError, ModuleNotFoundError) as error:
            where = str(path) if path is not None else "aviv_caas_client/openapi.json"
            raise SandboxError(
                f"cannot read the prepared OpenAPI document {where} ({error.__class__.__name__}); "
                "run `make generate` (or pass spec_path=... pointing to a prepared spec)"
            ) from error
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise SandboxError(f"the prepared OpenAPI document is not valid JSON: {error}") from error
        if not isinstance(document, dict) or "paths" not in document or "components" not in document:
            raise SandboxError(
                "the prepared OpenAPI document has no `paths`/`components`: not an OpenAPI 3 spec"
            )
        return cls(document)

    @property
    def version(self) -> str:
        """The spec's ``info.version`` (e.g. ``3.1.3``)."""
        return str(self.document.get("info", {}).get("version", "?"))

    def at(self, json_pointer: str) -> Any:
        """The node of the document at ``json_pointer`` (``#/components/...`` or ``/components/...``)."""
        return self._resolver.lookup(SPEC_URI + "#" + json_pointer.lstrip("#")).contents

    def resolve(self, node: Any) -> Any:
        """``node`` with a top-level ``$ref`` followed (once per level until there is none)."""
        while isinstance(node, Mapping) and "$ref" in node:
            node = self._resolver.lookup(SPEC_URI + node["$ref"]).contents
        return node

    def validator(self, json_pointer: str) -> Draft4Validator:
        """A validator for the schema at ``json_pointer`` of the document (cached)."""
        with self._lock:
            found = self._validators.get(json_pointer)
            if found is None:
                ref = SPEC_URI + "#" + json_pointer.lstrip("#")
                found = Draft4Validator({"$ref": ref}, registry=self.registry, format_checker=FORMAT_CHECKER)
                self._validators[json_pointer] = found
            return found

    def enum_at(self, json_pointer: str) -> tuple[Any, ...]:
        """The values of the enum at ``json_pointer``; none when the spec no longer has it there."""
        try:
            values = self.at(json_pointer)
        except Unresolvable:
            return ()
        return tuple(values) if isinstance(values, list) else ()

    def _pattern(self, json_pointer: str, fallback: str) -> re.Pattern[str]:
        try:
            node = self.resolve(self.at(json_pointer))
        except Unresolvable:
            return re.compile(fallback)
        pattern = node.get("schema", {}).get("pattern") if isinstance(node, Mapping) else None
        return re.compile(pattern if isinstance(pattern, str) else fallback)

    def header_pattern(self, parameter: str) -> re.Pattern[str]:
        """The compiled ``pattern`` of ``components.parameters.<parameter>`` (e.g. ``userAgentHeader``).

        AVIV's User-Agent syntax when the spec no longer declares the parameter.
        """
        return self._pattern(pointer("components", "parameters", parameter), USER_AGENT)

    @property
    def traceparent_pattern(self) -> re.Pattern[str]:
        """The pattern of the ``traceparent`` response header (``components.headers.traceparent``)."""
        return self._pattern(pointer("components", "headers", "traceparent"), W3C_TRACEPARENT)

    def _read_operations(self) -> Iterator[Operation]:
        for path, item in self.document["paths"].items():
            shared = list(self._read_parameters(pointer("paths", path), item.get("parameters", [])))
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                op = item[method]
                op_pointer = pointer("paths", path, method)
                own = list(self._read_parameters(op_pointer, op.get("parameters", [])))
                overridden = {(p.name, p.location) for p in own}
                yield Operation(
                    operation_id=op.get("operationId") or f"{method.upper()} {path}",
                    method=method.upper(),
                    path=path,
                    pointer=op_pointer,
                    parameters=(*[p for p in shared if (p.name, p.location) not in overridden], *own),
                    body_content=self._read_body(op_pointer, op.get("requestBody")),
                    responses={
                        key: self._read_response(
                            key, pointer("paths", path, method, "responses", key), response
                        )
                        for key, response in op.get("responses", {}).items()
                    },
                )

    def _read_parameters(self, op_pointer: str, own: list[Any]) -> Iterator[Parameter]:
        for index, raw in enumerate(own):
            where = raw["$ref"].lstrip("#") if "$ref" in raw else f"{op_pointer}/parameters/{index}"
            param = self.resolve(raw)
            if param["in"] in ("path", "query"):
                yield Parameter(
                    name=param["name"],
                    location=param["in"],
                    required=bool(param.get("required", False)),
                    schema_pointer=where + "/schema",
                    schema=param.get("schema", {}),
                )

    def _read_body(self, op_pointer: str, body: Any) -> Mapping[str, str]:
        if body is None:
            return {}
        body_pointer = body["$ref"].lstrip("#") if "$ref" in body else op_pointer + "/requestBody"
        body = self.resolve(body)
        return {
            media: f"{body_pointer}/content/{escape_pointer_token(media)}/schema"
            for media in body.get("content", {})
        }

    def _read_response(self, key: str, response_pointer: str, response: Any) -> ResponseSpec:
        if "$ref" in response:
            response_pointer = response["$ref"].lstrip("#")
            response = self.resolve(response)
        return ResponseSpec(
            key=key,
            pointer=response_pointer,
            content={
                media: f"{response_pointer}/content/{escape_pointer_token(media)}/schema"
                for media, body in response.get("content", {}).items()
                if "schema" in body
            },
            headers={
                name: f"{response_pointer}/headers/{escape_pointer_token(name)}"
                for name in response.get("headers", {})
            },
        )
