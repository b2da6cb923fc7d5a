"""Apply an OpenAPI Overlay 1.0 document strictly, and say everything that no longer fits in one run.

Targets are RFC 9535 JSONPath expressions evaluated with python-jsonpath. Semantics:
``remove: true`` deletes every matched node from its parent; ``update`` is merged into every
matched node (objects recursively, other values replaced; a matched array gets the value
appended). Actions apply in order, each to the result of the previous one.

What is checked, all problems being reported together (an action that fails is skipped, the
others still apply, so one run lists everything an upstream change broke):

- an action must match something;
- a segment naming several members (``schemas['A','B']``) must match each of them;
- an update of a components map (``$.components.schemas``) *defines* components: each name must
  be new, so the overlay's own definitions (the names hand-written code relies on) never merge
  silently into an upstream component of the same name;
- after the last action every local ``$ref`` must resolve; a dangling one is attributed to the
  action whose update introduced it, or whose removal took its target away.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonpath

from aviv_caas_auth import pointers


class OverlayError(Exception):
    """The overlay is malformed, or some of its actions no longer fit the document."""


@dataclass(frozen=True)
class AppliedAction:
    """What one action did: its target, how many nodes it touched, the components it defines."""

    target: str
    description: str
    kind: str
    matches: int
    defines: tuple[str, ...] = ()


@dataclass
class _Action:
    number: int
    target: str
    description: str
    kind: str
    update: Any = None
    removed: list[str] = field(default_factory=list)

    def label(self) -> str:
        return f"action #{self.number} ({self.description or 'no description'})"


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


def _read_action(index: int, action: Any) -> _Action:
    if not isinstance(action, Mapping) or not isinstance(action.get("target"), str):
        raise OverlayError(f"overlay action #{index + 1} has no string `target`")
    target = " ".join(action["target"].split())
    has_update, removes = "update" in action, action.get("remove") is True
    if has_update == removes:
        raise OverlayError(
            f"overlay action #{index + 1} ({target}) needs exactly one of `update` or `remove: true`"
        )
    description = " ".join(str(action.get("description", "")).split())
    kind = "remove" if removes else "update"
    return _Action(index + 1, target, description, kind, action.get("update"))


def _compile(action: _Action) -> jsonpath.JSONPath:
    try:
        path = jsonpath.compile(action.target)
    except jsonpath.JSONPathError as exc:
        raise OverlayError(
            f"overlay action #{action.number}: invalid JSONPath {action.target!r}: {exc}"
        ) from exc
    if not isinstance(path, jsonpath.JSONPath):  # a compound (union) expression
        raise OverlayError(
            f"overlay action #{action.number}: use one JSONPath per action, not {action.target!r}"
        )
    return path


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def apply_overlay(
    document: dict[str, Any], overlay: Mapping[str, Any], *, source: str = "the overlay"
) -> list[AppliedAction]:
    """Apply ``overlay`` to ``document`` in place; raise OverlayError listing every problem found.

    ``source`` names the overlay file in messages (e.g. ``openapi/v3/overlay.yaml``).
    """
    if str(overlay.get("overlay", "")).split(".")[0] != "1":
        raise OverlayError("not an OpenAPI Overlay 1.x document (missing `overlay: 1.0.0`)")
    raw_actions = overlay.get("actions")
    if not isinstance(raw_actions, Sequence) or not raw_actions:
        raise OverlayError("the overlay has no `actions`")
    actions = [_read_action(index, action) for index, action in enumerate(raw_actions)]
    paths = [_compile(action) for action in actions]
    problems: list[str] = []
    applied = []
    for action, path in zip(actions, paths, strict=True):
        try:
            matches = _distinct(path.finditer(document))
            failures = _match_failures(action, path, matches, document)
        except jsonpath.JSONPathError as exc:  # e.g. its recursion limit, on a document nested too deep
            problems.append(f"action #{action.number} cannot be evaluated on this document: {exc.args[0]}")
            continue
        defines: tuple[str, ...] = ()
        if not failures and action.kind == "update":
            defines, clashes = _definitions(action, matches)
            failures += clashes
        if failures:
            problems += failures
            continue
        if action.kind == "remove":
            action.removed = [_pointer(m.parts) for m in matches]
            _remove(matches)
        else:
            for match in matches:
                replaced = _merge(match.obj, action.update)
                if replaced is not match.obj:
                    _set(document, match.parts, replaced)
        applied.append(AppliedAction(action.target, action.description, action.kind, len(matches), defines))
    problems += _dangling_references(document, actions)
    if problems:
        numbered = "\n".join(f"{i}. {problem}" for i, problem in enumerate(problems, 1))
        raise OverlayError(
            f"{len(problems)} problem(s) applying {source}: the upstream document changed, so these "
            f"patches would be lost or wrong.\n{numbered}\n"
            f"Read the new document, then adapt or delete these actions in {source}."
        )
    return applied


def _match_failures(
    action: _Action, path: jsonpath.JSONPath, matches: list[jsonpath.JSONPathMatch], document: Any
) -> list[str]:
    where = f"\n   target: {action.target}\n   purpose: {action.description or '(no description)'}"
    if not matches:
        lost = "so its fix would be silently lost"
        return [f"action #{action.number} matches nothing in the document, {lost}.{where}"]
    missing = [name for name, variant in _single_name_variants(path) if not variant.findall(document)]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        return [
            f"action #{action.number} names {names}, which the document no longer has (its other "
            f"names still match).{where}"
        ]
    return []


def _single_name_variants(path: jsonpath.JSONPath) -> Iterator[tuple[str, jsonpath.JSONPath]]:
    """For each segment naming several members, one path per name with only that name kept."""
    segments = list(path.segments)
    for index, segment in enumerate(segments):
        names = [s for s in segment.selectors if isinstance(s, jsonpath.selectors.NameSelector)]
        if len(names) < 2:
            continue
        prefix = ".." if isinstance(segment, jsonpath.segments.JSONPathRecursiveDescentSegment) else ""
        for name in names:
            text = "$" + "".join(
                f"{prefix}[{name}]" if i == index else str(other) for i, other in enumerate(segments)
            )
            yield name.name, jsonpath.compile(text)  # type: ignore[misc]


def _definitions(action: _Action, matches: list[jsonpath.JSONPathMatch]) -> tuple[tuple[str, ...], list[str]]:
    """The components an update of a components map defines, and the clashes with existing ones."""
    defined, clashes = [], []
    for match in matches:
        if len(match.parts) != 2 or match.parts[0] != "components" or not isinstance(action.update, Mapping):
            continue
        kind = match.parts[1]
        for name in action.update:
            defined.append(f"{kind}/{name}")
            if isinstance(match.obj, Mapping) and name in match.obj:
                clashes.append(
                    f"action #{action.number} defines {kind} `{name}`, but the document already has one "
                    f"(upstream added it): a definition must not merge into an upstream component. "
                    f"Rename ours, or target `$.components.{kind}.{name}` to patch theirs on purpose."
                    f"\n   purpose: {action.description or '(no description)'}"
                )
    return tuple(defined), clashes


def _references(node: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[str, str]]:
    """(JSON pointer of the referencing node, the local ``$ref``) for every reference in ``node``."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            yield _pointer(where), ref
        for key, value in node.items():
            yield from _references(value, (*where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, (*where, index))


_ABSENT = object()


def _resolves(document: Any, ref: str) -> bool:
    return pointers.resolve(document, ref, _ABSENT) is not _ABSENT


def _dangling_references(document: Any, actions: list[_Action]) -> list[str]:
    dangling: dict[str, list[str]] = {}
    for where, ref in _references(document):
        if not _resolves(document, ref):
            dangling.setdefault(ref, []).append(where)
    problems = []
    for ref, places in dangling.items():
        pointer = ref[1:]
        causes = [
            f"{a.label()} introduced it"
            for a in actions
            if a.kind == "update" and ref in {r for _, r in _references(a.update)}
        ]
        causes += [
            f"{a.label()} removed its target ({a.target})"
            for a in actions
            if any(pointer == p or pointer.startswith(p + "/") for p in a.removed)
        ]
        cause = "; ".join(causes) or "it was already dangling in the upstream document"
        shown = ", ".join(places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")
        problems.append(f"$ref {ref} resolves to nothing after the overlay ({cause}); used at {shown}")
    return problems


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
