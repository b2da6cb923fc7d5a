"""``import aviv_caas_auth`` imports nothing but its version, log switch and lazy loader (issue 21);
``create_client``, first used, imports what it needs and nothing more: the rest is imported on first
use of its name."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import aviv_caas_auth

OPTIONAL = ("redis", "werkzeug", "filelock", "platformdirs")
# Imported on first use of one of their names (aviv_caas_auth._LAZY), never by the import itself.
DEFERRED = (
    "aviv_caas_auth.problems.errors",
    "aviv_caas_auth.problems.classify",
    "aviv_caas_auth.problems.unwrap",
    "aviv_caas_auth.problems.duplicates",
    "aviv_caas_auth.stores.file_store",
    "aviv_caas_auth.stores.redis_store",
    "aviv_caas_auth.sandbox",
    "aviv_caas_auth.workflows",
    "aviv_caas_auth.webhooks",
    "aviv_caas_auth.validation",
    "aviv_caas_auth.sync",
    "aviv_caas_auth.cli",
)
INIT = Path(aviv_caas_auth.__file__)

# Runs in a fresh interpreter: what `import aviv_caas_auth` adds once its dependencies (and the
# generated client package) are loaded, so only aviv_caas_auth's own imports are counted.
IMPORTED_BY_AUTH = """
import json, sys
import attrs, httpx, aviv_caas_client
before = set(sys.modules)
import aviv_caas_auth
print(json.dumps(sorted(set(sys.modules) - before)))
"""

# The same for the first use of create_client: what it needs, loaded then.
IMPORTED_BY_CREATE_CLIENT = IMPORTED_BY_AUTH.replace(
    "import aviv_caas_auth", "from aviv_caas_auth import create_client"
)

# Runs in a fresh interpreter: resolves each lazy name and reports what its first lookup imported
# beyond what create_client needs (loaded first: every program uses it).
RESOLVE = """
import importlib, json, sys
import aviv_caas_auth
from aviv_caas_auth import create_client
report = {}
for name, module in json.loads(sys.argv[1]).items():
    before = set(sys.modules)
    value = getattr(aviv_caas_auth, name)
    report[name] = {
        "same_object": value is getattr(importlib.import_module(module), name),
        "imported": sorted(m for m in set(sys.modules) - before if m.startswith("aviv_caas_")),
        "in_dir": name in dir(aviv_caas_auth),
    }
namespace = {}
exec("from aviv_caas_auth import *", namespace)
report["*"] = sorted(name for name in namespace if name != "__builtins__")
print(json.dumps(report))
"""


def run_python(code: str, *args: str) -> object:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def type_checking_imports() -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` in aviv_caas_auth/__init__.py."""
    tree = ast.parse(INIT.read_text())
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1
    return {
        alias.asname or alias.name: statement.module
        for statement in blocks[0].body
        if isinstance(statement, ast.ImportFrom) and statement.module
        for alias in statement.names
    }


def test_import_aviv_caas_auth_imports_nothing_but_its_version_log_switch_and_lazy_loader() -> None:
    # aviv_caas_auth.logs reads AVIV_CAAS_LOG at import: a handler must be there before the first call.
    assert run_python(IMPORTED_BY_AUTH) == [
        "aviv_caas_auth",
        "aviv_caas_auth._version",
        "aviv_caas_auth.lazy",
        "aviv_caas_auth.logs",
    ]


def test_create_client_imports_no_optional_dependency_nor_deferred_module() -> None:
    imported = run_python(IMPORTED_BY_CREATE_CLIENT)
    assert isinstance(imported, list)
    assert "aviv_caas_auth.factory" in imported  # the probe does see the package's own modules
    assert [name for name in imported if name.partition(".")[0] in OPTIONAL] == []
    assert [name for name in imported if name.startswith(DEFERRED)] == []


def test_create_client_imports_no_generated_endpoint_or_model_module() -> None:
    imported = run_python(IMPORTED_BY_CREATE_CLIENT)
    assert isinstance(imported, list)
    generated = [name for name in imported if name.startswith("aviv_caas_client.")]
    assert generated == []


def test_create_client_does_not_import_asyncio() -> None:
    # Sync-only programs never pay for asyncio; the store and single-flight code import it on first use.
    imported = run_python(IMPORTED_BY_CREATE_CLIENT)
    assert isinstance(imported, list)
    assert [name for name in imported if name.partition(".")[0] == "asyncio"] == []


def test_the_lazy_names_are_the_ones_type_checkers_see() -> None:
    assert type_checking_imports() == aviv_caas_auth._LAZY


def test_every_lazy_name_resolves_to_the_object_its_module_defines() -> None:
    lazy = type_checking_imports()
    report = run_python(RESOLVE, json.dumps(lazy))
    assert isinstance(report, dict)
    star = report.pop("*")
    assert sorted(report) == sorted(lazy)
    assert [name for name, facts in report.items() if not facts["same_object"]] == []
    assert [name for name, facts in report.items() if not facts["in_dir"]] == []
    assert star == sorted(aviv_caas_auth.__all__)


def first_lookup_imports(name: str) -> list[str]:
    """The modules (of this project) that the first lookup of ``aviv_caas_auth.<name>`` imports."""
    report = run_python(RESOLVE, json.dumps({name: type_checking_imports()[name]}))
    assert isinstance(report, dict)
    assert report[name]["same_object"]
    imported: list[str] = report[name]["imported"]
    return imported


def test_a_problem_error_imports_the_problem_module_only() -> None:
    assert sorted(first_lookup_imports("ApiError")) == [
        "aviv_caas_auth.http.redaction",
        "aviv_caas_auth.problems",
        "aviv_caas_auth.problems.errors",
    ]


def test_the_duplicate_lookup_imports_its_module_when_first_used() -> None:
    imported = first_lookup_imports("find_classified_id")
    assert "aviv_caas_auth.problems.duplicates" in imported
    assert "aviv_caas_auth.problems.errors" in imported  # through unwrap and classify
    assert "aviv_caas_auth.workflows.lookup" in imported  # the lookup is the workflows' own step
    # the endpoint module is resolved from the client's package when the lookup runs
    assert "aviv_caas_client.api.classifieds.get_classifieds" not in imported


def test_validate_imports_no_jsonschema_until_it_validates() -> None:
    imported = first_lookup_imports("validate")
    assert "aviv_caas_auth.validation" in imported
    assert "aviv_caas_auth.validation.schemas" in imported


def test_the_webhook_receivers_import_only_their_own_modules() -> None:
    imported = first_lookup_imports("wsgi_app")
    assert [
        m for m in imported if not m.startswith(("aviv_caas_auth.webhooks", "aviv_caas_auth.problems"))
    ] == []


def test_unknown_names_raise_attribute_error_naming_them() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        aviv_caas_auth.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_the_check_would_see_an_installed_optional_dependency() -> None:
    # werkzeug is installed (pytest-httpserver), so an eager import of it would be counted above.
    assert importlib.util.find_spec("werkzeug") is not None


SUBMODULE_FIRST = """
import json, sys
import aviv_caas_auth.problems.unwrap  # the submodule named like the function, imported before any lookup
import aviv_caas_auth
from aviv_caas_auth.problems.unwrap import unwrap
print(json.dumps({"function": aviv_caas_auth.unwrap is unwrap, "module": type(sys.modules["aviv_caas_auth.problems.unwrap"]).__name__}))
"""


def test_unwrap_stays_the_function_when_its_submodule_is_imported_first() -> None:
    assert run_python(SUBMODULE_FIRST) == {"function": True, "module": "module"}
