"""Apply an OpenAPI Overlay 1.0 document strictly: an action that matches nothing is an error.

Targets are RFC 9535 JSONPath expressions evaluated with python-jsonpath. Semantics:
``remove: true`` deletes every matched node from its parent; ``update`` is merged into every
matched node (objects recursively, other values replaced; a matched array gets the value
appended). Actions apply in order, each to the result of the previous one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonpath


class OverlayError(Exception):
    """The overlay is malformed, or one of its actions no longer matches the document."""


@dataclass(frozen=True)
class AppliedAction:
    """What one action did: its target and how many nodes it touched."""

    target: str
    description: str
    kind: str
    matches: int


def _merge(target: Any, update: Any) -> Any:
    """Merge ``update`` into ``target`` and return the result (objects merge recursively)."""
    if isinstance(target, dict) and isinstance(update, Mapping):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else _deep_copy(value)
        return target
    if isinstance(target, list):
        target.append(_deep_copy(update))
        return target
    return _deep_copy(update)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _check_action(index: int, action: Any) -> tuple[str, str]:
    if not isinstance(action, Mapping) or not isinstance(action.get("target"), str):
        raise OverlayError(f"overlay action #{index + 1} has no string `target`")
    target = " ".join(action["target"].split())
    has_update, removes = "update" in action, action.get("remove") is True
    if has_update == removes:
        raise OverlayError(
            f"overlay action #{index + 1} ({target}) needs exactly one of `update` or `remove: true`"
        )
    return target, ("remove" if removes else "update")


def apply_overlay(document: dict[str, Any], overlay: Mapping[str, Any]) -> list[AppliedAction]:
    """Apply ``overlay`` to ``document`` in place; raise OverlayError on the first action matching nothing."""
    if str(overlay.get("overlay", "")).split(".")[0] != "1":
        raise OverlayError("not an OpenAPI Overlay 1.x document (missing `overlay: 1.0.0`)")
    actions = overlay.get("actions")
    if not isinstance(actions, Sequence) or not actions:
        raise OverlayError("the overlay has no `actions`")
    applied = []
    for index, action in enumerate(actions):
        target, kind = _check_action(index, action)
        description = " ".join(str(action.get("description", "")).split())
        try:
            matches = _distinct(jsonpath.finditer(target, document))
        except jsonpath.JSONPathError as exc:
            raise OverlayError(f"overlay action #{index + 1}: invalid JSONPath {target!r}: {exc}") from exc
        if not matches:
            raise OverlayError(
                f"overlay action #{index + 1} matches nothing in the document, so its fix would be "
                f"silently lost.\n  target: {target}\n  purpose: {description or '(no description)'}\n"
                "The upstream document changed: read it, then adapt or delete this action "
                "in openapi/overlay.yaml."
            )
        if kind == "remove":
            _remove(matches)
        else:
            for match in matches:
                replaced = _merge(match.obj, action["update"])
                if replaced is not match.obj:
                    _set(document, match.parts, replaced)
        applied.append(AppliedAction(target, description, kind, len(matches)))
    return applied


def _distinct(matches: Iterable[jsonpath.JSONPathMatch]) -> list[jsonpath.JSONPathMatch]:
    """Each matched node once, in match order.

    An RFC 9535 nodelist may hold a node twice (``$.a[0,0]``, or ``$.a[0,-1]`` on a one-item list);
    acting twice on it would delete a second item, or append an update to a list twice.
    """
    seen: set[tuple[Any, ...]] = set()
    distinct = []
    for match in matches:
        if match.parts not in seen:
            seen.add(match.parts)
            distinct.append(match)
    return distinct


def _parent(document: Any, parts: tuple[Any, ...]) -> Any:
    node = document
    for part in parts[:-1]:
        node = node[part]
    return node


def _set(document: Any, parts: tuple[Any, ...], value: Any) -> None:
    if not parts:
        raise OverlayError("an update cannot replace the whole document with a non-object")
    _parent(document, parts)[parts[-1]] = value


def _remove(matches: list[jsonpath.JSONPathMatch]) -> None:
    # Delete list items from the highest index down, so earlier deletions do not shift later ones.
    located = [(_parent(m.root, m.parts), m.parts[-1]) for m in matches if m.parts]
    if len(located) != len(matches):
        raise OverlayError("an overlay action cannot remove the whole document")
    for parent, key in sorted(located, key=lambda pk: pk[1] if isinstance(pk[1], int) else 0, reverse=True):
        del parent[key]
