"""Shared helpers for the spec-pipeline tests (issue 2).

Everything here is derived from AVIV's pinned document (read through ``scripts.pin``, so
``CAAS_SPEC`` is honoured and the sha256 is checked), the prepared document (the same overlay
``make spec`` applies), the generator's own configuration and naming rules, and the generated
package. Operations, statuses, error kinds, enums and examples are found by walking the
documents; the counts the tests assert are those of the pinned version.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
from dateutil.parser import isoparse
from hypothesis import strategies as st
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser.properties import ModelProperty, Schemas, build_schemas
from openapi_python_client.schema import openapi_schema_pydantic as oai
from openapi_python_client.strings import PythonIdentifier

from scripts.paths import GENERATED_PACKAGE, GENERATOR_CONFIG, REPO_ROOT
from scripts.pin import SpecPin
from scripts.prepare_spec import prepared_document

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PACKAGE = GENERATED_PACKAGE.name
PIN = SpecPin.load()
GENERATOR_SETTINGS = ConfigFile.load_from_path(GENERATOR_CONFIG)
PYTHON = sys.executable
# Caches, the virtualenv and git metadata: never project files, left out of tree snapshots.
CACHE_NAMES = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", ".venv", ".git"}
)


# --- The two documents ----------------------------------------------------------------------


@functools.cache
def raw_spec() -> dict[str, Any]:
    """AVIV's document exactly as pinned (sha256 verified). Shared: never mutate it, deep-copy."""
    _, data = PIN.read_verified()
    document: dict[str, Any] = json.loads(data)
    return document


@functools.cache
def prepared_spec() -> dict[str, Any]:
    """The pinned document with openapi/overlay.yaml applied (what the client is generated from)."""
    document, _ = prepared_document()
    return document


