"""Issue point 5: a missing or wrong spec gives one clear error, a non-zero exit, and writes nothing."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from scripts.paths import REPO_ROOT, prepared_spec_path
from tests.spec.conftest import PIN, PYTHON, prepared_spec, run, tree_snapshot


def assert_one_clear_error(result: subprocess.CompletedProcess[str], spec: Path) -> str:
    """The command failed with exactly one error message that says what and how; return it."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    # make's own trailer (`make: *** [Makefile:NN: spec] Error 2`) only reports the exit status.
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("make: ***")]
    assert sum("error" in line.lower() for line in lines) == 1, result.stderr
    message = result.stderr
    assert str(spec) in message
    assert f"version {PIN.version}" in message
    assert PIN.sha256 in message
    assert "CAAS_SPEC=" in message  # how to point it elsewhere
    return message


@pytest.fixture
def wrong_spec(tmp_path: Path) -> Path:
    """AVIV's document with one byte more: same content to the eye, another sha256."""
    spec = tmp_path / "aviv-classified-api-v3.1.3.json"
    spec.write_bytes(PIN.read_verified()[1] + b"\n")
    return spec


def test_missing_spec(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "aviv.json"
    build = tmp_path / "build"
    result = run([PYTHON, "-m", "scripts.prepare_spec", "--build-dir", str(build)], CAAS_SPEC=str(missing))
    message = assert_one_clear_error(result, missing)
    assert "not found" in message
    assert result.stdout == ""
    assert not build.exists()


def test_wrong_sha256(tmp_path: Path, wrong_spec: Path) -> None:
    build = tmp_path / "build"
    result = run([PYTHON, "-m", "scripts.prepare_spec", "--build-dir", str(build)], CAAS_SPEC=str(wrong_spec))
    message = assert_one_clear_error(result, wrong_spec)
    assert hashlib.sha256(wrong_spec.read_bytes()).hexdigest() in message
    assert "make update-spec CAAS_SPEC=" in message  # how to adopt a new version on purpose
    assert "openapi/v3/pin.toml" in message
    assert not build.exists()


@pytest.mark.parametrize("case", ["missing", "wrong"])
def test_generate_writes_nothing_either(tmp_path: Path, wrong_spec: Path, case: str) -> None:
    spec = tmp_path / "missing.json" if case == "missing" else wrong_spec
    build, output = tmp_path / "build", tmp_path / "out" / "aviv_caas_client"
    result = run(
        [PYTHON, "-m", "scripts.generate", "--build-dir", str(build), "--output", str(output)],
        CAAS_SPEC=str(spec),
    )
    assert_one_clear_error(result, spec)
    assert not build.exists()
    assert not output.parent.exists()


def test_caas_spec_can_point_at_a_copy_elsewhere(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "aviv.json"
    copy.parent.mkdir()
    copy.write_bytes(PIN.read_verified()[1])
    build = tmp_path / "build"
    result = run([PYTHON, "-m", "scripts.prepare_spec", "--build-dir", str(build)], CAAS_SPEC=str(copy))
    assert result.returncode == 0, result.stderr
    assert json.loads(prepared_spec_path(build).read_text(encoding="utf-8")) == prepared_spec()


def test_make_spec_with_a_missing_spec_fails_before_writing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    build = REPO_ROOT / "build"
    before = tree_snapshot(build)
    result = run(["make", "--no-print-directory", "spec", f"CAAS_SPEC={missing}"])
    message = assert_one_clear_error(result, missing)
    assert "not found" in message
    assert tree_snapshot(build) == before
