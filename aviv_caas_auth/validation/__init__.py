"""Pre-flight validation against the pinned spec: find what AVIV would reject, before sending it.

    from aviv_caas_auth.validation import validate
    for error in validate(classified):           # a model or its JSON (a dict)
        print(error.name, error.reason)          # "/portals/1", "must be equal to one of the allowed ..."
    validate(classified_json, api="v4")          # JSON checked against v4's spec (a model: its own)

    client = create_client(..., validate_requests=True)   # every JSON body checked before it leaves

Field errors have the shape of AVIV's ``errors[]`` (a JSON pointer and an ajv-style reason), and
are computed by the same code the local sandbox answers its 400s with. The schema is the
prepared spec shipped inside the generated package (``aviv_caas_client/openapi.json``, and
``aviv_caas_client_v4/openapi.json`` for v4).

Needs the ``validation`` extra (jsonschema and referencing, which ``[sandbox]`` includes; the
command that installs it: :mod:`aviv_caas_auth.extras`); without it, a ConfigurationError says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aviv_caas_auth.apis import DEFAULT_PACKAGE, PACKAGES, ApiVersion, package_of, package_of_value
from aviv_caas_auth.errors import ArgumentTypeError, ConfigurationError
from aviv_caas_auth.problems.errors import FieldError
from aviv_caas_auth.validation.requests import RequestValidationError, RequestValidator, errors_of
from aviv_caas_auth.validation.schemas import SpecUnavailableError, schemas_of

DEFAULT_SCHEMA = "AvivClassified"


def validate(
    body: Any,
    *,
    schema: str | None = None,
    operation: str | None = None,
    api: ApiVersion | None = None,
    package: str | None = None,
) -> list[FieldError]:
    """The field errors of ``body`` against AVIV's spec (empty when it is valid).

    ``body`` is a generated model (validated as its ``to_dict()``, against the schema of its
    class) or JSON (a dict or list; by default against ``AvivClassified``). ``schema`` names
    another schema of ``components/schemas`` (e.g. ``"Media"``) or is a JSON pointer into the
    document; ``operation`` takes the request body schema of an operationId instead (e.g.
    ``"setClassified"`` for a JSON patch). ``api`` ("v3" or "v4") or ``package`` (a generated
    package) names the spec to use; by default a model's own, else v3's. A model checked against
    the other version's spec is a ConfigurationError (its JSON may be checked against either).
    """
    if api is not None:
        package = package or package_of(api)
    if hasattr(body, "to_dict") and not isinstance(body, Mapping):
        _same_version(body, package, api)
        document = body.to_dict()
        package = package or package_of_value(body)
        default = type(body).__name__
    elif isinstance(body, Mapping | Sequence) and not isinstance(body, str | bytes):
        document, default = body, DEFAULT_SCHEMA
    else:
        raise ArgumentTypeError(
            f"validate takes a generated model or JSON (a dict or list), not {type(body).__name__}"
        )
    schemas = schemas_of(package or DEFAULT_PACKAGE)
    return errors_of(schemas, _schema_pointer(schemas, schema, operation, default), document)


def _same_version(model: Any, package: str | None, api: str | None) -> None:
    """Refuse a generated model of one API version checked against another version's spec."""
    own = package_of_value(model)
    version = {name: version for version, name in PACKAGES.items()}.get(own)
    if version is None or package is None or package == own:
        return
    asked = f"api={api!r}" if api is not None else f"package={package!r}"
    raise ConfigurationError(
        f"validate got a {version} model ({own}.models.{type(model).__name__}) but {asked}: a model is "
        f"validated against its own version's spec. Drop {asked.split('=')[0]}=, or validate its JSON "
        f"(model.to_dict()) against the other version, or build the model from {package}.models"
    )


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
