"""Type checkers see every lazily exported model, and a misspelt one is a type error, not ``Any``.

The typed-use files are checked by mypy --strict and by pyright (basedpyright, which ships pyright
with its own Node.js from PyPI): both must accept the uses and flag exactly the marked misuses.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.generated.static_imports import PACKAGE_DIR

USES_TYPES = '''\
"""Typed use of the models package and an endpoint function."""

from uuid import UUID

from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import create_classified, get_classified
from aviv_caas_client.api.status import get_classified_statuses, get_media_statuses
from aviv_caas_client.models import AvivClassified, ErrorResponse, EstateType, GetClassifiedResponse200
from aviv_caas_client.types import Response, UnexpectedResponse


def fetch(client: AuthenticatedClient, classified_id: UUID) -> AvivClassified | None:
    response: Response[ErrorResponse | GetClassifiedResponse200 | UnexpectedResponse] = get_classified.sync_detailed(
        classified_id, client=client
    )
    parsed = response.parsed
    if isinstance(parsed, GetClassifiedResponse200):
        return AvivClassified(portals=parsed.portals, data=parsed.data)
    return None


def estate(kind: EstateType) -> str:
    return kind


def statuses(client: AuthenticatedClient, classified: AvivClassified, media_id: UUID) -> None:
    """The ids a create answers are the ids the status endpoints take (UUIDs, issue 10)."""
    created = create_classified.sync(client=client, body=classified)
    if created is not None and not isinstance(created, ErrorResponse | UnexpectedResponse):
        assert isinstance(created.classified_id, UUID)  # optional in the 202 answer
        get_classified_statuses.sync_detailed(created.classified_id, client=client)
        get_media_statuses.sync_detailed(created.classified_id, media_id, client=client)
'''

# Each line marked `# E: <text>` must get a mypy error containing <text>; no other line may.
MISUSES_TYPES = """\
import aviv_caas_client.models as models
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import create_classified
from aviv_caas_client.models import AvivClassified, EstateType
from aviv_caas_client.models import NoSuchModel  # E: has no attribute "NoSuchModel"


def wrong_return(classified: AvivClassified) -> int:
    return classified.data  # E: got "RealEstate", expected "int"


def wrong_literal() -> EstateType:
    return "CASTLE"  # E: Incompatible return value type


def bodiless(client: AuthenticatedClient) -> None:
    create_classified.sync(client=client)  # E: Missing named argument "body"


typo = models.AvivClasified  # E: has no attribute "AvivClasified"


def misspelt_member(classified: AvivClassified) -> object:
    # Models read members on first access through a __getattr__ type checkers must not see.
    return classified.data.metadata  # E: has no attribute "metadata"
"""


def run_mypy(tmp_path: Path, *files: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), *extra, *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)


def error_lines(output: str, path: Path) -> dict[int, str]:
    found: dict[int, str] = {}
    for line in output.splitlines():
        match = re.match(rf"{re.escape(path.name)}:(\d+): error: (.*)", line)
        if match:
            found[int(match.group(1))] = found.get(int(match.group(1)), "") + match.group(2)
    return found


def pyright_error_lines(tmp_path: Path, *files: Path) -> tuple[dict[str, set[int]], str]:
    """Lines (1-based) with a pyright error, per file name, in pyright's standard mode; and its raw output."""
    (tmp_path / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "standard"}), encoding="utf-8"
    )
    command = [
        sys.executable,
        "-m",
        "basedpyright",
        "--pythonpath",
        sys.executable,
        "--outputjson",
        *map(str, files),
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)
    report = json.loads(result.stdout)
    found: dict[str, set[int]] = {path.name: set() for path in files}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            found[Path(diagnostic["file"]).name].add(diagnostic["range"]["start"]["line"] + 1)
    assert report["summary"]["filesAnalyzed"] == len(files), result.stdout
    return found, result.stdout


def assert_uses_pass_and_misuses_fail(tmp_path: Path, uses: str, misuses: str) -> None:
    """mypy --strict: no error in ``uses``; in ``misuses`` exactly the lines marked ``# E: <text>``, with that text.

    pyright: no error in ``uses`` either (``assert_type`` included), and an error on each marked line, on no other.
    """
    good = tmp_path / "uses.py"
    bad = tmp_path / "misuses.py"
    good.write_text(uses, encoding="utf-8")
    bad.write_text(misuses, encoding="utf-8")
    result = run_mypy(tmp_path, good, bad, extra=("--strict",))
    output = result.stdout + result.stderr
    assert error_lines(output, good) == {}, output
    expected = {
        number: line.split("# E: ")[1]
        for number, line in enumerate(misuses.splitlines(), start=1)
        if "# E: " in line
    }
    reported = error_lines(output, bad)
    assert sorted(reported) == sorted(expected), output
    for number, text in expected.items():
        assert text in reported[number], output
    pyright, raw = pyright_error_lines(tmp_path, good, bad)
    assert pyright == {good.name: set(), bad.name: set(expected)}, raw


def test_models_and_endpoints_type_check_and_misuse_is_caught(tmp_path: Path) -> None:
    assert_uses_pass_and_misuses_fail(tmp_path, USES_TYPES, MISUSES_TYPES)


def test_generated_models_package_and_endpoints_type_check(tmp_path: Path) -> None:
    # The lazy models __init__ and every endpoint module; errors in modules they import are
    # reported by their own checks (see the report of issue 7 for the stock templates' errors).
    targets = [PACKAGE_DIR / "models" / "__init__.py", *sorted((PACKAGE_DIR / "api").rglob("*.py"))]
    result = run_mypy(tmp_path, *targets, extra=("--follow-imports=silent",))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Success: no issues found in {len(targets)} source files" in result.stdout
