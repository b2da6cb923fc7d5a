"""Pre-flight validation against the pinned spec: find what AVIV would reject, before sending it.

    from aviv_caas_auth.validation import validate
    for error in validate(classified):           # a model or its JSON (a dict)
        print(error.name, error.reason)          # "/portals/1", "must be equal to one of the allowed ..."

    client = create_client(..., validate_requests=True)   # every JSON body checked before it leaves

Field errors have the shape of AVIV's ``errors[]`` (a JSON pointer and an ajv-style reason), and
are computed by the same code the local sandbox answers its 400s with. The schema is the
prepared spec shipped inside the generated package (``aviv_caas_client/openapi.json``).

Needs the ``validation`` extra (``pip install 'aviv-caas[validation]'``: jsonschema and
referencing, which ``[sandbox]`` includes); without it, a ConfigurationError says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aviv_caas_auth.problems.errors import FieldError
from aviv_caas_auth.validation.requests import RequestValidationError, RequestValidator, errors_of
from aviv_caas_auth.validation.schemas import SpecUnavailableError, schemas_of

DEFAULT_SCHEMA = "AvivClassified"


def validate(
    body: Any,
    *,
    schema: str | None = None,
    operation: str | None = None,
    package: str | None = None,
) -> list[FieldError]:
    """The field errors of ``body`` against AVIV's spec (empty when it is valid).

    ``body`` is a generated model (validated as its ``to_dict()``, against the schema of its
    class) or JSON (a dict or list; by default against ``AvivClassified``). ``schema`` names
    another schema of ``components/schemas`` (e.g. ``"Media"``) or is a JSON pointer into the
    document; ``operation`` takes the request body schema of an operationId instead (e.g.
    ``"setClassified"`` for a JSON patch). ``package`` is the generated package whose spec is
    used (by default the model's own, else ``aviv_caas_client``).
    """
    if hasattr(body, "to_dict") and not isinstance(body, Mapping):
        document = body.to_dict()
        package = package or type(body).__module__.partition(".")[0]
        default = type(body).__name__
    elif isinstance(body, Mapping | Sequence) and not isinstance(body, str | bytes):
        document, default = body, DEFAULT_SCHEMA
    else:
        raise TypeError(
            f"validate takes a generated model or JSON (a dict or list), not {type(body).__name__}"
        )
    schemas = schemas_of(package or "aviv_caas_client")
    return errors_of(schemas, _schema_pointer(schemas, schema, operation, default), document)


def _schema_pointer(schemas: Any, schema: str | None, operation: str | None, default: str) -> str:
    if schema is not None and operation is not None:
        raise ValueError("pass schema= or operation=, not both")
    if operation is not None:
        for route in RequestValidator.routes_of(schemas):
            if route.operation_id.casefold() == operation.casefold():
                return next(iter(route.content.values()))
        raise ValueError(f"no operation {operation!r} with a request body in the spec")
    name = schema or default
    if name.startswith(("/", "#/")):
        return name.lstrip("#")
    if name not in schemas.document["components"].get("schemas", {}):
        raise ValueError(
            f"the spec has no schema {name!r}; pass schema=<a name of components/schemas> or operation=..."
        )
    return f"/components/schemas/{name}"


__all__ = ["FieldError", "RequestValidationError", "RequestValidator", "SpecUnavailableError", "validate"]
