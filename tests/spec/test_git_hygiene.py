"""AVIV's documents, and anything generated from them, are never tracked by git."""

from __future__ import annotations

import hashlib
import subprocess

from scripts.paths import REPO_ROOT, ApiPaths, prepared_spec_path
from tests.spec.conftest import API_VERSIONS, for_each_api, pin_of


def tracked_files() -> list[str]:
    result = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True, timeout=60
    )
    return [name for name in result.stdout.decode().split("\0") if name]


def test_git_sees_the_project() -> None:
    files = set(tracked_files())
    assert {"Makefile", "pyproject.toml"} <= files
    for api in API_VERSIONS:
        assert {f"openapi/{api}/{name}" for name in ("pin.toml", "overlay.yaml", "generator.yaml")} <= files


@for_each_api()
def test_no_tracked_file_is_aviv_s_document_or_the_prepared_copy(api: str) -> None:
    pin = pin_of(api)
    forbidden = {pin.sha256, hashlib.sha256(prepared_spec_path(api=api).read_bytes()).hexdigest()}
    forbidden.add(hashlib.sha256((ApiPaths(api).generated_package / "openapi.json").read_bytes()).hexdigest())
    needle = f'"title": "{pin.title}"'.encode()  # how the document (and its copies) open their info
    assert needle in pin.read_verified()[1]
    for name in tracked_files():
        data = (REPO_ROOT / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() not in forbidden, name
        assert needle not in data, name


@for_each_api()
def test_no_generated_python_is_tracked(api: str) -> None:
    generated = [name for name in tracked_files() if name.startswith("generated/")]
    assert generated == ["generated/README.md"]
    package = ApiPaths(api).generated_package
    generated_modules = {p.relative_to(REPO_ROOT).as_posix() for p in package.rglob("*.py")}
    assert len(generated_modules) > 100
    assert not generated_modules & set(tracked_files())
    assert not [name for name in tracked_files() if name.endswith(".py") and package.name in name]