def resolve(document: Mapping[str, Any], ref: str) -> Any:
    """The node a local ``#/...`` JSON pointer designates."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, not {ref!r}")
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def deref(document: Mapping[str, Any], node: Any) -> Any:
    """Follow ``$ref`` until reaching a node that is not a bare reference."""
    while isinstance(node, Mapping) and "$ref" in node:
        node = resolve(document, node["$ref"])
    return node


def ref_name(node: Mapping[str, Any]) -> str | None:
    """The component name a ``{"$ref": "#/components/schemas/X"}`` node points at, else None."""
    ref = node.get("$ref")
    prefix = "#/components/schemas/"
    return ref[len(prefix) :] if isinstance(ref, str) and ref.startswith(prefix) else None


# Keywords that only annotate a schema; dropped when a schema is inlined for instance generation.
_ANNOTATIONS = frozenset({"description", "example", "examples", "externalDocs", "deprecated", "title"})


def inline_refs(document: Mapping[str, Any], node: Any, _depth: int = 0) -> Any:
    """A copy of schema ``node`` with every ``$ref`` replaced by its target and annotations dropped.

    AVIV's document has no recursive schema; a cycle would exceed the depth guard and fail loudly.
    A ``$ref`` with sibling keywords becomes ``allOf: [target, siblings]``.
    """
    if _depth > 60:
        raise RecursionError("schema nesting too deep: recursive $ref?")
    if isinstance(node, list):
        return [inline_refs(document, item, _depth + 1) for item in node]
    if not isinstance(node, Mapping):
        return node
    if "$ref" in node:
        target = inline_refs(document, resolve(document, node["$ref"]), _depth + 1)
        siblings = {k: v for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
        return {"allOf": [target, inline_refs(document, siblings, _depth + 1)]} if siblings else target
    inlined: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS:
            continue
        if key == "properties":
            inlined[key] = {name: inline_refs(document, sub, _depth + 1) for name, sub in value.items()}
        elif key in ("enum", "required", "default"):
            inlined[key] = copy.deepcopy(value)
        else:
            inlined[key] = inline_refs(document, value, _depth + 1)
    return inlined


def merge_all_of(schema: Any, *, only_unsatisfiable: bool = False) -> Any:
    """Read the ``allOf`` groups of a ref-free schema the way OpenAPI tools do: merged.

    Strict JSON Schema checks each ``allOf`` branch on its own. OpenAPI tools, openapi-python-client
    included, merge the branches into one object: properties and required lists united,
    ``additionalProperties: false`` kept when a branch says so. The two readings differ where a
    branch closed with ``additionalProperties: false`` meets properties of another branch: AVIV
    wraps its GET answers as ``allOf: [AvivClassified, {required: [classifiedId]}]``, which strict
    JSON Schema satisfies with no body at all, although AVIV documents exactly such bodies.

    With ``only_unsatisfiable``, only such groups (a branch forbids a property another branch
    requires) are merged; every other ``allOf`` keeps its strict meaning.
    """
    if isinstance(schema, list):
        return [merge_all_of(item, only_unsatisfiable=only_unsatisfiable) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    node = {
        key: (
            {name: merge_all_of(sub, only_unsatisfiable=only_unsatisfiable) for name, sub in value.items()}
            if key == "properties"
            else value
            if key in ("enum", "required", "default")
            else merge_all_of(value, only_unsatisfiable=only_unsatisfiable)
        )
        for key, value in schema.items()
    }
    if "allOf" not in node:
        return node
    parts = [{k: v for k, v in node.items() if k != "allOf"}, *node["allOf"]]
    required = {name for part in parts for name in part.get("required", [])}
    closed = [p for p in parts if p.get("additionalProperties") is False]
    if only_unsatisfiable and all(required <= set(p.get("properties", {})) for p in closed):
        return node
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "properties":
                props = merged.setdefault("properties", {})
                for name, sub in value.items():
                    props[name] = merge_all_of({"allOf": [props[name], sub]}) if name in props else sub
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            elif key == "additionalProperties" and value is False:
                merged[key] = False
            elif key not in merged or merged[key] == value:
                merged[key] = value
            else:  # the branches constrain one keyword differently: leave this group unmerged
                return node
    return merged


def validation_errors(document: Mapping[str, Any], schema: Mapping[str, Any], instance: Any) -> list[str]:
    """Why ``instance`` is invalid against ``schema`` (refs resolved in ``document``); [] when valid.

    OpenAPI 3.0 schemas are a JSON Schema draft-4/5 dialect: validated with the draft-4 rules and
    every format check jsonschema knows (uuid, date, email, ...).
    """
    root = {**schema, "components": document["components"]}
    validator = jsonschema.Draft4Validator(root, format_checker=jsonschema.FormatChecker())
    return sorted(
        f"/{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    )


# --- Operations and their generated modules ------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One operation of a document."""

    path: str
    method: str
    spec: Mapping[str, Any]

    @property
    def operation_id(self) -> str:
        return str(self.spec["operationId"])

    @property
    def tag(self) -> str:
        # openapi-python-client files an endpoint under its first tag only (generate_all_tags: false).
        assert not GENERATOR_SETTINGS.generate_all_tags
        return str((self.spec.get("tags") or ["default"])[0])

    @property
    def module_name(self) -> str:
        """The generated module, named with openapi-python-client's own identifier rules."""
        folder = PythonIdentifier(self.tag, prefix="tag")
        module = PythonIdentifier(self.operation_id, prefix=GENERATOR_SETTINGS.field_prefix)
        return f"{PACKAGE}.api.{folder}.{module}"

    def module(self) -> ModuleType:
        return importlib.import_module(self.module_name)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} ({self.operation_id})"


def operations(document: Mapping[str, Any]) -> list[Operation]:
    """Every operation of ``document``, in document order."""
    return [
        Operation(path, method, spec)
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in HTTP_METHODS
    ]


def parameters(document: Mapping[str, Any], operation: Operation) -> list[Mapping[str, Any]]:
    """The operation's parameters (path-level ones included), references resolved."""
    path_level = document["paths"][operation.path].get("parameters", [])
    return [deref(document, p) for p in [*path_level, *operation.spec.get("parameters", [])]]


# --- Generated models -------------------------------------------------------------------------


@functools.cache
def _generator_schemas() -> Schemas:
    """openapi-python-client's own reading of the prepared document's component schemas."""
    config = Config.from_sources(GENERATOR_SETTINGS, MetaType.NONE, "prepared.json", "utf-8", False, None)
    components = oai.OpenAPI.model_validate(prepared_spec()).components
    assert components is not None
    assert components.schemas
    return build_schemas(components=components.schemas, schemas=Schemas(), config=config)


