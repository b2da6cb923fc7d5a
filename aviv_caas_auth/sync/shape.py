"""What a classified is made of, read from the spec the client was generated from: what to compare.

AVIV answers a classified with more than was sent: ``GET /classifieds`` items are the
``AvivClassified`` plus ``classifiedId`` (and may gain statuses, dates or other members AVIV adds
later, at any depth). A sync compares only what the request schema declares, so members AVIV
adds are never mistaken for changes. The shape is read from the prepared OpenAPI document the
client's generated package ships (``<package>/openapi.json``), never hard-coded: a new minor
spec with a new field is compared with no code change.

- Objects whose schema declares ``properties`` keep those members only (``allOf``, ``oneOf`` and
  ``anyOf`` branches are merged); objects that declare none keep every member.
- Arrays whose schema says ``uniqueItems`` (the ``portals``) are sets: their order is not a
  change. Every other array's order is (v4's ``media`` order is the display order).
"""

from __future__ import annotations

import importlib.resources
import json
import threading
from collections.abc import Mapping
from typing import Any

from aviv_caas_auth.errors import ConfigurationError


class Shape:
    """The declared structure of one schema (mutable only while it is built: schemas may nest)."""

    __slots__ = ("enum", "items", "properties", "unordered", "values")

    def __init__(self) -> None:
        self.properties: dict[str, Shape] | None = None
        """Declared members (None: any member is kept)."""
        self.values: Shape | None = None
        """The shape of every member of an object without declared ones (``additionalProperties``)."""
        self.items: Shape | None = None
        """The shape of an array's items."""
        self.unordered = False
        """An array whose order does not matter (``uniqueItems``)."""
        self.enum: frozenset[Any] | None = None
        """The values a string may take (``enum``), None when any."""

    def member(self, name: str) -> Shape | None:
        """The shape of member ``name`` of an object of this shape (None: not declared)."""
        return self.values if self.properties is None else self.properties.get(name)


class _Builder:
    """Builds the shapes of one OpenAPI document, one per ``$ref`` (so recursive schemas terminate)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._by_ref: dict[str, Shape] = {}

    def shape(self, schema: Any) -> Shape:
        if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and len(schema) == 1:
            ref = schema["$ref"]
            found = self._by_ref.get(ref)
            if found is None:
                found = self._by_ref[ref] = Shape()
                self._fill(found, self._lookup(ref))
            return found
        shape = Shape()
        self._fill(shape, schema)
        return shape

    def _fill(self, shape: Shape, schema: Any) -> None:
        for part in self._parts(schema):
            declared = part.get("properties")
            if isinstance(declared, Mapping):
                properties = shape.properties if shape.properties is not None else {}
                for name, member in declared.items():
                    properties[name] = self.shape(member) if name not in properties else properties[name]
                shape.properties = properties
            extra = part.get("additionalProperties")
            if isinstance(extra, Mapping) and shape.values is None:
                shape.values = self.shape(extra)
            if "items" in part and shape.items is None:
                shape.items = self.shape(part["items"])
            shape.unordered = shape.unordered or part.get("uniqueItems") is True
            if isinstance(part.get("enum"), list):
                shape.enum = frozenset(part["enum"]) | (shape.enum or frozenset())

    def _parts(self, schema: Any) -> list[Mapping[str, Any]]:
        """``schema`` and the schemas it combines (``$ref`` followed; ``allOf``, ``oneOf``, ``anyOf``)."""
        if not isinstance(schema, Mapping):
            return []
        if isinstance(schema.get("$ref"), str):
            return self._parts(self._lookup(schema["$ref"]))
        parts = [schema]
        for keyword in ("allOf", "oneOf", "anyOf"):
            for branch in schema.get(keyword) or ():
                parts.extend(self._parts(branch))
        return parts

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ConfigurationError(f"the prepared spec has a reference outside itself: {ref}")
        node: Any = self._document
        for token in ref[2:].split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node


_SHAPES: dict[tuple[str, str], Shape] = {}
_LOCK = threading.Lock()


def shape_of(package: str, schema: str) -> Shape:
    """The shape of ``components.schemas.<schema>`` in the prepared spec ``package`` ships (cached)."""
    with _LOCK:
        found = _SHAPES.get((package, schema))
        if found is not None:
            return found
        try:
            text = (importlib.resources.files(package) / "openapi.json").read_text(encoding="utf-8")
            document = json.loads(text)
            document["components"]["schemas"][schema]  # there, or the clear error below
        except (OSError, ModuleNotFoundError, ValueError, KeyError, TypeError) as error:
            raise ConfigurationError(
                f"cannot read the schema {schema} from {package}/openapi.json ({type(error).__name__}: "
                f"{error}); run `make generate`"
            ) from error
        found = _Builder(document).shape({"$ref": f"#/components/schemas/{schema}"})
        _SHAPES[(package, schema)] = found
        return found
