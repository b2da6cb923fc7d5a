"""Comparing a listing as the CRM wants it with the classified AVIV has: normalise, then diff.

Both sides are compared as JSON, after the generated models serialised them the same way (the
desired listing through the client's ``AvivClassified``, AVIV's through the listing's item model),
so dates, enums and numbers read alike (``1 == 1.0``; the order of object members never counts).
Then:

- AVIV's side keeps only the members the request schema declares
  (:mod:`~aviv_caas_auth.sync.shape`): ``classifiedId`` and anything else AVIV adds are ignored.
  The desired side is not pruned: a member AVIV does not know is a change, which AVIV will then
  refuse with a ``ValidationError`` naming it, rather than a silent "unchanged".
- Arrays the spec declares as sets (``uniqueItems``: the portals) are compared sorted.

What differs is given as RFC 6901 JSON pointers (``/data/prices/buy/price/amount``): the member
that differs, the index of an array item that differs when both arrays have the same length,
else the whole array (its length changed, or it is a set).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from aviv_caas_auth import pointers
from aviv_caas_auth.sync.shape import Shape
from aviv_caas_auth.validation.schemas import escape_pointer_token

MISSING: Any = object()
"""What :func:`resolve` returns for a pointer the document does not have."""


def _set_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=str)


def normalised(document: Any, shape: Shape | None, *, prune: bool) -> Any:
    """``document`` as compared: sets sorted, and with ``prune`` only the members ``shape`` declares."""
    if shape is None:
        return document
    if isinstance(document, Mapping):
        return {
            k: normalised(v, shape.member(k), prune=prune)
            for k, v in document.items()
            if not prune or shape.properties is None or k in shape.properties
        }
    if isinstance(document, list):
        items = [normalised(item, shape.items, prune=prune) for item in document]
        return sorted(items, key=_set_key) if shape.unordered else items
    return document


def changes(desired: Any, current: Any, shape: Shape | None = None) -> list[str]:
    """The JSON pointers where two normalised documents differ (empty when equal), in document order."""
    return list(_changes(desired, current, shape, ""))


def _changes(desired: Any, current: Any, shape: Shape | None, where: str) -> Iterator[str]:
    if type(desired) is not type(current) and not (_number(desired) and _number(current)):
        yield where
        return
    if isinstance(desired, Mapping):
        for key in [*desired, *(k for k in current if k not in desired)]:
            child = shape.member(key) if shape is not None else None
            below = f"{where}/{escape_pointer_token(key)}"
            if key not in desired or key not in current:
                yield below
            else:
                yield from _changes(desired[key], current[key], child, below)
        return
    if isinstance(desired, list):
        if desired == current:
            return
        if len(desired) != len(current) or (shape is not None and shape.unordered):
            yield where
            return
        child = shape.items if shape else None
        for index, (mine, theirs) in enumerate(zip(desired, current, strict=True)):
            yield from _changes(mine, theirs, child, f"{where}/{index}")
        return
    if desired != current:
        yield where


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` (RFC 6901) in ``document``, or :data:`MISSING`."""
    return pointers.resolve(document, pointer, MISSING)


def unlisted(document: Any, shape: Shape | None, where: str = "") -> list[str]:
    """The pointers of values ``shape``'s enums do not list (``/portals/1`` for a v3-only portal in v4)."""
    if shape is None:
        return []
    if isinstance(document, Mapping):
        return [
            found
            for key, value in document.items()
            for found in unlisted(value, shape.member(key), f"{where}/{escape_pointer_token(key)}")
        ]
    if isinstance(document, list):
        return [
            found
            for index, item in enumerate(document)
            for found in unlisted(item, shape.items, f"{where}/{index}")
        ]
    if shape.enum is not None and isinstance(document, str) and document not in shape.enum:
        return [where]
    return []