def model_class(component: str) -> type[Any]:
    """The generated class of ``#/components/schemas/<component>`` in the prepared document."""
    prop = _generator_schemas().classes_by_reference[f"/components/schemas/{component}"]  # type: ignore[index]
    if not isinstance(prop, ModelProperty):
        raise KeyError(f"{component} is generated as {type(prop).__name__}, not a model class")
    module = importlib.import_module(f"{PACKAGE}.models.{prop.class_info.module_name}")
    cls: type[Any] = getattr(module, prop.class_info.name)
    return cls


def generated_model_names() -> set[str]:
    """Every public name the generated models package exports."""
    models = importlib.import_module(f"{PACKAGE}.models")
    return set(getattr(models, "__all__", dir(models)))


# --- Comparing what was sent with what came back ----------------------------------------------


def _branches(schema: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(schema, Mapping):
        yield schema
        for keyword in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(keyword, []):
                yield from _branches(branch)


@functools.cache
def inlined_component(name: str) -> Any:
    """Component ``name`` of AVIV's document with every ``$ref`` inlined (for json_differences)."""
    return inline_refs(raw_spec(), {"$ref": f"#/components/schemas/{name}"})


def json_differences(sent: Any, got: Any, schemas: list[Any] | None = None, where: str = "") -> list[str]:
    """Where ``got`` differs from ``sent``; [] when they are the same JSON.

    Exact: same keys, same list lengths and order, same JSON types (1 is not 1.0, not True).
    The one allowance: a string at a position that a (ref-free) schema in ``schemas`` declares
    ``format: date-time`` compares as an instant (``Z`` and ``+00:00`` name the same instant).
    """
    schemas = schemas or []
    if isinstance(sent, dict) and isinstance(got, dict):
        found = [f"{where}: keys differ {sorted(set(sent) ^ set(got))}"] if set(sent) != set(got) else []
        for key in sent.keys() & got.keys():
            subs = [
                b["properties"][key] for s in schemas for b in _branches(s) if key in b.get("properties", {})
            ]
            found += json_differences(sent[key], got[key], subs, f"{where}/{key}")
        return found
    if isinstance(sent, list) and isinstance(got, list):
        if len(sent) != len(got):
            return [f"{where}: {len(sent)} items sent, {len(got)} returned"]
        subs = [b["items"] for s in schemas for b in _branches(s) if isinstance(b.get("items"), Mapping)]
        return [
            d
            for i, (a, b) in enumerate(zip(sent, got, strict=True))
            for d in json_differences(a, b, subs, f"{where}/{i}")
        ]
    is_instant = any(b.get("format") == "date-time" for s in schemas for b in _branches(s))
    if is_instant and isinstance(sent, str) and isinstance(got, str):
        return [] if isoparse(sent) == isoparse(got) else [f"{where}: instant {sent!r} became {got!r}"]
    if type(sent) is type(got) and sent == got:
        return []
    return [f"{where}: {sent!r} became {got!r}"]


# --- hypothesis-jsonschema ----------------------------------------------------------------------


def _memoize_hypothesis_jsonschema() -> None:
    """Make hypothesis-jsonschema 0.23.1 build each sub-schema's strategy once, not once per draw.

    Its object strategy re-canonicalises a property's whole sub-schema every time it draws that
    property, which for AvivClassified (190 kB inlined) costs about 0.7 s per example. Caching the
    strategy per (canonical schema, character options, formats) returns the very strategy it would
    have built: the generated values and their distribution are unchanged, only built once.
    """
    import hypothesis_jsonschema._from_schema as impl
    from hypothesis_jsonschema._encode import encode_canonical_json

    original = impl.__dict__["__from_schema"]
    if getattr(original, "memoized", False):
        return
    cache: dict[tuple[Any, ...], Any] = {}
    # Encoding a big sub-schema for the key is itself costly: remember each schema object's key
    # (holding the object, so that its id cannot be reused while the entry exists).
    keys: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] = {}

    def memoized(schema: Any, *, alphabet: Any, custom_formats: Any) -> Any:
        options = (alphabet.allow_x00, alphabet.codec, id(custom_formats))
        known = keys.get((id(schema), *options))
        if known is not None and known[0] is schema:
            key = known[1]
        else:
            key = (encode_canonical_json(schema), *options)
            keys[(id(schema), *options)] = (schema, key)
        if key not in cache:
            cache[key] = (original(schema, alphabet=alphabet, custom_formats=custom_formats), custom_formats)
        return cache[key][0]

    memoized.memoized = True  # type: ignore[attr-defined]
    impl.__dict__["__from_schema"] = memoized


