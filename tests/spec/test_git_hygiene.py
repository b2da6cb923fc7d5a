"""AVIV's document, and anything generated from it, is never tracked by git."""

from __future__ import annotations

import hashlib
import subprocess

from scripts.paths import GENERATED_PACKAGE, REPO_ROOT, prepared_spec_path
from tests.spec.conftest import PIN


def tracked_files() -> list[str]:
    result = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True, timeout=60
    )
    return [name for name in result.stdout.decode().split("\0") if name]


def test_git_sees_the_project() -> None:
    files = tracked_files()
    assert {"Makefile", "pyproject.toml", "openapi/v3/pin.toml", "openapi/v3/overlay.yaml"} <= set(files)


def test_no_tracked_file_is_aviv_s_document_or_the_prepared_copy() -> None:
    forbidden = {PIN.sha256, hashlib.sha256(prepared_spec_path().read_bytes()).hexdigest()}
    forbidden.add(hashlib.sha256((GENERATED_PACKAGE / "openapi.json").read_bytes()).hexdigest())
    needle = f'"title": "{PIN.title}"'.encode()  # how the document (and its copies) open their info
    assert needle in PIN.read_verified()[1]
    for name in tracked_files():
        data = (REPO_ROOT / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() not in forbidden, name
        assert needle not in data, name


def test_no_generated_python_is_tracked() -> None:
    generated = [name for name in tracked_files() if name.startswith("generated/")]
    assert generated == ["generated/README.md"]
    generated_modules = {p.relative_to(REPO_ROOT).as_posix() for p in GENERATED_PACKAGE.rglob("*.py")}
    assert len(generated_modules) > 400
    assert not generated_modules & set(tracked_files())
    assert not [name for name in tracked_files() if name.endswith(".py") and "aviv_caas_client" in name]
