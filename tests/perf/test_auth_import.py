"""``import aviv_caas_auth`` stays cheap: optional stores' dependencies are not imported eagerly."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

OPTIONAL = ("redis", "werkzeug")

IMPORTED_BY_AUTH = """
import json, sys
before = set(sys.modules)
import aviv_caas_auth
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def modules_imported_by_auth() -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED_BY_AUTH], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_import_aviv_caas_auth_imports_no_optional_dependency() -> None:
    imported = modules_imported_by_auth()
    assert "aviv_caas_auth" in imported
    assert [name for name in imported if name.partition(".")[0] in OPTIONAL] == []


def test_the_check_would_see_an_installed_optional_dependency() -> None:
    # werkzeug is installed (pytest-httpserver), so an eager import of it would be counted above.
    assert importlib.util.find_spec("werkzeug") is not None