# hypothesis-jsonschema knows no `uuid` format (it would emit any text): RFC 4122 UUIDs, written
# the way AVIV writes them (lower-case hex).
CUSTOM_FORMATS: dict[str, st.SearchStrategy[str]] = {"uuid": st.uuids().map(str)}


def instances(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy for JSON values valid against the ref-free ``schema``."""
    from hypothesis_jsonschema import from_schema

    _memoize_hypothesis_jsonschema()
    return from_schema(schema, custom_formats=CUSTOM_FORMATS)


# --- Running the pipeline -------------------------------------------------------------------------


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment for a child make/python: ours (CAAS_SPEC included), minus the parent make's flags."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(overrides)
    return env


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in the repository root; capture its output."""
    return subprocess.run(
        command, cwd=REPO_ROOT, env=clean_env(**env), capture_output=True, text=True, check=False, timeout=240
    )


def tree_digest(root: Path, *, skip: Callable[[Path], bool] = lambda _: False) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative path -> digest), caches left out."""
    digests = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in CACHE_NAMES for part in relative.parts) or skip(relative) or not path.is_file():
            continue
        digests[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def tree_snapshot(
    root: Path, *, skip: Callable[[Path], bool] = lambda _: False
) -> dict[str, tuple[int, int, str]]:
    """(size, mtime_ns, sha256) of every file under ``root``, caches left out."""
    digests = tree_digest(root, skip=skip)
    return {
        name: ((root / name).stat().st_size, (root / name).stat().st_mtime_ns, digest)
        for name, digest in digests.items()
    }


# --- Documented responses and the spec's own examples -------------------------------------------


def example_instance(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Any:
    """A value made only of the document's own examples.

    The schema's ``example`` when it has one; otherwise an object of its properties' examples
    (``allOf`` branches merged), or a one-item array of its items' example. Raises when some
    property has no example, so nothing is invented.
    """
    schema = deref(document, schema)
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if "allOf" in schema or "properties" in schema:
        merged: dict[str, Any] = {}
        for branch in schema.get("allOf", []):
            merged.update(example_instance(document, branch))
        for name, sub in schema.get("properties", {}).items():
            merged[name] = example_instance(document, sub)
        return merged
    if "items" in schema:
        return [example_instance(document, schema["items"])]
    raise ValueError(f"the document gives no example for {json.dumps(schema)[:200]}")


def is_error_status(status: str) -> bool:
    """Whether a responses key documents an error (4xx, 5xx or ``default``)."""
    return status == "default" or int(status) >= 400


@dataclass(frozen=True)
class DocumentedResponse:
    """One (operation, status, content type) of AVIV's document and the schema it declares."""

    operation: Operation
    status: str
    content_type: str
    schema: Mapping[str, Any]

    @property
    def kinds(self) -> list[str]:
        """The error components this response declares (one, or the branches of its oneOf)."""
        branches = self.schema.get("oneOf", [self.schema])
        names = [ref_name(branch) for branch in branches]
        if None in names:
            raise ValueError(f"{self}: an error schema that is not a component reference")
        return [name for name in names if name is not None]

    def __str__(self) -> str:
        return f"{self.operation.operation_id}-{self.status}"


def documented_responses(document: Mapping[str, Any]) -> list[DocumentedResponse]:
    """Every documented (operation, status, content type) of ``document``."""
    return [
        DocumentedResponse(op, status, content_type, media["schema"])
        for op in operations(document)
        for status, response in op.spec["responses"].items()
        for content_type, media in deref(document, response).get("content", {}).items()
    ]


def error_kind_body(kind: str) -> dict[str, Any]:
    """A body of error kind ``kind`` from AVIV's own examples (whole, or built from its properties')."""
    body: dict[str, Any] = example_instance(raw_spec(), raw_spec()["components"]["schemas"][kind])
    return body


