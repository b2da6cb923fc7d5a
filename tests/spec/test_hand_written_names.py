"""The hand-written code depends only on names the overlays define or assert (issue 10, point 4).

So an upstream rename breaks openapi/<api>/overlay.yaml, with a message naming the action and its
user, never aviv_caas_auth. A model aviv_caas_auth takes from a generated package (``from
<package>.models import X``, or ``<alias>.X`` after ``import <package>.models as alias``) must be
the class of a schema that version's overlay defines (an update of ``$.components.schemas``) or
asserts (a no-op ``update: {}`` of ``$.components.schemas.<Name>``); an endpoint module it imports
must be an operation whose operationId the overlay asserts.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import pytest
import yaml
from openapi_python_client.strings import ClassName, PythonIdentifier

from scripts.overlay import apply_overlay
from scripts.paths import REPO_ROOT, ApiPaths
from tests.spec.conftest import (
    API_VERSIONS,
    for_each_api,
    generator_settings,
    operations,
    package_of,
    raw_spec,
)

HAND_WRITTEN = REPO_ROOT / "aviv_caas_auth"
ASSERTED_SCHEMAS = re.compile(r"\$\.components\.schemas(?:\.(\w+)|\[((?:'\w+',?\s*)+)\])")


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for an attribute chain of names."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def generated_imports() -> list[tuple[str, str, str, str]]:
    """(file, api, module, name) of every generated model or endpoint aviv_caas_auth names.

    ``from <package>.models|api... import name``, and ``<alias>.name`` where ``alias`` is
    ``import <package>.models [as alias]`` (the models of both versions, typed side by side).
    """
    found = []
    for path in sorted(HAND_WRITTEN.rglob("*.py")):
        rel = path.relative_to(REPO_ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for api in API_VERSIONS:
            package = package_of(api)
            aliases: dict[str, str] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    (f"{package}.models", f"{package}.api")
                ):
                    found += [(rel, api, str(node.module), alias.name) for alias in node.names]
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name == f"{package}.models":
                            aliases[alias.asname or alias.name] = alias.name
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and _dotted(node.value) in aliases:
                    found.append((rel, api, aliases[str(_dotted(node.value))], node.attr))
    return sorted(set(found))


def overlay_names(api: str = "v3") -> tuple[set[str], set[str]]:
    """(schemas ``api``'s overlay defines or asserts, operationIds it asserts)."""
    overlay = yaml.safe_load(ApiPaths(api).overlay_file.read_text(encoding="utf-8"))
    applied = apply_overlay(copy.deepcopy(raw_spec(api)), overlay)
    schemas = {d.split("/", 1)[1] for a in applied for d in a.defines if d.startswith("schemas/")}
    operation_ids: set[str] = set()
    for action in overlay["actions"]:
        if action.get("update") == {}:
            asserted = ASSERTED_SCHEMAS.fullmatch(" ".join(action["target"].split()))
            if asserted:
                schemas |= (
                    {asserted.group(1)}
                    if asserted.group(1)
                    else set(re.findall(r"'(\w+)'", asserted.group(2)))
                )
            operation_ids |= set(re.findall(r"@\.operationId == '(\w+)'", action["target"]))
    return schemas, operation_ids


@for_each_api()
def test_the_hand_written_code_imports_generated_names(api: str) -> None:
    """The check below is not vacuous: aviv_caas_auth does use each version's problem model and classified."""
    names = {name for _, found_api, _, name in generated_imports() if found_api == api}
    assert {"ErrorResponse", "AvivClassified", "ClassifiedStatusInternal"} <= names


@pytest.mark.parametrize(("file", "api", "module", "name"), generated_imports(), ids=lambda v: str(v))
def test_each_generated_name_is_the_overlay_s(file: str, api: str, module: str, name: str) -> None:
    schemas, operation_ids = overlay_names(api)
    prefix = generator_settings(api).field_prefix
    overlay_file = ApiPaths(api).overlay_file.relative_to(REPO_ROOT)
    if module.startswith(f"{package_of(api)}.models"):
        classes = {ClassName(schema, prefix) for schema in schemas}
        # The models of an asserted operation's inline answer are named after it (GetClassifiedsResponse200...).
        answers = tuple(f"{ClassName(op, prefix)}Response" for op in operation_ids)
        assert name in classes or name.startswith(answers), (
            f"{file} uses {name} of the generated models: define or assert its schema in "
            f"{overlay_file} ('Names the hand-written code relies on')"
        )
    else:
        by_module = {
            Path(*op.module_name.split(".")).name: op.operation_id for op in operations(raw_spec(api), api)
        }
        operation_id = by_module.get(name) or by_module.get(PythonIdentifier(name, "").strip())
        assert operation_id in operation_ids, (
            f"{file} imports the endpoint {module}.{name}: assert its operationId in "
            f"{overlay_file} ('Names the hand-written code relies on')"
        )


@for_each_api()
def test_the_operations_the_workflows_import_by_name_are_asserted(api: str) -> None:
    """Workflows import endpoint modules by name (aviv_caas_auth.workflows.endpoints.OPERATIONS, ONE_VERSION)."""
    from aviv_caas_auth.workflows.endpoints import ONE_VERSION, OPERATIONS

    _, operation_ids = overlay_names(api)
    asserted = {
        (
            PythonIdentifier(op.operation_id, generator_settings(api).field_prefix),
            PythonIdentifier(op.tag, "tag"),
        )
        for op in operations(raw_spec(api), api)
        if op.operation_id in operation_ids
    }
    assert set(OPERATIONS.items()) <= asserted
    assert {(name, tag) for name, (version, tag) in ONE_VERSION.items() if version == api} <= asserted
