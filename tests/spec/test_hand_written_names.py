"""The hand-written code depends only on names the overlay defines or asserts (issue 10, point 4).

So an upstream rename breaks openapi/v3/overlay.yaml, with a message naming the action and its
user, never aviv_caas_auth. A model aviv_caas_auth imports must be the class of a schema the
overlay defines (an update of ``$.components.schemas``) or asserts (a no-op ``update: {}`` of
``$.components.schemas.<Name>``); an endpoint module it imports must be an operation whose
operationId the overlay asserts.
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
from scripts.paths import OVERLAY_FILE, REPO_ROOT
from tests.spec.conftest import GENERATOR_SETTINGS, PACKAGE, operations, raw_spec

HAND_WRITTEN = REPO_ROOT / "aviv_caas_auth"
ASSERTED_SCHEMAS = re.compile(r"\$\.components\.schemas(?:\.(\w+)|\[((?:'\w+',?\s*)+)\])")


def generated_imports() -> list[tuple[str, str, str]]:
    """(file, module, name) of every ``from aviv_caas_client.models|api... import name`` in aviv_caas_auth."""
    found = []
    for path in sorted(HAND_WRITTEN.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{PACKAGE}."):
                module = str(node.module)
                if module.startswith((f"{PACKAGE}.models", f"{PACKAGE}.api")):
                    rel = path.relative_to(REPO_ROOT).as_posix()
                    found += [(rel, module, alias.name) for alias in node.names]
    return found


def overlay_names() -> tuple[set[str], set[str]]:
    """(schemas the overlay defines or asserts, operationIds it asserts)."""
    overlay = yaml.safe_load(OVERLAY_FILE.read_text(encoding="utf-8"))
    applied = apply_overlay(copy.deepcopy(raw_spec()), overlay)
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


def test_the_hand_written_code_imports_generated_names() -> None:
    """The check below is not vacuous: aviv_caas_auth does use the problem model and the classified."""
    names = {name for _, _, name in generated_imports()}
    assert {"ErrorResponse", "AvivClassified"} <= names


@pytest.mark.parametrize(("file", "module", "name"), generated_imports(), ids=lambda v: str(v))
def test_each_generated_name_is_the_overlay_s(file: str, module: str, name: str) -> None:
    schemas, operation_ids = overlay_names()
    if module.startswith(f"{PACKAGE}.models"):
        classes = {ClassName(schema, GENERATOR_SETTINGS.field_prefix) for schema in schemas}
        # The models of an asserted operation's inline answer are named after it (GetClassifiedsResponse200...).
        answers = tuple(f"{ClassName(op, GENERATOR_SETTINGS.field_prefix)}Response" for op in operation_ids)
        assert name in classes or name.startswith(answers), (
            f"{file} imports {name} from the generated models: define or assert its schema in "
            f"{OVERLAY_FILE.relative_to(REPO_ROOT)} ('Names the hand-written code relies on')"
        )
    else:
        by_module = {Path(*op.module_name.split(".")).name: op.operation_id for op in operations(raw_spec())}
        operation_id = by_module.get(name) or by_module.get(PythonIdentifier(name, "").strip())
        assert operation_id in operation_ids, (
            f"{file} imports the endpoint {module}.{name}: assert its operationId in "
            f"{OVERLAY_FILE.relative_to(REPO_ROOT)} ('Names the hand-written code relies on')"
        )


def test_the_operations_the_workflows_import_by_name_are_asserted() -> None:
    """Workflows import endpoint modules by name (aviv_caas_auth.workflows.endpoints.OPERATIONS)."""
    from aviv_caas_auth.workflows.endpoints import OPERATIONS

    _, operation_ids = overlay_names()
    asserted = {
        (PythonIdentifier(op.operation_id, GENERATOR_SETTINGS.field_prefix), PythonIdentifier(op.tag, "tag"))
        for op in operations(raw_spec())
        if op.operation_id in operation_ids
    }
    assert set(OPERATIONS.items()) <= asserted