# --- Minimal bodies, and values placed inside them ------------------------------------------------

_FORMAT_SAMPLES = {
    "uuid": "5c597a63-6932-4b0c-a2a0-2fd935be1755",
    "date-time": "2025-05-02T09:15:00Z",
    "date": "2025-05-02",
    "email": "agence@acme-agency.fr",
    "url": "https://www.acme-agency.fr",
}


def minimal_instance(document: Mapping[str, Any], schema: Any) -> Any:
    """The smallest value of ``schema``: only required members, first enum value, first branch."""
    schema = deref(document, schema)
    if not schema.keys() - _ANNOTATIONS:
        return {}  # the empty schema (any value), e.g. the `{}` the overlay appends to an allOf
    if "enum" in schema:
        return schema["enum"][0]
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            return minimal_instance(document, schema[keyword][0])
    branches = [minimal_instance(document, branch) for branch in schema.get("allOf", [])]
    if len(branches) == 1 and not isinstance(branches[0], dict) and "properties" not in schema:
        return branches[0]  # `allOf: [<a scalar schema>]`, AVIV's way to describe a $ref
    if branches or "properties" in schema or schema.get("type") == "object":
        value: dict[str, Any] = {}
        for branch_value in branches:
            value.update(branch_value)
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name in value and not properties.get(name):
                continue  # declared `{}` beside the allOf branch that types it (the overlay's price objects)
            if name in properties:
                value[name] = minimal_instance(document, properties[name])
            elif name not in value:
                raise ValueError(f"required {name!r} has no schema")
        return value
    kind = schema.get("type")
    if kind == "array":
        return [minimal_instance(document, schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return _FORMAT_SAMPLES.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        return int(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    raise ValueError(f"no minimal value for {json.dumps(schema)[:200]}")


@dataclass(frozen=True)
class Slot:
    """Where a schema node sits in instances of a root schema.

    ``path`` is the instance path (property names, 0 for an array item); ``levels[i]`` is the
    schema of the container at ``path[:i]`` (a oneOf/anyOf branch once one is chosen).
    """

    path: tuple[str | int, ...]
    levels: tuple[Any, ...]
    node: Mapping[str, Any]

    def place(self, document: Mapping[str, Any], value: Any) -> Any:
        """A minimal instance of the root with ``value`` at this slot (and what it needs around it)."""
        root = minimal_instance(document, self.levels[0])
        container = root
        for depth, key in enumerate(self.path):
            last = depth == len(self.path) - 1
            child = value if last else minimal_instance(document, self.levels[depth + 1])
            if isinstance(container, list):
                container[:1] = [child]
            else:
                container[key] = child
            container = child
        return value if not self.path else root


def slots(document: Mapping[str, Any], root: Any, keyword: str) -> Iterator[Slot]:
    """Every node carrying ``keyword`` (e.g. ``enum``) reachable from ``root``, with its slot."""

    def walk(schema: Any, slot: Slot, refs: tuple[str, ...]) -> Iterator[Slot]:
        if "$ref" in schema:
            if schema["$ref"] in refs:  # recursion: AVIV's document has none; do not loop
                return
            refs = (*refs, schema["$ref"])
            schema = resolve(document, schema["$ref"])
        if keyword in schema:
            yield Slot(slot.path, slot.levels, schema)
        for branch in schema.get("allOf", []):
            yield from walk(branch, slot, refs)
        for branch in [*schema.get("oneOf", []), *schema.get("anyOf", [])]:
            yield from walk(branch, Slot(slot.path, (*slot.levels[:-1], branch), slot.node), refs)
        for name, sub in schema.get("properties", {}).items():
            yield from walk(sub, Slot((*slot.path, name), (*slot.levels, sub), sub), refs)
        if isinstance(schema.get("items"), Mapping):
            items = schema["items"]
            yield from walk(items, Slot((*slot.path, 0), (*slot.levels, items), items), refs)

    yield from walk(root, Slot((), (root,), root), ())


def value_at(instance: Any, path: tuple[str | int, ...]) -> Any:
    """The member of ``instance`` at ``path``."""
    for key in path:
        instance = instance[key]
    return instance
