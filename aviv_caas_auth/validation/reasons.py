"""jsonschema's errors as AVIV reports them: one ``errors[]`` entry per field, named by JSON pointer.

AVIV validates with ajv; its reasons read "must NOT have additional properties: space.",
"must be equal to one of the allowed values: ...". An unknown property is named by its own
pointer (``/space``), as in AVIV's documented example. Used by ``validate`` and by the local
sandbox's 400 answers alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aviv_caas_auth.pointers import pointer
from aviv_caas_auth.problems.errors import FieldError

if TYPE_CHECKING:
    from jsonschema import Draft4Validator
    from jsonschema.exceptions import ValidationError


def _reason_text(kind: str, value: Any) -> str | None:
    """The ajv-style reason for a failed keyword with a single field, if it is one of those."""
    match kind:
        case "enum":
            return "must be equal to one of the allowed values: " + ", ".join(map(str, value)) + "."
        case "type":
            return f"must be {value if isinstance(value, str) else ' or '.join(value)}"
        case "pattern":
            return f'must match pattern "{value}"'
        case "format":
            return f'must match format "{value}"'
        case "maxLength" | "minLength":
            return f"must NOT have {'more' if kind == 'maxLength' else 'fewer'} than {value} characters"
        case "maxItems" | "minItems":
            return f"must NOT have {'more' if kind == 'maxItems' else 'fewer'} than {value} items"
        case "maximum":
            return f"must be <= {value}"
        case "minimum":
            return f"must be >= {value}"
        case "uniqueItems":
            return "must NOT have duplicate items"
    return None


def reasons(error: ValidationError) -> list[FieldError]:
    """The field errors one jsonschema error stands for."""
    from jsonschema.exceptions import best_match

    path: tuple[str | int, ...] = tuple(error.absolute_path)
    where = pointer(*path)
    kind, value, instance = str(error.validator), error.validator_value, error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "additionalProperties" and isinstance(instance, dict):
        declared = set(schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in declared)
        return [
            FieldError(pointer(*path, name), f"must NOT have additional properties: {name}.")
            for name in extra
        ]
    if kind == "required" and isinstance(instance, dict) and isinstance(value, list):
        missing = [name for name in value if name not in instance]
        return [FieldError(pointer(*path, name), f"must have required property '{name}'") for name in missing]
    reason = _reason_text(kind, value)
    if reason is not None:
        return [FieldError(where, reason)]
    if kind in ("oneOf", "anyOf") and error.context:
        closest = best_match(error.context)
        inner = reasons(closest)[0] if closest is not None else FieldError(where, error.message)
        which = "exactly one schema" if kind == "oneOf" else "a schema"
        return [FieldError(where, f"must match {which} in {kind} ({inner.name or '/'}: {inner.reason})")]
    return [FieldError(where, error.message)]


def field_errors(validator: Draft4Validator, instance: Any) -> list[FieldError]:
    """Every field error of ``instance``, sorted by pointer, without duplicates."""
    found: dict[tuple[str, str], FieldError] = {}
    for error in validator.iter_errors(instance):
        for entry in reasons(error):
            found.setdefault((entry.name, entry.reason), entry)
    return sorted(found.values(), key=lambda e: (e.name, e.reason))
