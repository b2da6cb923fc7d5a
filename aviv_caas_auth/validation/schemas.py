"""The pinned spec's schemas as validators: the prepared OpenAPI document a generated package ships.

``make generate`` writes the prepared spec into the generated package (``aviv_caas_client/openapi.json``),
so validation always uses exactly what the client was generated from. Schemas are resolved with
``referencing`` against that one document and checked with ``jsonschema``'s Draft 4 validator
(OpenAPI 3.0 schema objects are a Draft 4 dialect), with AVIV's ``url`` format. Needs the
``validation`` extra (jsonschema, referencing); the local sandbox uses the same code.
"""

from __future__ import annotations

import importlib.resources
import json
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aviv_caas_auth.apis import DEFAULT_PACKAGE
from aviv_caas_auth.errors import ConfigurationError
from aviv_caas_auth.extras import install_command
from aviv_caas_auth.pointers import escape_token as escape_pointer_token
from aviv_caas_auth.pointers import pointer

__all__ = ["SpecSchemas", "SpecUnavailableError", "escape_pointer_token", "pointer", "schemas_of"]

if TYPE_CHECKING:
    from jsonschema import Draft4Validator, FormatChecker

SPEC_URI = "urn:aviv-caas:prepared-openapi"


class SpecUnavailableError(ConfigurationError):
    """The prepared OpenAPI document cannot be read (missing, not JSON, not OpenAPI 3)."""


def require_jsonschema() -> None:
    """Raise a ConfigurationError naming the extra to install when jsonschema/referencing are missing."""
    try:
        import jsonschema  # noqa: F401
        import referencing  # noqa: F401
    except ImportError as error:
        raise ConfigurationError(
            "validating against AVIV's spec needs jsonschema and referencing (missing: "
            f"{error.name}): {install_command('validation')}"
        ) from error


def _is_url(instance: object) -> bool:
    """AVIV's ``url`` format (ajv-formats' ``url``): an absolute http(s) URL with a host."""
    if not isinstance(instance, str):
        return True
    parts = urlsplit(instance)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@cache
def format_checker() -> FormatChecker:
    """Jsonschema's format checker plus AVIV's ``url`` format (made once)."""
    from jsonschema import FormatChecker

    checker = FormatChecker()
    checker.checks("url")(_is_url)
    return checker


class SpecSchemas:
    """A prepared spec's document and a validator per schema pointer (cached, thread-safe)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        require_jsonschema()
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        self.document = document
        resource: Resource[Any] = Resource.from_contents(document, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._resolver = self.registry.resolver(SPEC_URI)
        self._validators: dict[str, Draft4Validator] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None = None, *, package: str = DEFAULT_PACKAGE) -> SpecSchemas:
        """Load ``path``, or the prepared spec shipped inside the generated ``package``."""
        where = str(path) if path is not None else f"{package}/openapi.json"
        try:
            if path is not None:
                text = Path(path).read_text(encoding="utf-8")
            else:
                text = (importlib.resources.files(package) / "openapi.json").read_text(encoding="utf-8")
        except (OSError, ModuleNotFoundError) as error:
            raise SpecUnavailableError(
                f"cannot read the prepared OpenAPI document {where} ({error.__class__.__name__}); "
                "run `make generate` (or point to a prepared spec)"
            ) from error
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise SpecUnavailableError(
                f"the prepared OpenAPI document {where} is not JSON: {error}"
            ) from error
        if not isinstance(document, dict) or "paths" not in document or "components" not in document:
            raise SpecUnavailableError(f"{where} has no `paths`/`components`: not an OpenAPI 3 document")
        return cls(document)

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
        from jsonschema import Draft4Validator

        with self._lock:
            found = self._validators.get(json_pointer)
            if found is None:
                ref = SPEC_URI + "#" + json_pointer.lstrip("#")
                found = Draft4Validator(
                    {"$ref": ref}, registry=self.registry, format_checker=format_checker()
                )
                self._validators[json_pointer] = found
            return found


_LOADED: dict[str, SpecSchemas] = {}
_LOAD_LOCK = threading.Lock()


def schemas_of(package: str = DEFAULT_PACKAGE) -> SpecSchemas:
    """The (shared) schemas of the prepared spec the generated ``package`` ships."""
    with _LOAD_LOCK:
        found = _LOADED.get(package)
        if found is None:
            found = _LOADED[package] = SpecSchemas.load(package=package)
        return found
