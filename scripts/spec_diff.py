"""What changed between two versions of an OpenAPI document, and what it means for a client.

    python -m scripts.spec_diff OLD.json NEW.json

Reports what a client depends on first: the ``servers`` (a URL removed or moved is breaking: a
client configured with it no longer reaches the API) and the security schemes and requirements
(a scheme removed or changed, a requirement or scope a client must now meet: breaking); then
operations added, removed or changed (operationId, parameters, request body, response
statuses and media types), schemas and properties added, removed, or whose type or
``required``-ness changed, and enum values added or removed. Each change is classified for a
client of the API with oasdiff's three levels and rule names (https://github.com/oasdiff/oasdiff,
``BREAKING-CHANGES.md``): *breaking* (ERR), *potentially breaking* (WARN), *non-breaking* (INFO).
Whether a schema change breaks depends on where the schema is used: a new required property
breaks a request, not a response; a new enum value is safe to send but may surprise a reader.

Why written here: oasdiff is a Go program (not installable from PyPI); the Python tools on PyPI
that were tried (api-schema-diff 1.0.4, api-diff-sentinel 1.0.2, openapi-lens 1.0.5) miss enum
values, ``allOf``-composed schemas and response schemas, or compare paths only. This module is
the part we need: schemas are compared per location (``RealEstate.features.residential``), once,
with the operations that use them, instead of once per operation.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.limits import load_bounded

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BREAKING, POTENTIALLY, NON_BREAKING = "breaking", "potentially breaking", "non-breaking"
LEVELS = (BREAKING, POTENTIALLY, NON_BREAKING)
REQUEST, RESPONSE = "request", "response"
SCHEMA_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class Change:
    """One change, classified for a client of the API."""

    level: str
    rule: str
    section: str  # "security", "operations", "schemas" or "enums"
    subject: str
    text: str
    used_by: tuple[str, ...] = ()

    def line(self) -> str:
        """The change as one report line."""
        used = ""
        if self.used_by:
            shown = ", ".join(self.used_by[:4]) + (
                f" and {len(self.used_by) - 4} more" if len(self.used_by) > 4 else ""
            )
            used = f" (used by {shown})"
        return f"- **{self.level}** `{self.rule}`: {self.subject}: {self.text}{used}"


# --- Reading a document -------------------------------------------------------------------------


@dataclass
class Node:
    """What a schema says at one location: its type, enum, properties and required members."""

    types: set[str] = field(default_factory=set)
    format: str | None = None
    enum: list[Any] | None = None
    properties: dict[str, bool] = field(default_factory=dict)  # name -> declared in this node's own schema
    required: set[str] = field(default_factory=set)
    ref: str | None = None

    def describe(self) -> str:
        """The type in a few words (``boolean``, ``string (uuid)``, ``$ref Media``)."""
        kind = "/".join(sorted(self.types)) or ("$ref " + self.ref if self.ref else "any")
        return kind + (f" ({self.format})" if self.format else "")


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    seen = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        seen.add(node["$ref"])
        target: Any = document
        for token in node["$ref"][2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or token not in target:
                return {}
            target = target[token]
        node = target
    return node


class Index:
    """A document read as schema locations, operations, and which operations use which component."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.nodes: dict[str, Node] = {}
        self.owner: dict[str, str] = {}  # location -> its root (a component name or an operation part)
        self.refs: dict[str, set[str]] = {}  # root -> components it references directly
        self.operations: dict[str, Mapping[str, Any]] = {}
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            self._walk(schema, name, name)
        for path, item in document.get("paths", {}).items():
            for method in HTTP_METHODS:
                if isinstance(item.get(method), Mapping):
                    self._read_operation(f"{method.upper()} {path}", item, item[method])
        self.usage = self._usage()

    def _read_operation(self, key: str, item: Mapping[str, Any], operation: Mapping[str, Any]) -> None:
        self.operations[key] = operation
        for param in self.parameters(item, operation).values():
            root = f"{key} {param.get('in')} parameter `{param.get('name')}`"
            self._walk(param.get("schema", {}), root, root)
        body = _resolve(self.document, operation.get("requestBody"))
        for media, content in (body or {}).get("content", {}).items():
            root = f"{key} request body ({media})"
            self._walk(content.get("schema", {}), root, root)
        for status, response in operation.get("responses", {}).items():
            for media, content in _resolve(self.document, response).get("content", {}).items():
                root = f"{key} response {status} ({media})"
                self._walk(content.get("schema", {}), root, root)

    def parameters(self, item: Mapping[str, Any], operation: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
        """The operation's parameters (path-level ones included) by (location, name), resolved."""
        found = {}
        for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
            param = _resolve(self.document, raw)
            found[(str(param.get("in")), str(param.get("name")))] = param
        return found

    def _walk(self, schema: Any, key: str, root: str) -> None:
        if not isinstance(schema, Mapping):
            return
        node = self.nodes.setdefault(key, Node())
        self.owner.setdefault(key, root)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref.startswith(SCHEMA_PREFIX):
                node.ref = ref[len(SCHEMA_PREFIX) :]
                self.refs.setdefault(root, set()).add(node.ref)
            return
        kind = schema.get("type")
        node.types |= {kind} if isinstance(kind, str) else set(kind or [])
        node.format = schema.get("format", node.format)
        if isinstance(schema.get("enum"), list):
            node.enum = list(schema["enum"])
        node.required |= set(schema.get("required", []))
        for name, sub in schema.get("properties", {}).items():
            node.properties[name] = True
            self._walk(sub, f"{key}.{name}", root)
        for member in schema.get("allOf", []):
            member_ref = member.get("$ref") if isinstance(member, Mapping) else None
            if isinstance(member_ref, str) and member_ref.startswith(SCHEMA_PREFIX):
                self.refs.setdefault(root, set()).add(member_ref[len(SCHEMA_PREFIX) :])
                target = _resolve(self.document, member)
                for name in target.get("properties", {}):
                    node.properties.setdefault(name, False)  # inherited: reported at the component
                node.required |= set(target.get("required", []))
            else:
                self._walk(member, key, root)
        for keyword in ("oneOf", "anyOf"):
            for index, member in enumerate(schema.get(keyword, [])):
                self._walk(member, f"{key}<{keyword} {index + 1}>", root)
        if isinstance(schema.get("items"), Mapping):
            self._walk(schema["items"], f"{key}[]", root)
        if isinstance(schema.get("additionalProperties"), Mapping):
            self._walk(schema["additionalProperties"], f"{key}{{*}}", root)

    def _usage(self) -> dict[str, set[tuple[str, str]]]:
        """Root -> the (context, operation) pairs whose requests or responses reach it."""
        usage: dict[str, set[tuple[str, str]]] = {}
        for root in {*self.owner.values()}:
            if root in self.document.get("components", {}).get("schemas", {}):
                continue
            operation_key = " ".join(root.split(" ")[:2])
            context = RESPONSE if " response " in root else REQUEST
            pending, seen = [root], set()
            while pending:
                current = pending.pop()
                if current in seen:
                    continue
                seen.add(current)
                usage.setdefault(current, set()).add((context, operation_key))
                pending += self.refs.get(current, ())
        return usage

    def contexts(self, key: str) -> set[str]:
        """``request`` and/or ``response``: where the location's schema travels (none if unused)."""
        return {context for context, _ in self.usage.get(self.owner.get(key, key), ())}

    def used_by(self, key: str) -> tuple[str, ...]:
        """The operationIds (else METHOD path) whose requests or responses reach the location."""
        names = set()
        for _, op_key in self.usage.get(self.owner.get(key, key), ()):
            names.add(str(self.operations.get(op_key, {}).get("operationId") or op_key))
        return tuple(sorted(names))


# --- Comparing ------------------------------------------------------------------------------------

_RULES: dict[tuple[str, str], tuple[str, str]] = {
    ("property-added", REQUEST): (NON_BREAKING, "new-optional-request-property"),
    ("required-property-added", REQUEST): (BREAKING, "new-required-request-property"),
    ("property-added", RESPONSE): (NON_BREAKING, "response-optional-property-added"),
    ("required-property-added", RESPONSE): (NON_BREAKING, "response-required-property-added"),
    ("property-removed", REQUEST): (POTENTIALLY, "request-property-removed"),
    ("required-property-removed", REQUEST): (POTENTIALLY, "request-property-removed"),
    ("property-removed", RESPONSE): (POTENTIALLY, "response-optional-property-removed"),
    ("required-property-removed", RESPONSE): (BREAKING, "response-required-property-removed"),
    ("became-required", REQUEST): (BREAKING, "request-property-became-required"),
    ("became-required", RESPONSE): (NON_BREAKING, "response-property-became-required"),
    ("became-optional", REQUEST): (NON_BREAKING, "request-property-became-optional"),
    ("became-optional", RESPONSE): (BREAKING, "response-property-became-optional"),
    ("type-changed", REQUEST): (BREAKING, "request-property-type-changed"),
    ("type-changed", RESPONSE): (BREAKING, "response-property-type-changed"),
    ("enum-value-added", REQUEST): (NON_BREAKING, "request-property-enum-value-added"),
    ("enum-value-added", RESPONSE): (POTENTIALLY, "response-property-enum-value-added"),
    ("enum-value-removed", REQUEST): (BREAKING, "request-property-enum-value-removed"),
    ("enum-value-removed", RESPONSE): (NON_BREAKING, "response-property-enum-value-removed"),
}


def _classify(change: str, contexts: set[str]) -> tuple[str, str]:
    """The most severe (level, rule) of ``change`` over the contexts the schema is used in."""
    if not contexts:
        return NON_BREAKING, f"unused-schema-{change}"
    found = [_RULES[(change, context)] for context in sorted(contexts)]
    return min(found, key=lambda level_rule: LEVELS.index(level_rule[0]))


def _where(contexts: set[str]) -> str:
    return " and ".join(f"{c}s" for c in sorted(contexts)) if contexts else "no operation"


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new``: servers and security, operations, schemas, enum values."""
    before, after = Index(old), Index(new)
    return [
        *_server_changes(old, new),
        *_security_changes(before, after),
        *_operation_changes(before, after),
        *_schema_changes(before, after),
    ]


# --- Servers and security -------------------------------------------------------------------------
# oasdiff reports servers in its diff but has no rule for them, and rates security changes INFO;
# for a generated client they come first (the base URL, how to authenticate), hence these levels.


def _servers(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The document-level servers as (url, description), in order."""
    servers = document.get("servers")
    return [
        (str(server["url"]).rstrip("/"), " ".join(str(server.get("description", "")).split()))
        for server in (servers if isinstance(servers, list) else [])
        if isinstance(server, Mapping) and isinstance(server.get("url"), str)
    ]


def _server_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    before, after = _servers(old), _servers(new)
    removed = [server for server in before if server[0] not in {url for url, _ in after}]
    added = [server for server in after if server[0] not in {url for url, _ in before}]
    for url, description in list(removed):
        moved = [server for server in added if description and server[1] == description]
        if moved:  # the same server (by its description) at another URL
            removed.remove((url, description))
            added.remove(moved[0])
            text = f"URL {url} -> {moved[0][0]} (a client configured with the old URL no longer reaches it)"
            yield Change(BREAKING, "api-server-url-changed", "security", f"server {description!r}", text)
    for url, description in removed:
        text = "server removed (a client configured with it no longer reaches the API)"
        yield Change(BREAKING, "api-server-removed", "security", _server_subject(url, description), text)
    for url, description in added:
        yield Change(
            NON_BREAKING, "api-server-added", "security", _server_subject(url, description), "new server"
        )


def _server_subject(url: str, description: str) -> str:
    return f"server {url}" + (f" ({description})" if description else "")


_SCHEME_FIELDS = ("type", "scheme", "bearerFormat", "in", "name", "openIdConnectUrl")


def _scheme_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between two security schemes (their OAuth flows compared member by member)."""
    found = [
        f"{key} {old.get(key)} -> {new.get(key)}" for key in _SCHEME_FIELDS if old.get(key) != new.get(key)
    ]
    old_flows, new_flows = (
        scheme["flows"] if isinstance(scheme.get("flows"), Mapping) else {} for scheme in (old, new)
    )
    for flow in sorted(old_flows.keys() | new_flows.keys()):
        was, now = old_flows.get(flow), new_flows.get(flow)
        if not isinstance(was, Mapping) or not isinstance(now, Mapping):
            found.append(f"flow {flow} {'added' if was is None else 'removed' if now is None else 'changed'}")
            continue
        for key in ("authorizationUrl", "tokenUrl", "refreshUrl"):
            if was.get(key) != now.get(key):
                found.append(f"flows.{flow}.{key} {was.get(key)} -> {now.get(key)}")
        old_scopes, new_scopes = set(was.get("scopes") or {}), set(now.get("scopes") or {})
        found += [f"flows.{flow} scope {scope} removed" for scope in sorted(old_scopes - new_scopes)]
    return found


Requirements = dict[frozenset[str], dict[str, frozenset[str]]]


def _requirements(security: Any) -> Requirements | None:
    """Requirement alternatives by their set of scheme names, each with its scopes; None: none stated."""
    if not isinstance(security, list):
        return None
    found: Requirements = {}
    for requirement in security:
        if isinstance(requirement, Mapping):
            scopes = {str(name): frozenset(map(str, value or [])) for name, value in requirement.items()}
            found[frozenset(scopes)] = scopes
    return found


def _requirement_changes(
    before: Requirements, after: Requirements, subject: str, prefix: str
) -> Iterator[Change]:
    """Alternatives removed or added, scopes added or removed (oasdiff's rule names under ``prefix``)."""

    def name(key: frozenset[str]) -> str:
        return " + ".join(sorted(key)) or "no authentication (anonymous access)"

    for key in [k for k in before if k not in after]:
        if frozenset() in after:  # anonymous access is allowed now: nobody is refused
            text = f"requirement {name(key)} removed (anonymous access is allowed)"
            yield Change(NON_BREAKING, f"{prefix}-removed", "security", subject, text)
        else:
            text = f"requirement {name(key)} removed (a client authenticating with it is refused)"
            yield Change(BREAKING, f"{prefix}-removed", "security", subject, text)
    for key in [k for k in after if k not in before]:
        # A new alternative is one more way in, unless nothing was required before: then it locks out.
        level = BREAKING if not before else NON_BREAKING
        yield Change(level, f"{prefix}-added", "security", subject, f"requirement {name(key)} added")
    for key in [k for k in before if k in after]:
        for scheme in sorted(key):
            for scope in sorted(after[key][scheme] - before[key][scheme]):
                text = f"{scheme} needs scope {scope} (a token without it is refused)"
                yield Change(BREAKING, f"{prefix}-scope-added", "security", subject, text)
            for scope in sorted(before[key][scheme] - after[key][scheme]):
                text = f"{scheme} no longer needs scope {scope}"
                yield Change(NON_BREAKING, f"{prefix}-scope-removed", "security", subject, text)


def _security_changes(before: Index, after: Index) -> Iterator[Change]:
    old_schemes = before.document.get("components", {}).get("securitySchemes") or {}
    new_schemes = after.document.get("components", {}).get("securitySchemes") or {}
    for name in sorted(old_schemes.keys() - new_schemes.keys()):
        yield Change(BREAKING, "security-scheme-removed", "security", f"security scheme {name}", "removed")
    for name in sorted(new_schemes.keys() - old_schemes.keys()):
        yield Change(
            NON_BREAKING, "security-scheme-added", "security", f"security scheme {name}", "new scheme"
        )
    for name in sorted(old_schemes.keys() & new_schemes.keys()):
        old_scheme = _resolve(before.document, old_schemes[name])
        new_scheme = _resolve(after.document, new_schemes[name])
        differences = _scheme_differences(old_scheme or {}, new_scheme or {})
        if differences:
            text = "; ".join(differences) + " (how a client authenticates changed)"
            yield Change(BREAKING, "security-scheme-changed", "security", f"security scheme {name}", text)
    old_global = _requirements(before.document.get("security")) or {}
    new_global = _requirements(after.document.get("security")) or {}
    yield from _requirement_changes(old_global, new_global, "API-wide security", "api-global-security")
    for key in sorted(before.operations.keys() & after.operations.keys()):
        old_op, new_op = before.operations[key], after.operations[key]
        if "security" not in old_op and "security" not in new_op:
            continue  # both follow the API-wide requirements, reported above
        was = _requirements(old_op.get("security")) if "security" in old_op else old_global
        now = _requirements(new_op.get("security")) if "security" in new_op else new_global
        subject = f"{key} ({new_op.get('operationId', '?')})"
        yield from _requirement_changes(was or {}, now or {}, subject, "api-security")


def _operation_changes(before: Index, after: Index) -> Iterator[Change]:
    for key in after.operations.keys() - before.operations.keys():
        op_id = after.operations[key].get("operationId", "?")
        yield Change(NON_BREAKING, "endpoint-added", "operations", f"{key} ({op_id})", "new endpoint")
    for key in before.operations.keys() - after.operations.keys():
        op_id = before.operations[key].get("operationId", "?")
        yield Change(BREAKING, "api-path-removed", "operations", f"{key} ({op_id})", "endpoint removed")
    for key in sorted(before.operations.keys() & after.operations.keys()):
        yield from _operation_diff(key, before, after)


def _item(index: Index, key: str) -> Mapping[str, Any]:
    path = key.split(" ", 1)[1]
    item: Mapping[str, Any] = index.document["paths"][path]
    return item


def _operation_diff(key: str, before: Index, after: Index) -> Iterator[Change]:
    old, new = before.operations[key], after.operations[key]
    subject = f"{key} ({new.get('operationId', '?')})"
    if old.get("operationId") != new.get("operationId"):
        text = (
            f"operationId {old.get('operationId')} -> {new.get('operationId')} (the generated function moves)"
        )
        yield Change(BREAKING, "api-operation-id-updated", "operations", subject, text)
    old_tags, new_tags = (old.get("tags") or [None])[0], (new.get("tags") or [None])[0]
    if old_tags != new_tags:
        text = f"first tag {old_tags} -> {new_tags} (the generated module moves to another package)"
        yield Change(BREAKING, "api-tag-updated", "operations", subject, text)
    old_params = before.parameters(_item(before, key), old)
    new_params = after.parameters(_item(after, key), new)
    for where, name in sorted(new_params.keys() - old_params.keys()):
        required = bool(new_params[(where, name)].get("required"))
        level, rule = (
            (BREAKING, "new-required-request-parameter")
            if required
            else (NON_BREAKING, "new-optional-request-parameter")
        )
        yield Change(
            level,
            rule,
            "operations",
            subject,
            f"{'required' if required else 'optional'} {where} parameter `{name}` added",
        )
    for where, name in sorted(old_params.keys() - new_params.keys()):
        yield Change(
            POTENTIALLY,
            "request-parameter-removed",
            "operations",
            subject,
            f"{where} parameter `{name}` removed",
        )
    for where, name in sorted(old_params.keys() & new_params.keys()):
        was, now = (
            bool(old_params[(where, name)].get("required")),
            bool(new_params[(where, name)].get("required")),
        )
        if was != now:
            level, rule = (
                (BREAKING, "request-parameter-became-required")
                if now
                else (NON_BREAKING, "request-parameter-became-optional")
            )
            yield Change(
                level,
                rule,
                "operations",
                subject,
                f"{where} parameter `{name}` became {'required' if now else 'optional'}",
            )
    yield from _body_diff(subject, before, after, old, new)
    yield from _response_diff(subject, before, after, old, new)


def _body_diff(
    subject: str, before: Index, after: Index, old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[Change]:
    old_body = _resolve(before.document, old.get("requestBody")) or {}
    new_body = _resolve(after.document, new.get("requestBody")) or {}
    if not old_body and new_body:
        required = bool(new_body.get("required"))
        level, rule = (
            (BREAKING, "request-body-added-required")
            if required
            else (NON_BREAKING, "request-body-added-optional")
        )
        yield Change(level, rule, "operations", subject, "request body added")
    elif old_body and not new_body:
        yield Change(POTENTIALLY, "request-body-removed", "operations", subject, "request body removed")
    elif old_body and new_body:
        was, now = bool(old_body.get("required")), bool(new_body.get("required"))
        if was != now:
            level, rule = (
                (BREAKING, "request-body-became-required")
                if now
                else (NON_BREAKING, "request-body-became-optional")
            )
            yield Change(
                level, rule, "operations", subject, f"request body became {'required' if now else 'optional'}"
            )
        old_media, new_media = set(old_body.get("content", {})), set(new_body.get("content", {}))
        for media in sorted(new_media - old_media):
            yield Change(
                NON_BREAKING,
                "request-body-media-type-added",
                "operations",
                subject,
                f"request body accepts {media}",
            )
        for media in sorted(old_media - new_media):
            yield Change(
                BREAKING,
                "request-body-media-type-removed",
                "operations",
                subject,
                f"request body no longer accepts {media}",
            )


def _response_diff(
    subject: str, before: Index, after: Index, old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[Change]:
    old_responses, new_responses = old.get("responses", {}), new.get("responses", {})
    for status in sorted(new_responses.keys() - old_responses.keys()):
        success = status.startswith("2")
        rule = "response-success-status-added" if success else "response-non-success-status-added"
        yield Change(NON_BREAKING, rule, "operations", subject, f"response status {status} added")
    for status in sorted(old_responses.keys() - new_responses.keys()):
        success = status.startswith("2")
        level, rule = (
            (BREAKING, "response-success-status-removed")
            if success
            else (NON_BREAKING, "response-non-success-status-removed")
        )
        yield Change(level, rule, "operations", subject, f"response status {status} removed")
    for status in sorted(old_responses.keys() & new_responses.keys()):
        old_media = set(_resolve(before.document, old_responses[status]).get("content", {}))
        new_media = set(_resolve(after.document, new_responses[status]).get("content", {}))
        for media in sorted(old_media - new_media):
            yield Change(
                BREAKING,
                "response-media-type-removed",
                "operations",
                subject,
                f"response {status} no longer sends {media}",
            )
        for media in sorted(new_media - old_media):
            yield Change(
                NON_BREAKING,
                "response-media-type-added",
                "operations",
                subject,
                f"response {status} may send {media}",
            )


def _schema_changes(before: Index, after: Index) -> Iterator[Change]:
    old_components = set(before.document.get("components", {}).get("schemas", {}))
    new_components = set(after.document.get("components", {}).get("schemas", {}))
    for name in sorted(new_components - old_components):
        yield Change(NON_BREAKING, "schema-added", "schemas", name, "new schema", after.used_by(name))
    for name in sorted(old_components - new_components):
        yield Change(
            NON_BREAKING,
            "schema-removed",
            "schemas",
            name,
            "schema removed (its users are reported with their own changes)",
        )
    enums: list[Change] = []
    for key in sorted(before.nodes.keys() & after.nodes.keys()):
        old, new = before.nodes[key], after.nodes[key]
        contexts = after.contexts(key) | before.contexts(key)
        used_by = tuple(sorted({*before.used_by(key), *after.used_by(key)}))
        for name in sorted(new.properties.keys() - old.properties.keys()):
            if not new.properties[name]:
                continue  # inherited from a component: reported there
            required = name in new.required
            level, rule = _classify("required-property-added" if required else "property-added", contexts)
            child = after.nodes.get(f"{key}.{name}", Node())
            presence = "required" if required else "optional"
            text = f"property added ({child.describe()}, {presence}; in {_where(contexts)})"
            yield Change(level, rule, "schemas", f"{key}.{name}", text, used_by)
        for name in sorted(old.properties.keys() - new.properties.keys()):
            if not old.properties[name]:
                continue
            required = name in old.required
            level, rule = _classify("required-property-removed" if required else "property-removed", contexts)
            text = f"{'required' if required else 'optional'} property removed (in {_where(contexts)})"
            yield Change(level, rule, "schemas", f"{key}.{name}", text, used_by)
        for name in sorted((new.required - old.required) & old.properties.keys() & new.properties.keys()):
            level, rule = _classify("became-required", contexts)
            yield Change(
                level, rule, "schemas", f"{key}.{name}", f"became required (in {_where(contexts)})", used_by
            )
        for name in sorted((old.required - new.required) & old.properties.keys() & new.properties.keys()):
            level, rule = _classify("became-optional", contexts)
            yield Change(
                level, rule, "schemas", f"{key}.{name}", f"became optional (in {_where(contexts)})", used_by
            )
        if (old.types, old.format, old.ref) != (new.types, new.format, new.ref) and (
            old.types or new.types or old.ref or new.ref
        ):
            level, rule = _classify("type-changed", contexts)
            yield Change(
                level,
                rule,
                "schemas",
                key,
                f"type {old.describe()} -> {new.describe()} (in {_where(contexts)})",
                used_by,
            )
        old_values, new_values = old.enum or [], new.enum or []
        moves = (("added", new_values, old_values), ("removed", old_values, new_values))
        for verb, values, others in moves:
            for value in [v for v in values if v not in others]:
                level, rule = _classify(f"enum-value-{verb}", contexts)
                text = f"value {json.dumps(value)} {verb} (in {_where(contexts)})"
                enums.append(Change(level, rule, "enums", key, text, used_by))
    yield from enums


# --- Reporting ------------------------------------------------------------------------------------

SECTIONS = (
    ("security", "Servers and security"),
    ("operations", "Operations"),
    ("schemas", "Schemas and properties"),
    ("enums", "Enum values"),
)


def render(
    changes: list[Change],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    old_source: str,
    new_source: str,
    api: str,
) -> str:
    """The report, as Markdown: both versions, a summary by level, then each section."""
    title = new.get("info", {}).get("title", "?")
    old_version, new_version = (
        old.get("info", {}).get("version", "?"),
        new.get("info", {}).get("version", "?"),
    )
    lines = [
        f"# API changes: {title} ({api}) {old_version} -> {new_version}",
        "",
        f"- before: version {old_version}, {old_source}",
        f"- after: version {new_version}, {new_source}",
        f"- {figures(changes)} (oasdiff's levels ERR, WARN, INFO and rule names)",
    ]
    return "\n".join(lines + sections(changes, heading="##")) + "\n"


def figures(changes: list[Change]) -> str:
    """``37 change(s) for a client: 11 breaking, 14 potentially breaking, 12 non-breaking``."""
    counts = {level: sum(c.level == level for c in changes) for level in LEVELS}
    return (
        f"{len(changes)} change(s) for a client: {counts[BREAKING]} breaking, "
        f"{counts[POTENTIALLY]} potentially breaking, {counts[NON_BREAKING]} non-breaking"
    )


def sections(changes: list[Change], *, heading: str) -> list[str]:
    """The report's sections (servers and security, operations, schemas, enum values) as Markdown lines.

    ``heading`` is their heading level (``##``).
    """
    lines: list[str] = []
    for section, title in SECTIONS:
        found = [c for c in changes if c.section == section]
        lines += ["", f"{heading} {title} ({len(found)})", ""]
        lines += [c.line() for c in sorted(found, key=lambda c: (LEVELS.index(c.level), c.subject))] or [
            "- none"
        ]
    return lines


def api_label(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """``v3`` for two v3 documents, ``v3 -> v4`` across major versions (from their ``info.version``)."""
    majors = [str(d.get("info", {}).get("version", "?")).split(".")[0] for d in (old, new)]
    return f"v{majors[0]}" if majors[0] == majors[1] else f"v{majors[0]} -> v{majors[1]}"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the report between two documents."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    try:
        old, new = (load_bounded(p.read_bytes(), p) for p in (args.old, args.new))
    except (OSError, ValueError) as error:  # DocumentLimitError included
        print(f"error: {error}", file=sys.stderr)
        return 2
    changes = compare(old, new)
    report = render(
        changes, old, new, old_source=str(args.old), new_source=str(args.new), api=api_label(old, new)
    )
    print(report, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
