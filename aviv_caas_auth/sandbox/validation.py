"""Request validation against the prepared spec, reported the way AVIV reports it.

Every ``errors[]`` entry names the offending field by its JSON pointer and gives an ajv-style
reason (AVIV validates with ajv: "must NOT have additional properties: space.",
"must be equal to one of the allowed values: ..."). The field errors come from
:mod:`aviv_caas_auth.validation.reasons`, the code ``aviv_caas_auth.validation.validate`` uses
too; this module adds parameter typing and the 400 problems.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aviv_caas_auth.pointers import pointer
from aviv_caas_auth.sandbox.problems import (
    FieldError,
    ProblemError,
    body_missing,
    parsing_error,
    validation_error,
)
from aviv_caas_auth.sandbox.spec import ApiSpec, Operation
from aviv_caas_auth.validation.reasons import field_errors


def _coerce(raw: Sequence[str], schema: Mapping[str, Any], spec: ApiSpec) -> tuple[Any, str | None]:
    """A query/path value as the type its schema declares, or a reason it cannot be."""
    schema = spec.resolve(schema)
    kind = schema.get("type", "string")
    if kind == "array":
        items = spec.resolve(schema.get("items", {}))
        values = []
        for value in raw:
            coerced, problem = _coerce([value], items, spec)
            if problem:
                return None, problem
            values.append(coerced)
        return values, None
    value = raw[-1]
    if kind == "integer":
        try:
            return int(value), None
        except ValueError:
            return None, "must be integer"
    if kind == "number":
        try:
            return float(value), None
        except ValueError:
            return None, "must be number"
    if kind == "boolean":
        if value in ("true", "false"):
            return value == "true", None
        return None, "must be boolean"
    return value, None


def check_parameters(
    spec: ApiSpec, operation: Operation, path_args: Mapping[str, str], query: Mapping[str, list[str]]
) -> dict[str, Any]:
    """The operation's path and query parameters, typed and validated; raises a 400 problem."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for param in operation.parameters:
        raw = [path_args[param.name]] if param.location == "path" else query.get(param.name, [])
        name = pointer(param.location, param.name)
        if not raw:
            if param.required:
                errors.append(FieldError(name, f"must have required property '{param.name}'"))
            continue
        value, problem = _coerce(raw, param.schema, spec)
        if problem:
            errors.append(FieldError(name, problem))
            continue
        errors.extend(
            FieldError(name + e.name, e.reason)
            for e in field_errors(spec.validator(param.schema_pointer), value)
        )
        values[param.name] = value
    if errors:
        raise ProblemError(validation_error(errors, "requestParameter"))
    return values


def parse_body(spec: ApiSpec, operation: Operation, content_type: str | None, raw: bytes) -> Any:
    """The request body, parsed and validated against the operation's schema; raises a 400 problem."""
    if not operation.body_content:
        return None
    if not raw.strip():
        raise ProblemError(body_missing())
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in operation.body_content:
        expected = " or ".join(operation.body_content)
        raise ProblemError(
            validation_error(
                [FieldError("Content-Type", f"must be {expected}, got {media or 'nothing'}")], "contentType"
            )
        )
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProblemError(parsing_error(f"invalid JSON: {error}")) from error
    errors = field_errors(spec.validator(operation.body_content[media]), body)
    if errors:
        raise ProblemError(validation_error(errors))
    return body


def check_document(spec: ApiSpec, schema_pointer: str, document: Any) -> None:
    """Validate a resource after a JSON patch; raises a 400 problem naming fields by pointer."""
    errors = field_errors(spec.validator(schema_pointer), document)
    if errors:
        raise ProblemError(validation_error(errors))
