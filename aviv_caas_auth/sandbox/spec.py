"""The prepared OpenAPI document the sandbox obeys: its operations, parameters, schemas and patterns.

By default the document shipped inside the generated package (``aviv_caas_client/openapi.json``,
``aviv_caas_client_v4/openapi.json``, written by ``make generate``) is used, so the sandbox
validates exactly what the client was built from; the environments it serves are the document's
``servers`` (as the overlay marks them: ``x-aviv-environment``). Schemas are resolved with
``referencing`` against that one document and checked with ``jsonschema``'s Draft 4 validator
(OpenAPI 3.0 schema objects are a Draft 4 dialect).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aviv_caas_auth.sandbox.errors import SandboxError, extra_missing

try:
    from referencing.exceptions import Unresolvable
except ModuleNotFoundError as missing:  # the sandbox extra is not installed: say so
    raise extra_missing(missing) from None

from aviv_caas_auth.apis import DEFAULT_PACKAGE
from aviv_caas_auth.sandbox.config import Environment, environment_of
from aviv_caas_auth.sandbox.problems import documented_type, documented_types
from aviv_caas_auth.validation.schemas import (
    SPEC_URI,
    SpecSchemas,
    SpecUnavailableError,
    escape_pointer_token,
    format_checker,
    pointer,
)

__all__ = ["SPEC_URI", "ApiSpec", "Operation", "Parameter", "ResponseSpec", "format_checker", "pointer"]

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options")
# Used when the spec declares no such pattern (W3C trace context; AVIV's three name/version pairs).
W3C_TRACEPARENT = r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$"
USER_AGENT = r"^[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+\s{1}[^\/\s]+\/[^\/\s]+$"
ENVIRONMENT_KEY = "x-aviv-environment"


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


class ApiSpec(SpecSchemas):
    """A loaded prepared spec: its operations, plus the shared schemas and validators (thread-safe)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        super().__init__(document)
        self.operations: tuple[Operation, ...] = tuple(self._read_operations())
        self.by_id: Mapping[str, Operation] = {op.operation_id: op for op in self.operations}
        #: The error documentation URIs the document states, by anchor (``Validation-Error``).
        self.problem_types: Mapping[str, str] = documented_types(document)

    def problem_type(self, type_: str) -> str:
        """A problem's ``type`` as this document states it (v4's ``.../ingest-v4/...`` for v4)."""
        return documented_type(type_, dict(self.problem_types))

    @classmethod
    def load(cls, path: Path | None = None, *, package: str = DEFAULT_PACKAGE) -> ApiSpec:
        """Load ``path``, or the prepared spec shipped inside ``aviv_caas_client``."""
        try:
            return cls(SpecSchemas.load(path, package=package).document)
        except SpecUnavailableError as error:
            raise SandboxError(f"{error} (or pass spec_path=... pointing to a prepared spec)") from error

    @property
    def version(self) -> str:
        """The spec's ``info.version`` (e.g. ``3.1.3``)."""
        return str(self.document.get("info", {}).get("version", "?"))

    def environments(self, api: str) -> tuple[Environment, ...]:
        """The environments this document serves as ``api``: its ``servers`` marked ``x-aviv-environment``."""
        found = [
            environment_of(server[ENVIRONMENT_KEY], server["url"], api)
            for server in self.document.get("servers") or []
            if isinstance(server, Mapping)
            and isinstance(server.get(ENVIRONMENT_KEY), str)
            and isinstance(server.get("url"), str)
        ]
        names = [env.name for env in found]
        if not found or len(set(names)) != len(names):
            raise SandboxError(
                f"the {api} spec {self.version} must mark each of its servers with one {ENVIRONMENT_KEY} "
                f"(production, sandbox), as openapi/{api}/overlay.yaml does; found {names or 'none'}"
            )
        return tuple(found)

    def has_property(self, schema: str, name: str) -> bool:
        """Whether ``components.schemas.<schema>`` declares the property ``name`` (v4's ``media``)."""
        try:
            node = self.resolve(self.at(pointer("components", "schemas", schema)))
        except Unresolvable:
            return False
        return isinstance(node, Mapping) and name in (node.get("properties") or {})

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
