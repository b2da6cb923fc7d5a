"""Check request bodies against the spec before they leave: ``create_client(..., validate_requests=True)``.

A :class:`RequestValidator` checks a request: for one whose operation takes a JSON body, it
validates the body against that operation's schema and raises :class:`RequestValidationError` (a
``ValidationError``, like AVIV's 400) when it breaks the spec, so nothing reaches the API.
``create_client`` runs its ``check`` in the auth flow, before the token is looked up, so that a
refused body costs no token request either. It can also serve as an httpx request hook (sync and
async clients alike: httpx awaits what an async client's hook returns; the check does no I/O).
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from aviv_caas_auth.apis import DEFAULT_PACKAGE
from aviv_caas_auth.problems.errors import FieldError, ValidationError
from aviv_caas_auth.validation.reasons import field_errors
from aviv_caas_auth.validation.schemas import SpecSchemas, escape_pointer_token, pointer, schemas_of

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


class RequestValidationError(ValidationError):
    """A request body broke AVIV's spec; found before sending (``errors`` name each field)."""

    def __init__(self, *, operation: str, **kwargs: Any) -> None:
        self.operation = operation
        super().__init__(**kwargs)


@dataclass(frozen=True)
class BodyRoute:
    """An operation that takes a body: its method, path pattern and a schema pointer per content type."""

    operation_id: str
    method: str
    pattern: re.Pattern[str]
    content: dict[str, str]


def body_routes(schemas: SpecSchemas) -> Iterator[BodyRoute]:
    """Every operation of the document that takes a request body."""
    for path, item in schemas.document["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            body = operation["requestBody"]
            body_pointer = (
                body["$ref"].lstrip("#") if "$ref" in body else pointer("paths", path, method, "requestBody")
            )
            content = schemas.resolve(body).get("content", {})
            parts = re.split(r"\{[^}/]+\}", path)
            regex = "[^/]+".join(re.escape(part) for part in parts)
            yield BodyRoute(
                operation_id=str(operation.get("operationId", f"{method.upper()} {path}")),
                method=method.upper(),
                pattern=re.compile(f"(?:.*){regex}/?"),
                content={
                    media: f"{body_pointer}/content/{escape_pointer_token(media)}/schema"
                    for media, entry in content.items()
                    if isinstance(entry, dict) and "schema" in entry
                },
            )


class _Done:
    """What the hook returns: awaited by an async client, ignored by a sync one."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


_DONE = _Done()


class RequestValidator:
    """An httpx request hook validating JSON request bodies against the generated ``package``'s spec."""

    def __init__(self, package: str = DEFAULT_PACKAGE, *, base_url: str = "") -> None:
        self.schemas = schemas_of(package)
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.routes = list(body_routes(self.schemas))

    @staticmethod
    def routes_of(schemas: SpecSchemas) -> list[BodyRoute]:
        """The operations of ``schemas`` that take a body."""
        return list(body_routes(schemas))

    def __call__(self, request: httpx.Request) -> _Done:
        """Check ``request`` (raises RequestValidationError)."""
        self.check(request)
        return _DONE

    def check(self, request: httpx.Request) -> None:
        """Raise RequestValidationError if ``request``'s JSON body breaks its operation's schema."""
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if "json" not in media:
            return
        path = request.url.path
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path) :]
        route = next(
            (r for r in self.routes if r.method == request.method and r.pattern.fullmatch(path)), None
        )
        if route is None or media not in route.content:
            return
        try:
            body = json.loads(request.content)
        except (ValueError, httpx.RequestNotRead):
            return  # not ours to judge: the API answers a parsing error
        errors = field_errors(self.schemas.validator(route.content[media]), body)
        if errors:
            raise RequestValidationError(
                operation=route.operation_id,
                status=400,
                title="Bad request, found before sending (nothing was sent)",
                detail=f"the body of {route.operation_id} does not match AVIV's spec",
                errors=errors,
                error_source="body",
                method=request.method,
                url=request.url.path,
            )


def errors_of(schemas: SpecSchemas, schema_pointer: str, document: Any) -> list[FieldError]:
    """The field errors of ``document`` against the schema at ``schema_pointer``."""
    return field_errors(schemas.validator(schema_pointer), document)
